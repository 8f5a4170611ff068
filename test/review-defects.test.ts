// One test per defect a review of lib/ found (issue 12), written before the fixes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { KubePrometheusStack, Longhorn, MonitoringApp, MonitoringStack, Placement } from '../lib';
import { readOutputDir, validateOutput } from '../lib/output/validation';
import { applyPlan } from '../lib/commands/apply-plan';
import { findObject } from './inventory';
import { OWN_PROMETHEUS_AFFINITY, RELEASE_OF_ITS_OWN, SELECTIVE_PROMETHEUS } from './support/stacks';

const NOT_ON_CONTROL_PLANE = {
  requiredDuringSchedulingIgnoredDuringExecution: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }],
  },
};

/** Synthesizes an app into a temporary folder with `app.synth()` and returns the folder's files. */
function synthToDir(build: (app: App) => void): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'defects-'));
  const app = new MonitoringApp({ outdir: dir });
  build(app);
  app.synth();
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe('defects found in review', () => {
  test('1: a stack id containing "gitops" still deploys every file (the bootstrap file is known by its objects)', () => {
    const { dir, cleanup } = synthToDir(app => new MonitoringStack(app, 'gitops-lab'));
    try {
      const files = readOutputDir(path.join(dir, 'gitops-lab'));
      // every file an apply step names (the last step applies several at once, pruning)
      const applied = new Set(applyPlan(files, dir).filter(s => s.kubectl[0] === 'apply').flatMap(s => s.kubectl.filter((a, i) => s.kubectl[i - 1] === '-f' && a !== '-').map(a => path.basename(a))));
      const kinds = new Set(files.filter(f => applied.has(f.file)).flatMap(f => f.objects.map(o => o.kind)));
      for (const kind of ['DaemonSet', 'StorageClass', 'Prometheus', 'Deployment']) expect([kind, kinds.has(kind)]).toEqual([kind, true]);
    } finally {
      cleanup();
    }
  });

  test('2: worker-only placement holds for a release name other than the chart name', () => {
    const chart = Testing.chart();
    new KubePrometheusStack(chart, 'Stack', { releaseName: RELEASE_OF_ITS_OWN, placement: Placement.WORKERS_ONLY });
    const objects = Testing.synth(chart);
    const servers = objects.filter(o => ['Prometheus', 'Alertmanager'].includes(o.kind)
      || (o.kind === 'Deployment' && /operator|grafana|kube-state-metrics/.test(o.metadata.name)));
    expect(servers.map(o => o.kind).sort()).toEqual(['Alertmanager', 'Deployment', 'Deployment', 'Deployment', 'Prometheus']);
    for (const o of servers) {
      const pod = o.kind === 'Deployment' ? o.spec.template.spec : o.spec;
      expect([o.kind, o.metadata.name, pod.affinity?.nodeAffinity]).toEqual([o.kind, o.metadata.name, NOT_ON_CONTROL_PLANE]);
    }
  });

  // Tests 3 and 7 use one stack (their props do not touch each other; service-monitor.test uses it too): one render.
  const mine = OWN_PROMETHEUS_AFFINITY;
  let prometheusOf3And7: any;
  const prometheusWithAffinityAndSize = () => {
    if (!prometheusOf3And7) {
      const chart = Testing.chart();
      new KubePrometheusStack(chart, 'Stack', SELECTIVE_PROMETHEUS);
      prometheusOf3And7 = findObject(Testing.synth(chart), 'Prometheus', 'kube-prometheus-stack-prometheus');
    }
    return prometheusOf3And7;
  };

  test('3: a node affinity given in prometheusSpec holds, and so does the worker-only placement (both terms must match)', () => {
    const [term] = mine.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(prometheusWithAffinityAndSize().spec.affinity.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [...term.matchExpressions, { key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }] },
    });
  });

  describe('4: renders do not depend on which helm is on PATH', () => {
    const savedPath = process.env.PATH;
    let bin: string;
    beforeAll(() => {
      bin = fs.mkdtempSync(path.join(os.tmpdir(), 'path-helm-'));
      // A different helm on PATH: it answers `version` like helm 3.12 and renders nothing.
      fs.writeFileSync(path.join(bin, 'helm'), '#!/bin/sh\ncase "$1" in version) echo v3.12.0;; *) exit 0;; esac\n', { mode: 0o755 });
      process.env.PATH = `${bin}:${savedPath}`;
    });
    afterAll(() => {
      process.env.PATH = savedPath;
      fs.rmSync(bin, { recursive: true, force: true });
    });

    test('the pinned helm renders even with another helm first on PATH', () => {
      jest.isolateModules(() => {
        const lib = require('../lib');
        const chart = Testing.chart();
        new lib.Longhorn(chart, 'Longhorn');
        expect(Testing.synth(chart).length).toBeGreaterThan(20);
      });
    });
  });

  test('5: workers-only placement on a cluster without workers is an error naming both props', () => {
    expect(() => new MonitoringStack(Testing.app(), 'stack', { cluster: { workerNodes: 0, controlPlaneTaint: false }, placement: Placement.WORKERS_ONLY }))
      .toThrow(/placement is Placement\.WORKERS_ONLY but cluster\.workerNodes is 0/);
  });

  describe('6: the validator', () => {
    const crd = (schema: object) => ({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
    });
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 3 } };

    test('accepts a custom resource whose CRD schema does not declare apiVersion, kind and metadata', () => {
      const schema = { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } };
      expect(validateOutput([{ file: 'f', objects: [crd(schema), widget] as any }]).problems).toEqual([]);
    });

    test('still rejects an undeclared field inside the declared spec', () => {
      const schema = { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } };
      const bad = { ...widget, spec: { size: 3, colour: 'red' } };
      expect(validateOutput([{ file: 'f', objects: [crd(schema), bad] as any }]).problems.map(p => p.path)).toEqual(['/spec/colour']);
    });

    test.each([
      ['networking.k8s.io/v1alpha1', 'IPAddress'],
      ['networking.k8s.io/v1alpha1', 'ClusterCIDR'],
      ['certificates.k8s.io/v1alpha1', 'ClusterTrustBundle'],
      ['resource.k8s.io/v1alpha2', 'ResourceClass'],
      ['internal.apiserver.k8s.io/v1alpha1', 'StorageVersion'],
    ])('knows %s %s is cluster-scoped', (apiVersion, kind) => {
      const problems = validateOutput([{ file: 'f', objects: [{ apiVersion, kind, metadata: { name: 'x' } }] as any }]).problems;
      expect(problems.filter(p => p.path === '/metadata/namespace')).toEqual([]);
    });

    test('knows PodSecurityPolicy is not served by 1.28 (nor by any later minor)', () => {
      const problems = validateOutput([{ file: 'f', objects: [{ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', metadata: { name: 'x' } }] as any }], { kubernetesVersion: '1.28' }).problems;
      expect(problems.map(p => p.message)).toEqual([expect.stringContaining('Kubernetes 1.28 does not serve policy/v1beta1 PodSecurityPolicy (served in no supported minor)')]);
    });
  });

  describe('7: one quantity parser', () => {
    test("prometheusStorageSize '1e10' is read the same everywhere", () => {
      const prometheus = prometheusWithAffinityAndSize();
      expect(prometheus.spec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe('1e10');
      expect(prometheus.spec.retentionSize).toBe(`${Math.floor(1e10 * 0.85 / 2 ** 20)}MB`);
    });

    test('the retentionSize error states the rule it enforces', () => {
      expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', { prometheusStorageClass: { storageClassName: 'x' }, prometheusStorageSize: '10Gi', retentionSize: '10GB' }))
        .toThrow("retentionSize is '10GB' but must be below the Prometheus volume (10Gi)");
    });
  });

  test('8: the standalone constructs with their defaults pass the project\'s own apply plan, and their namespaces admit their pods', () => {
    const { dir, cleanup } = synthToDir(app => {
      const chart = new Chart(app, 'platform');
      new Longhorn(chart, 'Longhorn');
      new KubePrometheusStack(chart, 'Monitoring');
    });
    try {
      const files = readOutputDir(dir);
      expect(() => applyPlan(files, dir)).not.toThrow();
      const namespaces = files.flatMap(f => f.objects).filter(o => o.kind === 'Namespace');
      expect(namespaces.map(n => [n.metadata.name, n.metadata.labels?.['pod-security.kubernetes.io/enforce']]).sort())
        .toEqual([['longhorn-system', 'privileged'], ['monitoring', 'privileged']]);
    } finally {
      cleanup();
    }
  });
});
