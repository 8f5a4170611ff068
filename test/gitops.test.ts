import { Testing } from 'cdk8s';
import { GitOpsBootstrap, GitOpsBootstrapProps, GitOpsTool, MonitoringStack, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION } from '../lib';
import { validateOutput } from '../lib/output/validation';
import { applyPlan } from '../lib/commands/apply-plan';
import { findObject } from './inventory';
import { synthApp, SynthesizedFile } from './support/synth';

function synthStack(gitOps: GitOpsBootstrapProps, id = 'reference'): SynthesizedFile[] {
  return synthApp(app => new MonitoringStack(app, id, { gitOps }));
}

const REPO = 'https://git.example.com/ops/homelab.git';

describe('MonitoringStack with gitOps for Argo CD', () => {
  const files = synthStack({ tool: GitOpsTool.ARGO_CD, repoUrl: REPO, path: 'clusters/homelab/dist', targetRevision: 'prod' });
  const stackFiles = files.filter(f => f.file.startsWith('reference/'));
  const bootstrap = files.find(f => f.file === 'reference.gitops.k8s.yaml')!;

  test('writes the bootstrap beside the stack\'s folder, never inside it, so the controller never syncs it', () => {
    expect(files.map(f => f.file)).toEqual([
      'reference.gitops.k8s.yaml',
      'reference/0000-crds.k8s.yaml', 'reference/0001-namespaces.k8s.yaml', 'reference/0002-longhorn.k8s.yaml', 'reference/0003-storage.k8s.yaml', 'reference/0004-monitoring.k8s.yaml',
    ]);
  });

  test('annotates every object with its sync wave: CRDs 0, namespaces 1, storage 2, the rest 3', () => {
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

  test('writes an Argo CD Application, named after the stack, for the stack\'s folder', () => {
    expect(bootstrap.objects.map(o => o.kind)).toEqual(['Application']);
    expect(findObject(bootstrap.objects, 'Application', 'reference')).toMatchObject({
      metadata: { namespace: 'argocd' },
      spec: {
        source: { repoURL: REPO, targetRevision: 'prod', path: 'clusters/homelab/dist/reference' },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: { syncOptions: ['ServerSideApply=true'] },
      },
    });
    expect((bootstrap.objects[0].spec as any).source.directory).toBeUndefined();
  });

  test('the output, Application included, passes validation (Argo CD schema too)', () => {
    expect(validateOutput(files).problems).toEqual([]);
  });

  test('catches a bootstrap object that breaks its controller schema', () => {
    const broken = JSON.parse(JSON.stringify([bootstrap]));
    broken[0].objects[0].spec.source.repoURL = 42;
    expect(validateOutput(broken).problems).toEqual([expect.objectContaining({ object: 'Application argocd/reference', path: '/spec/source/repoURL' })]);
  });

  test('deploy does not apply a file of bootstrap objects, known by its objects whatever its name', () => {
    const renamed = [...stackFiles, { ...bootstrap, file: '0009-anything.k8s.yaml' }];
    expect(applyPlan(renamed, 'dist').filter(s => s.kubectl.join(' ').includes('0009-'))).toEqual([]);
  });
});

describe('MonitoringStack with gitOps for Flux', () => {
  const files = synthStack({ tool: GitOpsTool.FLUX, repoUrl: REPO }, 'homelab');
  const bootstrap = files.find(f => f.file === 'homelab.gitops.k8s.yaml')!;

  test('writes a GitRepository that passes only the stack\'s folder and a Kustomization for it', () => {
    expect(bootstrap.objects.map(o => o.kind)).toEqual(['GitRepository', 'Kustomization']);
    expect(findObject(bootstrap.objects, 'GitRepository', 'homelab')).toMatchObject({
      metadata: { namespace: 'flux-system' },
      spec: { url: REPO, ref: { branch: 'main' }, ignore: '/*\n!/dist/homelab/\n' },
    });
    expect(findObject(bootstrap.objects, 'Kustomization', 'homelab').spec).toMatchObject({
      path: './dist/homelab', prune: true, sourceRef: { kind: 'GitRepository', name: 'homelab' },
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
    ['tool is unknown', { tool: 'jenkins' as GitOpsTool }, "tool is 'jenkins' but must be one of GitOpsTool.ARGO_CD, GitOpsTool.FLUX"],
  ])('fails when %s', (_case, props, message) => {
    expect(() => new GitOpsBootstrap(Testing.chart(), 'G', { tool: GitOpsTool.ARGO_CD, repoUrl: REPO, ...props })).toThrow(message);
  });
});
