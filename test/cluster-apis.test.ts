import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { ClusterApi, MonitoringStack } from '../lib';
import { checkClusterServes, requiredClusterApis } from '../lib/commands/cluster-apis';
import { synthApp } from './support/synth';

const route = (host: string) => ({ main: { enabled: true, hostnames: [host], parentRefs: [{ name: 'homelab', namespace: 'gateway' }] } });
const routes = { grafana: { route: route('grafana.lab.example.com') }, prometheus: { route: route('prometheus.lab.example.com') } };

/** An HTTPRoute of the app's own, in a Chart inside the stack (beside the chart's routes, if any). */
function ownRoute(stack: MonitoringStack, hostname: string): void {
  const chart = new Chart(stack, 'routes', { namespace: 'apps' });
  new ApiObject(chart, 'shop', {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'shop' },
    spec: { hostnames: [hostname], parentRefs: [{ name: 'homelab', namespace: 'gateway' }] },
  } as any);
}

describe('APIs the cluster already serves', () => {
  test('fails when a custom resource needs an API nobody declared, saying how to declare it', () => {
    // (The stack with every default: a render other tests share.)
    expect(() => synthApp(app => ownRoute(new MonitoringStack(app, 'lab'), 'shop.lab.example.com')))
      .toThrow("no CustomResourceDefinition in this output defines HTTPRoute in gateway.networking.k8s.io; a fresh cluster would answer 'no matches for kind HTTPRoute': add the construct that ships the CRD, or, if the cluster already serves gateway.networking.k8s.io/v1 (installed by another tool), declare it: clusterApis: [ClusterApi.GATEWAY_API_V1] on the MonitoringStack");
  });

  test('a declared API with a schema package: its objects are checked against that schema', () => {
    const files = synthApp(app => new MonitoringStack(app, 'lab', { clusterApis: [ClusterApi.GATEWAY_API_V1], kubePrometheusStackValues: routes }));
    expect(files.flatMap(f => f.objects).filter(o => o.kind === 'HTTPRoute').map(o => o.metadata.name).sort())
      .toEqual(['kube-prometheus-stack-grafana', 'kube-prometheus-stack-prometheus']);
    // The same stack (one render) with an HTTPRoute of the app's own whose host name is not one.
    expect(() => synthApp(app => ownRoute(new MonitoringStack(app, 'lab', { clusterApis: [ClusterApi.GATEWAY_API_V1], kubePrometheusStackValues: routes }), 'Not A Host!')))
      .toThrow(/HTTPRoute apps\/shop at \/spec\/hostnames\/0: must match pattern/);
  });

  test('a declared API without a schema package is accepted unchecked, and the synth summary says so', () => {
    const app = Testing.app();
    ClusterApi.declare(app, ClusterApi.of('example.com/v1'));
    const chart = new (require('cdk8s').Chart)(app, 'apps', { namespace: 'apps' });
    new (require('cdk8s').ApiObject)(chart, 'widget', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    const { writeApp } = require('../lib/output/layout');
    const written = writeApp(Object.assign(app, { outdir: require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'apis-')) }), () => app.synth());
    expect(written.validation.clusterProvided).toEqual(['Widget apps/w (example.com/v1): the cluster serves it; no schema to check it against']);
  });

  test('renders tell helm what the cluster serves (.Capabilities.APIVersions)', () => {
    // (The declaration and values of the schema-package test above: its renders are shared.)
    const stack = new MonitoringStack(new App(), 'lab', { clusterApis: [ClusterApi.GATEWAY_API_V1], kubePrometheusStackValues: routes });
    const { reportOf } = require('../lib/render/report');
    const flags = reportOf(stack).renders.map((r: any) => r.helmTemplate.flags);
    expect(flags.length).toBe(2);
    for (const f of flags) expect(f).toEqual(expect.arrayContaining(['--api-versions', 'gateway.networking.k8s.io/v1']));
  });

  test.each([
    ['a group/version', 'gateway', "ClusterApi.of('gateway') needs a group/version such as 'gateway.networking.k8s.io/v1'"],
    ['of a group Kubernetes does not have itself', 'apps/v1', "ClusterApi.of('apps/v1'): apps is built into Kubernetes; declare only APIs that come from CRDs"],
  ])('fails when the declaration is not %s', (_case, apiVersion, message) => {
    expect(() => ClusterApi.of(apiVersion)).toThrow(message);
  });
});

describe('deploy checks the cluster serves the declared APIs first', () => {
  const output = [{ file: 'f', objects: [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'n' } },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 's', namespace: 'n' } },
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'servicemonitors.monitoring.coreos.com' }, spec: { group: 'monitoring.coreos.com', versions: [{ name: 'v1' }] } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' } },
  ] }] as any;
  const kubectl = (served: string[]) => ({ run: () => ({ status: 0, stdout: `${served.join('\n')}\n`, stderr: '' }) });

  test('the APIs needed are those of custom resources whose CRD the output does not ship', () => {
    expect(requiredClusterApis(output)).toEqual(['gateway.networking.k8s.io/v1']);
  });

  test('passes when the cluster serves them, and stops naming the missing API when it does not', () => {
    expect(() => checkClusterServes(kubectl(['v1', 'apps/v1', 'gateway.networking.k8s.io/v1']), ['gateway.networking.k8s.io/v1'])).not.toThrow();
    expect(() => checkClusterServes(kubectl(['v1', 'apps/v1']), ['gateway.networking.k8s.io/v1']))
      .toThrow('the output has objects of gateway.networking.k8s.io/v1, which the cluster does not serve');
  });
});
