import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { applyPlan, GitOpsBootstrap, GitOpsTool, MonitoringStack, readOutputDir, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION, validateOutput } from '../lib';
import { findObject } from './inventory';

describe('MonitoringStack with gitOps', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-'));
  const app = new App({ outdir });
  new MonitoringStack(app, 'reference', { gitOps: { repoUrl: 'https://git.example.com/ops/homelab.git', path: 'clusters/homelab/dist', targetRevision: 'prod' } });
  app.synth();
  const files = readOutputDir(outdir);
  fs.rmSync(outdir, { recursive: true, force: true });
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

  test('writes an Argo CD Application and Flux GitRepository + Kustomization for the output path, skipping their own file', () => {
    expect(bootstrap.objects.map(o => o.kind)).toEqual(['Application', 'GitRepository', 'Kustomization']);
    expect(findObject(bootstrap.objects, 'Application', 'monitoring-stack')).toMatchObject({
      metadata: { namespace: 'argocd' },
      spec: {
        source: { repoURL: 'https://git.example.com/ops/homelab.git', targetRevision: 'prod', path: 'clusters/homelab/dist', directory: { exclude: '*-gitops-*.k8s.yaml' } },
        destination: { server: 'https://kubernetes.default.svc' },
        syncPolicy: { syncOptions: ['ServerSideApply=true'] },
      },
    });
    expect(bootstrap.file).toMatch(/-gitops-[0-9a-f]{8}\.k8s\.yaml$/);
    expect(findObject(bootstrap.objects, 'GitRepository', 'monitoring-stack').spec).toMatchObject({
      url: 'https://git.example.com/ops/homelab.git', ref: { branch: 'prod' },
      ignore: '/*\n!/clusters/homelab/dist/\n/clusters/homelab/dist/*-gitops-*.k8s.yaml\n',
    });
    expect(findObject(bootstrap.objects, 'Kustomization', 'monitoring-stack').spec).toMatchObject({
      path: './clusters/homelab/dist', prune: true, sourceRef: { kind: 'GitRepository', name: 'monitoring-stack' },
    });
  });

  test('the output, bootstrap objects included, passes validation (Argo CD and Flux schemas too)', () => {
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

describe('GitOpsBootstrap', () => {
  test('one tool only, automated sync, commit pinned for Flux', () => {
    const chart = Testing.chart();
    new GitOpsBootstrap(chart, 'Argo', { repoUrl: 'git@git.example.com:ops/homelab.git', tools: [GitOpsTool.ARGO_CD], automatedSync: true });
    const objects = Testing.synth(chart);
    expect(objects.map(o => o.kind)).toEqual(['Application']);
    expect(objects[0].spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(objects[0].spec.source.path).toBe('dist');
    const flux = new GitOpsBootstrap(new Chart(Testing.app(), 'f'), 'Flux', { repoUrl: 'https://x.example/r.git', tools: [GitOpsTool.FLUX], targetRevision: 'a'.repeat(40) });
    expect(Testing.synth(Chart.of(flux))[0].spec.ref).toEqual({ commit: 'a'.repeat(40) });
  });

  test('fails when repoUrl is not a Git URL', () => {
    expect(() => new GitOpsBootstrap(Testing.chart(), 'G', { repoUrl: 'homelab' }))
      .toThrow("repoUrl is 'homelab' but must be a Git URL such as 'https://git.example.com/ops/cluster.git'");
  });

  test('fails when path leaves the repository', () => {
    expect(() => new GitOpsBootstrap(Testing.chart(), 'G', { repoUrl: 'https://x.example/r.git', path: '../dist' }))
      .toThrow("path is '../dist' but must be a folder inside the repository");
  });
});
