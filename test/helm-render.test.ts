import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChartPin, HookPolicy, KubeManifest, KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART, mergeValues, parseManifests, renderHelmChart } from '../lib';
import { findObject } from './inventory';

const CLUSTER_SCOPED = ['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

describe('renderHelmChart', () => {
  const longhorn = renderHelmChart({
    chart: LONGHORN_CHART, version: '1.6.2', releaseName: 'longhorn', namespace: 'storage-ns', values: {}, hooks: HookPolicy.DROP_ALL,
  });
  const kps = renderHelmChart({
    chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3', releaseName: 'kps', namespace: 'obs', values: {}, hooks: HookPolicy.KEEP_INSTALL_HOOKS,
  });

  test('DROP_ALL leaves out every hook, the uninstaller above all, and reports each', () => {
    expect(longhorn.manifests.filter(m => m.metadata.annotations?.['helm.sh/hook'])).toEqual([]);
    expect(longhorn.manifests.find(m => m.metadata.name === 'longhorn-uninstall')).toBeUndefined();
    expect(longhorn.droppedHooks).toContainEqual({ object: 'Job/longhorn-uninstall', hook: 'pre-delete' });
  });

  test('KEEP_INSTALL_HOOKS keeps install hooks as plain objects and drops test hooks', () => {
    const admissionCreate = findObject(kps.manifests, 'Job', 'kps-kube-prometheus-stack-admission-create');
    expect(Object.keys(admissionCreate.metadata.annotations ?? {}).filter(k => k.startsWith('helm.sh/hook'))).toEqual([]);
    expect(kps.manifests.filter(m => m.kind === 'Pod')).toEqual([]);
    expect(kps.droppedHooks.map(d => d.hook)).toEqual(expect.arrayContaining(['test']));
    expect(kps.droppedHooks.every(d => d.hook.includes('test'))).toBe(true);
  });

  test('cluster-scoped objects carry no namespace and namespaced ones carry the release namespace', () => {
    for (const { manifests, namespace } of [{ ...longhorn, namespace: 'storage-ns' }, { ...kps, namespace: 'obs' }]) {
      for (const m of manifests.filter(o => !isControlPlaneScrapeService(o))) {
        expect([m.kind, m.metadata.name, m.metadata.namespace]).toEqual(
          [m.kind, m.metadata.name, CLUSTER_SCOPED.includes(m.kind) ? undefined : namespace]);
      }
    }
  });

  test('keeps a namespace the chart sets on purpose (control-plane scrape Services live in kube-system)', () => {
    const inKubeSystem = kps.manifests.filter(m => m.metadata.namespace === 'kube-system');
    expect(inKubeSystem.map(m => m.metadata.name)).toEqual(expect.arrayContaining(['kps-kube-prometheus-stack-kube-controller-manager', 'kps-kube-prometheus-stack-coredns']));
    expect(inKubeSystem.every(isControlPlaneScrapeService)).toBe(true);
  });

  test('includes the CRDs (from crds/ and from templates)', () => {
    expect(kps.manifests.filter(m => m.kind === 'CustomResourceDefinition')).toHaveLength(10);
    expect(findObject(longhorn.manifests, 'CustomResourceDefinition', 'volumes.longhorn.io')).toBeDefined();
  });

  test('fails when the version is not pinned', () => {
    expect(() => renderHelmChart({ chart: LONGHORN_CHART, version: '1.7.0', releaseName: 'l', namespace: 'n', values: {}, hooks: HookPolicy.DROP_ALL }))
      .toThrow("chart longhorn version '1.7.0' is not pinned; pinned versions: 1.6.2, 1.12.1");
  });

  describe('with a charts folder that lacks the chart', () => {
    const saved = process.env.CDK8S_CHARTS_DIR;
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-'));
      process.env.CDK8S_CHARTS_DIR = dir;
    });
    afterEach(() => {
      process.env.CDK8S_CHARTS_DIR = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('fails when the chart is neither vendored nor reachable, naming chart, version, folder and fix', () => {
      // A repository on a closed loopback port: the pull is refused at once, like an offline machine.
      const unreachable: ChartPin = { ...LONGHORN_CHART, repository: 'http://127.0.0.1:9/charts' };
      let message = '';
      try {
        renderHelmChart({ chart: unreachable, version: '1.6.2', releaseName: 'l', namespace: 'n', values: {}, hooks: HookPolicy.DROP_ALL });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`chart longhorn 1.6.2 is not in ${dir} and could not be pulled from http://127.0.0.1:9/charts`);
      expect(message).toContain(path.join(dir, 'longhorn-1.6.2.tgz'));
      expect(message).toContain("npm run vendor");
      expect(message).toContain('CDK8S_CHARTS_DIR');
    });

    test('fails when the archive is not the pinned one', () => {
      fs.copyFileSync(path.join(saved ?? 'charts', 'longhorn-1.12.1.tgz'), path.join(dir, 'longhorn-1.6.2.tgz'));
      expect(() => renderHelmChart({ chart: LONGHORN_CHART, version: '1.6.2', releaseName: 'l', namespace: 'n', values: {}, hooks: HookPolicy.DROP_ALL }))
        .toThrow(/longhorn-1\.6\.2\.tgz has SHA-256 bc20f999.* but longhorn 1\.6\.2 is pinned to f899c9e8/);
    });
  });
});

function isControlPlaneScrapeService(m: KubeManifest): boolean {
  return m.kind === 'Service' && m.metadata.namespace === 'kube-system' && m.metadata.labels?.jobLabel !== undefined;
}

describe('parseManifests', () => {
  test('reads YAML the way Kubernetes does: 0644 is octal, timestamps and times stay strings', () => {
    const [m] = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  created: 2024-01-02\nmode: 0644\nat: 12:30\n');
    expect(m.mode).toBe(0o644);
    expect(m.metadata.created).toBe('2024-01-02');
    expect(m.at).toBe('12:30');
  });
});

describe('mergeValues', () => {
  test('merges maps key by key, later layers win, lists are replaced whole', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, undefined, { a: { c: [3] }, d: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 2 });
  });
});
