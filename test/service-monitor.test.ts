import { Chart, Duration, Testing } from 'cdk8s';
import * as plus28 from 'cdk8s-plus-28';
import * as plus33 from 'cdk8s-plus-33';
import { ClusterApi, KubePrometheusStack, MonitoringApp, MonitoringStack, Namespace, ServiceMonitor } from '../lib';
import { ServiceMonitorSpecEndpointsScheme } from '../imports/servicemonitor-monitoring.coreos.com';
import { RELEASE_OF_ITS_OWN, SELECTIVE_PROMETHEUS } from './support/stacks';
import { synthApp } from './support/synth';

/** An app's chart inside the stack, with a Deployment whose Service has a named metrics port. */
function webApp(stack: MonitoringStack, port = 'http-metrics') {
  const apps = new Chart(stack, 'apps', { namespace: 'apps' });
  new Namespace(apps, 'ns', { name: 'apps' });
  const web = new plus33.Deployment(apps, 'web', { containers: [{ image: 'ghcr.io/example/web:1.0', portNumber: 8080 }] });
  const service = web.exposeViaService({ ports: [{ name: port, port: 9090, targetPort: 8080 }] });
  return { apps, web, service };
}

describe('ServiceMonitor for a cdk8s-plus-33 Service of a MonitoringStack', () => {
  let service!: plus33.Service;
  const files = synthApp(app => {
    const stack = new MonitoringStack(app, 'homelab');
    const parts = webApp(stack);
    service = parts.service;
    new ServiceMonitor(parts.apps, 'WebMetrics', {
      monitoring: stack, service, port: 'http-metrics', interval: Duration.seconds(15), endpoint: { scheme: ServiceMonitorSpecEndpointsScheme.HTTPS, tlsConfig: { insecureSkipVerify: true } },
    });
  });
  const appsFile = files.find(f => f.file === 'homelab/0005-apps.k8s.yaml')!;
  const monitor = appsFile.objects.find(o => o.kind === 'ServiceMonitor')! as any;

  test('is written into the stack folder after the monitoring chart, validated with the rest', () => {
    expect(files.map(f => f.file)).toContain('homelab/0005-apps.k8s.yaml');
    expect(monitor.metadata).toEqual({ name: service.name, namespace: 'apps', labels: { release: 'kube-prometheus-stack' } });
  });

  test('carries the label the stack\'s Prometheus selects on, read from the rendered Prometheus', () => {
    const prometheus = files.flatMap(f => f.objects).find(o => o.kind === 'Prometheus')! as any;
    expect(prometheus.spec.serviceMonitorSelector).toEqual({ matchLabels: monitor.metadata.labels });
  });

  test('selects exactly the Service: by the label it adds, and by name', () => {
    const svc = appsFile.objects.find(o => o.kind === 'Service')!;
    expect(svc.metadata.labels).toEqual({ 'app.kubernetes.io/name': service.name });
    expect(monitor.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': service.name } });
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['apps'] });
    expect(monitor.spec.endpoints).toEqual([{
      // The endpoint prop's fields (typed from the CRD) beside the ones the props set.
      scheme: 'https', tlsConfig: { insecureSkipVerify: true },
      port: 'http-metrics', path: '/metrics', interval: '15s',
      relabelings: [{ sourceLabels: ['__meta_kubernetes_service_name'], regex: service.name, action: 'keep' }],
    }]);
  });
});

