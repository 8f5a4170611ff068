import { Testing } from 'cdk8s';
import { KubePrometheusStack, Longhorn, LonghornStorageClass, MonitoringStack } from '../lib';
import { findObject } from './inventory';

// Apps loaded without type-checking (npm run synth, JavaScript) pass whatever keys they like: an unknown one
// is an error at run time, named as the user wrote it, and errors name the props of the construct the user called.

const props = (value: object): any => value;

describe('unknown props', () => {
  test.each([
    ['MonitoringStack', () => new MonitoringStack(Testing.app(), 'homelab', props({ longhornVerison: '1.6.2' })), "MonitoringStack 'homelab' has no prop longhornVerison, so it would be ignored; did you mean longhornVersion?"],
    ['MonitoringStack cluster', () => new MonitoringStack(Testing.app(), 'homelab', props({ cluster: { workerNode: 3 } })), "MonitoringStack 'homelab' has no prop cluster.workerNode, so it would be ignored; did you mean cluster.workerNodes?"],
    ['MonitoringStack resources', () => new MonitoringStack(Testing.app(), 'homelab', props({ resources: { prometheus: {}, grafna: {} } })), "MonitoringStack 'homelab' has no prop resources.grafna, so it would be ignored; did you mean resources.grafana?"],
    ['KubePrometheusStack', () => new KubePrometheusStack(Testing.chart(), 'Stack', props({ retension: '3d' })), "KubePrometheusStack 'Stack' has no prop retension, so it would be ignored; did you mean retention?"],
    ['Longhorn', () => new Longhorn(Testing.chart(), 'Longhorn', props({ replicaCuont: 2 })), "Longhorn 'Longhorn' has no prop replicaCuont, so it would be ignored; did you mean replicaCount?"],
    ['LonghornStorageClass', () => new LonghornStorageClass(Testing.chart(), 'sc', props({ name: 'fast', replicas: 2 })), "LonghornStorageClass 'sc' has no prop replicas, so it would be ignored"],
  ])('fails on a misspelt prop of %s, naming it and the nearest known one', (_construct, create, message) => {
    expect(create).toThrow(message);
  });

  test.each([
    ['MonitoringStack', () => new MonitoringStack(Testing.app(), 'homelab', props({ retentionDays: 30 })), "MonitoringStack 'homelab' has no prop retentionDays any more, so it would be ignored; it is retention now: retention: Duration.days(30)"],
    ['Longhorn', () => new Longhorn(Testing.chart(), 'Longhorn', props({ defaultReplicaCount: 2 })), "Longhorn 'Longhorn' has no prop defaultReplicaCount any more, so it would be ignored; it is replicaCount now: replicaCount: 2"],
    ['LonghornStorageClass', () => new LonghornStorageClass(Testing.chart(), 'sc', props({ name: 'fast', numberOfReplicas: 2 })), "LonghornStorageClass 'sc' has no prop numberOfReplicas any more, so it would be ignored; it is replicaCount now: replicaCount: 2"],
    ['LonghornStorageClass', () => new LonghornStorageClass(Testing.chart(), 'sc', props({ name: 'fast', staleReplicaTimeoutMinutes: 60 })), "LonghornStorageClass 'sc' has no prop staleReplicaTimeoutMinutes any more, so it would be ignored; it is staleReplicaTimeout now: staleReplicaTimeout: Duration.minutes(60)"],
  ])('a prop of an earlier version names its new name and how the value is written now (%s)', (_construct, create, message) => {
    expect(create).toThrow(message);
  });

  test('a prop far from every known one lists the known ones', () => {
    expect(() => new LonghornStorageClass(Testing.chart(), 'sc', props({ name: 'fast', colour: 'blue' })))
      .toThrow("LonghornStorageClass 'sc' has no prop colour, so it would be ignored; its props are name, replicaCount,");
  });

  test('a key set to undefined is no prop at all (spread objects often carry them)', () => {
    expect(() => new LonghornStorageClass(Testing.chart(), 'sc', props({ name: 'fast', colour: undefined }))).not.toThrow();
  });
});

describe('MonitoringStack messages name its own props', () => {
  test.each([
    [{ longhornVersion: '1.6' }, "longhornVersion is '1.6'"],
    [{ kubePrometheusStackVersion: 'latest' }, "kubePrometheusStackVersion is 'latest'"],
    [{ prometheusStorageClassName: 'Fast Disks' }, "prometheusStorageClassName is 'Fast Disks' but a StorageClass name must be a DNS subdomain"],
    [{ longhornValues: { persistence: { defaultClassReplicaCount: 1 } } }, 'longhornValues.persistence.defaultClassReplicaCount is set, but the replicaCount prop owns'],
  ])('%j', (stackProps, message) => {
    expect(() => new MonitoringStack(Testing.app(), 'homelab', stackProps)).toThrow(message);
  });
});

describe('releaseName on MonitoringStack', () => {
  test("keeps the names a 'helm install kube-prom-stack' gave every object, the Prometheus claim's included", () => {
    const stack = new MonitoringStack(Testing.app(), 'homelab', { releaseName: 'kube-prom-stack' });
    const manifests = stack.kubePrometheusStack.rendered!.manifests;
    expect(findObject(manifests as any, 'Deployment', 'kube-prom-stack-grafana').kind).toBe('Deployment');
    // The chart shortens '<release>-kube-prometheus-stack' to 26 characters: 'kube-prom-stack-kube-prome'.
    const prometheus = findObject(manifests as any, 'Prometheus', 'kube-prom-stack-kube-prome-prometheus');
    // The operator names the claim <template>-<StatefulSet>-<ordinal>: with no template name, prometheus-<Prometheus>-db
    // and prometheus-<Prometheus>, so prometheus-kube-prom-stack-kube-prome-prometheus-db-prometheus-kube-prom-stack-kube-prome-prometheus-0,
    // the claim the guide's helm install made.
    expect(prometheus.spec.storage.volumeClaimTemplate.metadata?.name).toBeUndefined();
    expect(prometheus.spec.storage.volumeClaimTemplate.spec.storageClassName).toBe('longhorn-prometheus');
  });
});
