import { Chart, Testing } from 'cdk8s';
import * as plus28 from 'cdk8s-plus-28';
import * as plus33 from 'cdk8s-plus-33';
import { ClusterApi, KubePrometheusStack, MonitoringStack, PodMonitor } from '../lib';
import { RELEASE_OF_ITS_OWN } from './support/stacks';
import { synthApp } from './support/synth';

describe('PodMonitor for a cdk8s-plus-33 Deployment of a MonitoringStack', () => {
  let web!: plus33.Deployment;
  const files = synthApp(app => {
    const stack = new MonitoringStack(app, 'homelab');
    const apps = new Chart(stack, 'apps', { namespace: 'apps' });
    web = new plus33.Deployment(apps, 'web', { containers: [{ image: 'ghcr.io/example/web:1.0', ports: [{ number: 9100, name: 'metrics' }] }] });
    new PodMonitor(apps, 'WebPods', { monitoring: stack, workload: web, port: 'metrics', path: '/stats/prometheus', interval: '1m' });
  });
  const monitor = files.flatMap(f => f.objects).find(o => o.kind === 'PodMonitor')! as any;

  test('is written into the stack folder, labelled as the stack\'s Prometheus selects', () => {
    expect(files.find(f => f.objects.includes(monitor))!.file).toBe('homelab/0005-apps.k8s.yaml');
    expect(monitor.metadata).toEqual({ name: web.name, namespace: 'apps', labels: { release: 'kube-prometheus-stack' } });
  });

  test('selects the pods by the workload\'s own selector, read at synth', () => {
    const deployment = files.flatMap(f => f.objects).find(o => o.kind === 'Deployment' && o.metadata.name === web.name)! as any;
    expect(monitor.spec.selector).toEqual(deployment.spec.selector);
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/stats/prometheus', interval: '1m' }]);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['apps'] });
  });
});

describe('PodMonitor', () => {
  test('works with a cdk8s-plus-28 StatefulSet and a KubePrometheusStack of its own', () => {
    const files = synthApp(app => {
      const chart = new Chart(app, 'platform', { namespace: 'db' });
      // The CRDs in an app of their own, as a separate CRD app would hold them (this app then writes 1 MB, not 5).
      const stack = new KubePrometheusStack(chart, 'Stack', { releaseName: RELEASE_OF_ITS_OWN, crdScope: new Chart(Testing.app(), 'crds') });
      // That app's CRDs are served by the cluster when this one is applied: declared, so the output checks accept its objects.
      ClusterApi.declare(app, ClusterApi.of('monitoring.coreos.com/v1'));
      const db = new plus28.StatefulSet(chart, 'db', {
        service: new plus28.Service(chart, 'db-svc', { clusterIP: 'None', ports: [{ port: 5432 }] }),
        containers: [{ image: 'postgres:16', ports: [{ number: 9187, name: 'exporter' }] }],
      });
      new PodMonitor(chart, 'Db', { monitoring: stack, workload: db, port: 'exporter' });
    });
    const monitor = files.flatMap(f => f.objects).find(o => o.kind === 'PodMonitor')! as any;
    expect(monitor.metadata.labels).toEqual({ release: 'mon' });
    expect(Object.keys(monitor.spec.selector.matchLabels)).toEqual(['cdk8s.io/metadata.addr']);
  });

  test('fails when no container has a port of that name', () => {
    expect(() => synthApp(app => {
      const stack = new MonitoringStack(app, 'homelab');
      const apps = new Chart(stack, 'apps', { namespace: 'apps' });
      const web = new plus33.Deployment(apps, 'web', { containers: [{ image: 'web', ports: [{ number: 8080, name: 'http' }] }] });
      new PodMonitor(apps, 'WebPods', { monitoring: stack, workload: web, port: 'metrics' });
    })).toThrow(/port is 'metrics' but the containers of 'homelab-apps-web-c8[0-9a-f]+' have only the port\(s\) 'http'; name the metrics port of the container/);
  });

  test('fails when given a Service instead of a workload', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'shop' });
    const stack = new KubePrometheusStack(chart, 'Stack');
    const service = new plus33.Service(chart, 'svc', { ports: [{ port: 80 }] });
    expect(() => new PodMonitor(chart, 'M', { monitoring: stack, workload: service, port: 'metrics' }))
      .toThrow(`workload is v1 Service '${service.name}' but must be one of Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, Pod; for a Service use a ServiceMonitor`);
  });
});