describe('ServiceMonitor', () => {
  test("refuses a Service of another cluster (another stack's folder), which its Prometheus cannot scrape", () => {
    const app = Testing.app();
    const lab = new MonitoringStack(app, 'lab');
    const other = webApp(new MonitoringStack(app, 'lab2'));
    expect(() => new ServiceMonitor(new Chart(lab, 'apps'), 'Web', { monitoring: lab, service: other.service, port: 'http-metrics' }))
      .toThrow(`service ${other.service.node.path}/Resource is in MonitoringStack 'lab2', but lab/apps/Web is in MonitoringStack 'lab', whose Prometheus cannot scrape another cluster; create the monitor in a Chart of the stack the service is in`);
  });

  test("takes a Service of the app outside any stack: a plain App's charts are one cluster", () => {
    const app = Testing.app();
    const lab = new MonitoringStack(app, 'lab');
    const service = new plus33.Service(new Chart(app, 'web', { namespace: 'web' }), 'svc', { ports: [{ name: 'metrics', port: 9100 }] });
    expect(() => new ServiceMonitor(new Chart(lab, 'apps'), 'Web', { monitoring: lab, service, port: 'metrics' })).not.toThrow();
  });

  test('works with a cdk8s-plus-28 Service and a KubePrometheusStack of its own', () => {
    const chart = Testing.chart();
    const stack = new KubePrometheusStack(chart, 'Stack', { releaseName: RELEASE_OF_ITS_OWN });
    const service = new plus28.Service(chart, 'svc', { metadata: { namespace: 'shop', labels: { app: 'shop' } }, ports: [{ name: 'metrics', port: 9100 }] });
    new ServiceMonitor(chart, 'Shop', { monitoring: stack, service, port: 'metrics', selector: { app: 'shop' }, name: 'shop' });
    const monitor = Testing.synth(chart).find(o => o.kind === 'ServiceMonitor' && o.metadata.name === 'shop');
    expect(monitor.metadata).toEqual({ name: 'shop', namespace: 'shop', labels: { release: 'mon' } });
    expect(monitor.spec.selector).toEqual({ matchLabels: { app: 'shop' } });
  });

  test('keeps a Service\'s own app.kubernetes.io/name label', () => {
    const chart = Testing.chart();
    const stack = new KubePrometheusStack(chart, 'Stack');
    const service = new plus33.Service(chart, 'svc', { metadata: { namespace: 'shop', labels: { 'app.kubernetes.io/name': 'shop' } }, ports: [{ name: 'metrics', port: 9100 }] });
    new ServiceMonitor(chart, 'Shop', { monitoring: stack, service, port: 'metrics' });
    expect(Testing.synth(chart).find(o => o.kind === 'ServiceMonitor' && o.metadata.namespace === 'shop').spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'shop' } });
  });

  test('fails when the Service has no port of that name', () => {
    const app = new MonitoringApp({ outdir: Testing.app().outdir });
    const stack = new MonitoringStack(app, 'homelab');
    const { apps, service } = webApp(stack, 'http');
    new ServiceMonitor(apps, 'WebMetrics', { monitoring: stack, service, port: 'metrics' });
    expect(() => app.synth()).toThrow(`port is 'metrics' but Service '${service.name}' has only the port(s) 'http'; name the metrics port of the Service (ports: [{ name: 'metrics', port: ... }]) or pass one of its names`);
  });

  test('fails when the label selector matches nothing of the Service', () => {
    const app = new MonitoringApp({ outdir: Testing.app().outdir });
    const stack = new MonitoringStack(app, 'homelab');
    const { apps, service } = webApp(stack);
    new ServiceMonitor(apps, 'WebMetrics', { monitoring: stack, service, port: 'http-metrics', selector: { app: 'web' } });
    expect(() => app.synth()).toThrow(`selector {"app":"web"} matches nothing of Service '${service.name}', whose labels are {}; use labels the Service has, or leave selector out`);
  });

  test('fails when it is outside the MonitoringStack whose folder holds its CRD', () => {
    const app = Testing.app();
    const stack = new MonitoringStack(app, 'homelab');
    const outside = new Chart(app, 'apps', { namespace: 'apps' });
    const service = new plus33.Service(outside, 'svc', { ports: [{ name: 'metrics', port: 9100 }] });
    expect(() => new ServiceMonitor(outside, 'M', { monitoring: stack, service, port: 'metrics' }))
      .toThrow("monitoring is the MonitoringStack 'homelab' but apps/M is outside it, so its objects would be written outside dist/homelab/, which holds the CRDs they need and is applied on its own; create it in a Chart inside the stack, e.g. new Chart(stack, 'apps')");
  });

  describe('with a Prometheus that selects ServiceMonitors only in labelled namespaces', () => {

    const build = (namespaceLabels: Record<string, string>) => synthApp(app => {
      const chart = new Chart(app, 'platform');
      // SELECTIVE_PROMETHEUS selects namespaces labelled monitoring=on. (The CRDs go to an app of their
      // own, as a separate CRD app would hold them: this app then writes 1 MB, not 5, which the test reads.)
      const stack = new KubePrometheusStack(chart, 'Stack', { ...SELECTIVE_PROMETHEUS, crdScope: new Chart(Testing.app(), 'crds') });
      // That app's CRDs are served by the cluster when this one is applied: declared, so the output checks accept its objects.
      ClusterApi.declare(app, ClusterApi.of('monitoring.coreos.com/v1'));
      new Namespace(chart, 'shop', { name: 'shop', labels: namespaceLabels });
      const service = new plus33.Service(chart, 'svc', { metadata: { namespace: 'shop' }, ports: [{ name: 'metrics', port: 9100 }] });
      new ServiceMonitor(chart, 'Shop', { monitoring: stack, service, port: 'metrics' });
    });

    test('passes when the Namespace carries the labels', () => {
      expect(build({ monitoring: 'on' }).flatMap(f => f.objects).filter(o => o.kind === 'ServiceMonitor' && o.metadata.namespace === 'shop')).toHaveLength(1);
    });

    test('fails when the Service\'s Namespace lacks them', () => {
      expect(() => build({})).toThrow(`the Prometheus only selects ServiceMonitors in namespaces labelled {"matchLabels":{"monitoring":"on"}}, and namespace 'shop' has labels {"app.kubernetes.io/managed-by":"cdk8s-monitoring-stack"}; label the Namespace to match`);
    });
  });

  test('fails when the interval is not a Prometheus duration', () => {
    const chart = Testing.chart();
    const stack = new KubePrometheusStack(chart, 'Stack');
    const service = new plus33.Service(chart, 'svc', { metadata: { namespace: 'shop' }, ports: [{ name: 'metrics', port: 9100 }] });
    expect(() => new ServiceMonitor(chart, 'Shop', { monitoring: stack, service, port: 'metrics', interval: '15 seconds' }))
      .toThrow("interval is '15 seconds' but must be a Prometheus duration such as '5m', '1h30m' or '30s'");
  });

  test('fails when given a workload instead of a Service', () => {
    const chart = Testing.chart();
    const stack = new KubePrometheusStack(chart, 'Stack');
    const web = new plus33.Deployment(chart, 'web', { metadata: { namespace: 'shop' }, containers: [{ image: 'web' }] });
    expect(() => new ServiceMonitor(chart, 'Shop', { monitoring: stack, service: web, port: 'metrics' }))
      .toThrow(`service is apps/v1 Deployment '${web.name}' but must be a v1 Service; for a Deployment or other workload use a PodMonitor`);
  });
});
