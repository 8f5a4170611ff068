import { Testing } from 'cdk8s';
import { KubeManifest, KubePrometheusStack, Longhorn } from '../lib';
import { OutputFile, SharedChecks, validateOutput } from '../lib/output/validation';

/** The real render of both charts, as one output file, for breaking on purpose. */
function realOutput(): OutputFile[] {
  const chart = Testing.chart();
  new Longhorn(chart, 'Longhorn', { crdScope: chart });
  new KubePrometheusStack(chart, 'Stack', { crdScope: chart });
  return [{ file: 'all.k8s.yaml', objects: Testing.synth(chart) as KubeManifest[] }];
}

function withObject(files: OutputFile[], kind: string, name: string, change: (o: any) => void): OutputFile[] {
  const copy: OutputFile[] = JSON.parse(JSON.stringify(files));
  const target = copy.flatMap(f => f.objects).find(o => o.kind === kind && o.metadata.name === name);
  if (!target) throw new Error(`no ${kind} ${name} in the output`);
  change(target);
  return copy;
}

describe('validateOutput', () => {
  const output = realOutput();

  test('the real render of both charts has no problem, and every object is checked', () => {
    const summary = validateOutput(output);
    expect(summary.problems).toEqual([]);
    expect(summary.builtIn + summary.custom).toBe(output[0].objects.length);
    expect(summary.custom).toBeGreaterThan(40); // Prometheus, Alertmanager, PrometheusRules, ServiceMonitors
  });

  test('catches a built-in object that breaks the Kubernetes schema, naming file, kind, name and path', () => {
    const broken = withObject(output, 'Deployment', 'longhorn-driver-deployer', o => { o.spec.replicas = 'two'; });
    expect(validateOutput(broken).problems).toEqual([{
      file: 'all.k8s.yaml', object: 'Deployment longhorn-system/longhorn-driver-deployer', path: '/spec/replicas', message: 'must be integer ({"type":"integer"})',
    }]);
  });

  test('a built-in object with a field named like the model\'s own check (validate) is checked, not mistaken for it', () => {
    const odd = withObject(output, 'Deployment', 'longhorn-driver-deployer', o => { o.validate = 'yes'; o.spec.replicas = 'two'; });
    expect(validateOutput(odd).problems).toEqual(expect.arrayContaining([expect.objectContaining({ object: 'Deployment longhorn-system/longhorn-driver-deployer', path: '/spec/replicas' })]));
  });

  test('validations that share their checks (the folders of one app) check an object with a content key once, and each reports its problems', () => {
    const { Validator } = require('@cfworker/json-schema');
    const { Deployment } = require('kubernetes-models/apps/v1/Deployment');
    const broken = withObject(output, 'Deployment', 'longhorn-driver-deployer', o => { o.spec.replicas = 'two'; });
    // Keys as the writer gives them (opaque here): equal objects, equal keys.
    const keyed = (file: string): OutputFile[] => [{ file, objects: broken[0].objects, keys: broken[0].objects.map((_o, i) => `key-${i}`) }];
    const shared = new SharedChecks();
    const crdChecks = jest.spyOn(Validator.prototype, 'validate');
    const modelChecks = jest.spyOn(Deployment.prototype, 'validate');
    try {
      const first = validateOutput(keyed('cluster-a/all.k8s.yaml'), { shared });
      const checked = [crdChecks.mock.calls.length, modelChecks.mock.calls.length];
      expect(checked[0]).toBeGreaterThan(40);
      expect(checked[1]).toBeGreaterThan(3);
      const second = validateOutput(keyed('cluster-b/all.k8s.yaml'), { shared });
      expect([crdChecks.mock.calls.length, modelChecks.mock.calls.length]).toEqual(checked);
      expect(second.problems).toEqual(first.problems.map(p => ({ ...p, file: 'cluster-b/all.k8s.yaml' })));
      expect(second.problems).toEqual([expect.objectContaining({ object: 'Deployment longhorn-system/longhorn-driver-deployer', path: '/spec/replicas' })]);
      // A validation that shares nothing checks every object again.
      validateOutput(keyed('cluster-c/all.k8s.yaml'));
      expect(crdChecks.mock.calls.length).toBe(2 * checked[0]);
    } finally {
      crdChecks.mockRestore();
      modelChecks.mockRestore();
    }
  });

  test('catches a custom resource that breaks its CRD schema', () => {
    const broken = withObject(output, 'Prometheus', 'kube-prometheus-stack-prometheus', o => { o.spec.replicas = 'one'; });
    expect(validateOutput(broken).problems).toEqual([expect.objectContaining({
      object: 'Prometheus monitoring/kube-prometheus-stack-prometheus', path: '/spec/replicas', message: 'must be integer, not string',
    })]);
  });

  test('catches a field the CRD does not declare, as strict server-side apply would', () => {
    const broken = withObject(output, 'Prometheus', 'kube-prometheus-stack-prometheus', o => { o.spec.retension = '30d'; });
    expect(validateOutput(broken).problems).toEqual([expect.objectContaining({
      object: 'Prometheus monitoring/kube-prometheus-stack-prometheus', path: '/spec/retension', message: 'is not a field of this schema; strict server-side apply rejects unknown fields (a typo?)',
    })]);
  });

  test('catches an apiVersion the Kubernetes minor does not serve', () => {
    const broken = withObject(output, 'PriorityClass', 'longhorn-critical', o => { o.apiVersion = 'scheduling.k8s.io/v1beta1'; });
    expect(validateOutput(broken).problems).toEqual([expect.objectContaining({
      object: 'PriorityClass longhorn-critical', path: '/apiVersion', message: expect.stringMatching(/^Kubernetes 1.35 does not serve scheduling.k8s.io\/v1beta1 PriorityClass \(served in no supported minor\)/),
    })]);
  });

  test('catches a custom resource whose CRD is not in the output', () => {
    const withoutCrd = [{ file: 'x.yaml', objects: output[0].objects.filter(o => o.metadata.name !== 'servicemonitors.monitoring.coreos.com') }];
    const problems = validateOutput(withoutCrd).problems;
    expect(problems.length).toBeGreaterThan(5);
    expect(problems[0].message).toContain("no CustomResourceDefinition in this output defines ServiceMonitor in monitoring.coreos.com; a fresh cluster would answer 'no matches for kind ServiceMonitor': add the construct that ships the CRD, or, if the cluster already serves monitoring.coreos.com/v1 (installed by another tool), declare it: clusterApis: [ClusterApi.of('monitoring.coreos.com/v1')]");
  });

  test('catches a namespace on a cluster-scoped object and a namespaced object without one', () => {
    const broken = withObject(withObject(output, 'ClusterRole', 'longhorn-role', o => { o.metadata.namespace = 'longhorn-system'; }),
      'ConfigMap', 'longhorn-default-setting', o => { delete o.metadata.namespace; });
    expect(validateOutput(broken).problems.map(p => [p.object, p.path]).sort()).toEqual([
      ['ClusterRole longhorn-system/longhorn-role', '/metadata/namespace'],
      ['ConfigMap longhorn-default-setting', '/metadata/namespace'],
    ]);
  });

  test('takes *.k8s.io groups that Kubernetes does not serve for CRD groups (snapshot.storage.k8s.io)', () => {
    const snapshotClass = { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'longhorn-snapshot' }, driver: 'driver.longhorn.io', deletionPolicy: 'Delete' };
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'volumesnapshotclasses.snapshot.storage.k8s.io' },
      spec: {
        group: 'snapshot.storage.k8s.io', scope: 'Cluster',
        names: { kind: 'VolumeSnapshotClass', plural: 'volumesnapshotclasses', singular: 'volumesnapshotclass', listKind: 'VolumeSnapshotClassList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', required: ['driver', 'deletionPolicy'], properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, driver: { type: 'string' }, deletionPolicy: { type: 'string', enum: ['Delete', 'Retain'] } } } } }],
      },
    };
    const summary = validateOutput([{ file: 'snap.yaml', objects: [crd, snapshotClass] as unknown as KubeManifest[] }]);
    expect(summary.problems).toEqual([]);
    expect(summary.custom).toBe(1);
  });

  test('catches an object defined twice', () => {
    const service = output[0].objects.find(o => o.kind === 'Service')!;
    const problems = validateOutput([...output, { file: 'extra.yaml', objects: [service] }]).problems;
    expect(problems).toEqual([expect.objectContaining({ file: 'extra.yaml', message: 'defined twice (also in all.k8s.yaml); the second apply would overwrite the first' })]);
  });
});
