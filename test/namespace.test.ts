import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { KubePrometheusStack, Longhorn, Namespace, PodSecurityLevel, PrometheusRules, setKubernetesVersion } from '../lib';

describe('Namespace', () => {
  test('renders one Namespace with the managed-by label and extra labels', () => {
    const chart = Testing.chart();
    const ns = new Namespace(chart, 'monitoring', { name: 'monitoring', labels: { team: 'ops' } });
    const objects = Testing.synth(chart);
    expect(objects).toMatchSnapshot();
    expect(ns.name).toBe('monitoring');
    expect(objects).toEqual([{
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'monitoring',
        labels: { 'app.kubernetes.io/managed-by': 'cdk8s-monitoring-stack', 'team': 'ops' },
        // the newest supported minor by default; deploy compares it with the server's
        annotations: { 'cdk8s-monitoring-stack/kubernetes-version': '1.35' },
      },
    }]);
  });

  test.each([undefined, '1.28', '1.31'])('podSecurity sets the enforce, audit and warn labels, pinned to the cluster\'s minor (%s)', version => {
    const chart = Testing.chart();
    if (version) setKubernetesVersion(chart, version, 'kubernetesVersion');
    new Namespace(chart, 'apps', { name: 'apps', podSecurity: PodSecurityLevel.RESTRICTED });
    const pinned = `v${version ?? '1.35'}`;
    expect(Testing.synth(chart)[0].metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'cdk8s-monitoring-stack',
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': pinned,
      'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': pinned,
      'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': pinned,
    });
  });

  test('setting another Kubernetes version after a Namespace was made for one fails, naming the Namespace', () => {
    const chart = Testing.chart();
    new Namespace(chart, 'apps', { name: 'apps' });
    expect(() => setKubernetesVersion(chart, '1.30', 'kubernetesVersion'))
      .toThrow("kubernetesVersion is '1.30' but the Namespace 'apps' (test/apps) was already made for 1.35: one cluster has one Kubernetes version");
    expect(() => setKubernetesVersion(chart, '1.35', 'kubernetesVersion')).not.toThrow();
  });

  test.each(['Monitoring', 'monitoring_ns', '-x', 'a'.repeat(64)])('fails when the name is not a DNS label (%s)', name => {
    expect(() => new Namespace(Testing.chart(), 'ns', { name }))
      .toThrow(`name is '${name}' but a namespace name must be a DNS label`);
  });
});

describe('a namespace by reference (INamespace)', () => {
  test('an existing namespace by name: the rules land in it, and no Namespace object is made for it', () => {
    const app = Testing.app();
    const kps = new KubePrometheusStack(new Chart(app, 'stack'), 'kps');
    const chart = new Chart(app, 'apps');
    new PrometheusRules(chart, 'Rules', { monitoring: kps, name: 'web', namespace: { name: 'apps' }, groups: [{ name: 'g', rules: [{ record: 'r', expr: 'up' }] }] });
    const objects = Testing.synth(chart);
    expect(objects.map(o => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['PrometheusRule apps/web']);
  });

  test("a cdk8s-plus Namespace runs Longhorn; its Pod Security label is checked as this library's Namespace's level is", () => {
    const chart = Testing.chart();
    const storage = new kplus.Namespace(chart, 'storage', { metadata: { name: 'storage' } });
    const longhorn = new Longhorn(chart, 'Longhorn', { namespace: storage });
    expect(longhorn.namespace.name).toBe('storage');
    expect(Testing.synth(chart).filter(o => o.kind === 'DaemonSet').map(o => o.metadata.namespace)).toEqual(['storage']);
    const baseline = new Namespace(Testing.chart(), 'ns', { name: 'storage', podSecurity: PodSecurityLevel.BASELINE });
    expect(() => new Longhorn(Testing.chart(), 'Longhorn', { namespace: baseline })).toThrow("namespace is the Namespace 'storage', which enforces Pod Security 'baseline'");
    const labelled = new kplus.Namespace(Testing.chart(), 'storage', { metadata: { name: 'storage', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
    expect(() => new Longhorn(Testing.chart(), 'Longhorn', { namespace: labelled }))
      .toThrow("namespace is the Namespace 'storage', which enforces Pod Security 'baseline', but longhorn-manager and the CSI plugin (privileged, host paths) need 'privileged'; label it pod-security.kubernetes.io/enforce: privileged or pass another Namespace");
  });
});
