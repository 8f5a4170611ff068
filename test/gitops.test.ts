import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { applyPlan, GitOpsBootstrap, GitOpsBootstrapProps, GitOpsTool, MonitoringStack, OutputFile, readOutputDir, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION, validateOutput } from '../lib';
import { findObject } from './inventory';

function synthStack(gitOps: GitOpsBootstrapProps): OutputFile[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-'));
  try {
    const app = new App({ outdir });
    new MonitoringStack(app, 'reference', { gitOps });
    app.synth();
    return readOutputDir(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const REPO = 'https://git.example.com/ops/homelab.git';

describe('MonitoringStack with gitOps for Argo CD', () => {
  const files = synthStack({ tool: GitOpsTool.ARGO_CD, repoUrl: REPO, path: 'clusters/homelab/dist', targetRevision: 'prod' });
  const stackFiles = files.slice(0, 5);
  const bootstrap = files[5];

  test('annotates every object with its sync wave: CRDs 0, namespaces 1, storage 2, the rest 3', () => {
    expect(files.map(f => f.file.replace(/-[0-9a-f]{8}\.k8s\.yaml$/, ''))).toEqual([
      '0000-reference-crds', '0001-reference-namespaces', '0002-reference-longhorn', '0003-reference-storage', '0004-reference-monitoring', '0005-reference-gitops',
    ]);
    stackFiles.forEach((file, i) => {
      const waves = new Set(file.objects.map(o => o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]));
      expect([file.file, [...waves]]).toEqual([file.file, [String([0, 1, 2, 2, 3][i])]]);
    });
  });

  test('asks for server-side apply everywhere, and no dry run of custom resources before their CRD exists', () => {
    for (const o of stackFiles.flatMap(f => f.objects)) {
      const custom = /\.(coreos\.com|longhorn\.io)\//.test(o.apiVersion);
      expect([o.kind, o.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION]])
        .toEqual([o.kind, custom ? 'ServerSideApply=true,SkipDryRunOnMissingResource=true' : 'ServerSideApply=true']);
    }
  });

  test('writes an Argo CD Application for the output path that skips its own file', () => {
    expect(bootstrap.file).toMatch(/-gitops-[0-9a-f]{8}\.k8s\.yaml$/);
    expect(bootstrap.objects.map(o => o.kind)).toEqual(['Application']);
    expect(findObject(bootstrap.objects, 'Application', 'monitoring-stack')).toMatchObject({
      metadata: { namespace: 'argocd' },
      spec: {
        source: { repoURL: REPO, targetRevision: 'prod', path: 'clusters/homelab/dist', directory: { exclude: '*-gitops-*.k8s.yaml' } },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: { syncOptions: ['ServerSideApply=true'] },
      },
    });
  });

  test('the output, Application included, passes validation (Argo CD schema too)', () => {
    expect(validateOutput(files).problems).toEqual([]);
  });

  test('catches a bootstrap object that breaks its controller schema', () => {
    const broken = JSON.parse(JSON.stringify(files));
    broken[5].objects[0].spec.source.repoURL = 42;
    expect(validateOutput(broken).problems).toEqual([expect.objectContaining({ object: 'Application argocd/monitoring-stack', path: '/spec/source/repoURL' })]);
  });

  test('npm run deploy does not apply the bootstrap file', () => {
    expect(applyPlan(files, 'dist').filter(s => s.kubectl.join(' ').includes('-gitops-'))).toEqual([]);
  });
});

describe('MonitoringStack with gitOps for Flux', () => {
  const files = synthStack({ tool: GitOpsTool.FLUX, repoUrl: REPO });

  test('writes a GitRepository that passes only the output folder and a Kustomization for it', () => {
    const bootstrap = files[5].objects;
    expect(bootstrap.map(o => o.kind)).toEqual(['GitRepository', 'Kustomization']);
    expect(findObject(bootstrap, 'GitRepository', 'monitoring-stack')).toMatchObject({
      metadata: { namespace: 'flux-system' },
      spec: { url: REPO, ref: { branch: 'main' }, ignore: '/*\n!/dist/\n/dist/*-gitops-*.k8s.yaml\n' },
    });
    expect(findObject(bootstrap, 'Kustomization', 'monitoring-stack').spec).toMatchObject({
      path: './dist', prune: true, sourceRef: { kind: 'GitRepository', name: 'monitoring-stack' },
    });
  });

  test('adds no Argo CD annotations (Flux orders and applies server-side by itself)', () => {
    const annotated = files.flatMap(f => f.objects).filter(o => Object.keys(o.metadata.annotations ?? {}).some(k => k.startsWith('argocd.argoproj.io')));
    expect(annotated).toEqual([]);
  });

  test('passes validation (Flux schemas too)', () => {
    expect(validateOutput(files).problems).toEqual([]);
  });
});

describe('GitOpsBootstrap', () => {
  test('automated sync for Argo CD; a commit pin for Flux', () => {
    const argo = Testing.chart();
    new GitOpsBootstrap(argo, 'Argo', { tool: GitOpsTool.ARGO_CD, repoUrl: 'git@git.example.com:ops/homelab.git', automatedSync: true });
    expect(Testing.synth(argo)[0].spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    const flux = Testing.chart();
    new GitOpsBootstrap(flux, 'Flux', { tool: GitOpsTool.FLUX, repoUrl: REPO, targetRevision: 'a'.repeat(40) });
    expect(Testing.synth(flux)[0].spec.ref).toEqual({ commit: 'a'.repeat(40) });
  });

  test.each([
    ['repoUrl is not a Git URL', { repoUrl: 'homelab' }, "repoUrl is 'homelab' but must be a Git URL such as 'https://git.example.com/ops/cluster.git'"],
    ['path leaves the repository', { path: '../dist' }, "path is '../dist' but must be a folder inside the repository"],
    ['name is not a DNS label', { name: 'Monitoring Stack' }, "name is 'Monitoring Stack' but must be a DNS label"],
    ['argoCdNamespace is not a DNS label', { argoCdNamespace: 'Argo_CD' }, "argoCdNamespace is 'Argo_CD' but must be a DNS label"],
    ['tool is unknown', { tool: 'jenkins' as GitOpsTool }, "tool is 'jenkins' but must be GitOpsTool.ARGO_CD or GitOpsTool.FLUX"],
  ])('fails when %s', (_case, props, message) => {
    expect(() => new GitOpsBootstrap(Testing.chart(), 'G', { tool: GitOpsTool.ARGO_CD, repoUrl: REPO, ...props })).toThrow(message);
  });
});
