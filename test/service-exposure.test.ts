import { Testing } from 'cdk8s';
import { ClusterApi, KubePrometheusStack, KubePrometheusStackProps, ServiceExposure } from '../lib';
import { KubeManifest } from '../lib/render/manifest-parse';
import { accessUrls } from '../lib/output/access-urls';
import { preflight } from '../lib/output/preflight';
import { findObject } from './inventory';
import { TYPED_EXPOSURES } from './support/stacks';

/** A standalone stack's objects, on a cluster declared to serve Gateway API v1 unless `gatewayApi` is false. */
function synth(props: KubePrometheusStackProps, gatewayApi = true): any[] {
  const chart = Testing.chart();
  if (gatewayApi) ClusterApi.declare(chart, ClusterApi.GATEWAY_API_V1);
  new KubePrometheusStack(chart, 'Stack', { crdScope: chart, ...props });
  return Testing.synth(chart);
}

const exposedLine = (objects: any[]) => preflight(objects as KubeManifest[]).find(l => l.startsWith('exposed: '));

const gateway = { name: 'homelab', namespace: 'gateway', sectionName: 'https' };

describe('ServiceExposure: LoadBalancer, HTTPRoute and an Ingress with annotations, paths and TLS per host', () => {
  const objects = synth(TYPED_EXPOSURES);

  test('Grafana is a LoadBalancer Service with the address and annotations', () => {
    const service = findObject(objects, 'Service', 'kube-prometheus-stack-grafana');
    expect(service.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerIP: '192.168.1.240' });
    expect(service.metadata.annotations).toEqual({ 'metallb.universe.tf/address-pool': 'lab' });
  });

  test("Prometheus has an HTTPRoute to its Service on the Gateway's listener, its Service stays ClusterIP", () => {
    const route = findObject(objects, 'HTTPRoute', 'kube-prometheus-stack-prometheus');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([gateway]);
    expect(route.spec.hostnames).toEqual(['prometheus.lab.example.com', '*.metrics.lab.example.com']);
    expect(route.spec.rules).toEqual([expect.objectContaining({
      backendRefs: [expect.objectContaining({ kind: 'Service', name: 'kube-prometheus-stack-prometheus', port: 9090 })],
      matches: [{ path: { type: 'PathPrefix', value: '/' } }, { path: { type: 'Exact', value: '/graph' } }],
    })]);
    expect(findObject(objects, 'Service', 'kube-prometheus-stack-prometheus').spec.type).toBe('ClusterIP');
  });

  test("Alertmanager's Ingress has the annotations, each path on each host, and TLS per host", () => {
    const ingress = findObject(objects, 'Ingress', 'kube-prometheus-stack-alertmanager');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([{ hosts: ['alerts.lab.example.com'], secretName: 'alerts-tls' }, { hosts: ['am.lab.example.com'], secretName: 'am-tls' }]);
    expect(ingress.spec.rules.map((r: any) => [r.host, r.http.paths.map((p: any) => `${p.pathType} ${p.path}`)])).toEqual([
      ['alerts.lab.example.com', ['Prefix /', 'Prefix /api']],
      ['am.lab.example.com', ['Prefix /', 'Prefix /api']],
    ]);
  });

  test('the summary lists every way in: the load balancer address, the route, each Ingress host and path (https where TLS covers it)', () => {
    expect(exposedLine(objects)).toBe('exposed: '
      + 'http://192.168.1.240:80 (monitoring/kube-prometheus-stack-grafana), '
      + 'https://alerts.lab.example.com/ (monitoring/kube-prometheus-stack-alertmanager), https://alerts.lab.example.com/api (monitoring/kube-prometheus-stack-alertmanager), '
      + 'https://am.lab.example.com/ (monitoring/kube-prometheus-stack-alertmanager), https://am.lab.example.com/api (monitoring/kube-prometheus-stack-alertmanager), '
      + 'http(s)://prometheus.lab.example.com/ (monitoring/kube-prometheus-stack-prometheus), http(s)://prometheus.lab.example.com/graph (monitoring/kube-prometheus-stack-prometheus), '
      + 'http(s)://*.metrics.lab.example.com/ (monitoring/kube-prometheus-stack-prometheus), http(s)://*.metrics.lab.example.com/graph (monitoring/kube-prometheus-stack-prometheus); '
      + 'no other NodePort, LoadBalancer, Ingress or HTTPRoute');
  });
});

describe('ServiceExposure: what raw chart values expose is in the summary too', () => {
  // The props leave Alertmanager and Prometheus unset, so their raw route and Service type stand; Grafana's
  // NodePort prop owns its Service but not an HTTPRoute beside it.
  const objects = synth({
    grafanaService: ServiceExposure.nodePort(30300),
    values: {
      grafana: { route: { main: { enabled: true, parentRefs: [{ name: 'homelab', namespace: 'gateway' }] } } },
      prometheus: { route: { main: { enabled: true, hostnames: ['prometheus.lab.example.com'], parentRefs: [{ name: 'homelab', namespace: 'gateway' }] } } },
      alertmanager: { service: { type: 'LoadBalancer' } },
    },
  });

  test('an HTTPRoute from raw values (hostname or none), a raw LoadBalancer and the NodePort are listed', () => {
    const urls = accessUrls([{ file: 'f', objects }]).map(u => `${u.url} (${u.via})`);
    expect(urls).toEqual([
      'http://<node-ip>:30300 (monitoring/kube-prometheus-stack-grafana)',
      'http://<load-balancer-ip>:9093 (monitoring/kube-prometheus-stack-alertmanager)',
      'http://<load-balancer-ip>:8080 (monitoring/kube-prometheus-stack-alertmanager)',
      'http(s)://<gateway>/ (monitoring/kube-prometheus-stack-grafana)',
      'http(s)://prometheus.lab.example.com/ (monitoring/kube-prometheus-stack-prometheus)',
    ]);
    expect(exposedLine(objects)).toContain('http(s)://prometheus.lab.example.com/ (monitoring/kube-prometheus-stack-prometheus); no other NodePort, LoadBalancer, Ingress or HTTPRoute');
  });
});

describe('the summary, read from the objects', () => {
  const service = (name: string, spec: object, annotations?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ui', annotations }, spec });

  test('says nothing is exposed when no object is a NodePort, LoadBalancer, Ingress or HTTPRoute', () => {
    expect(exposedLine([service('internal', { type: 'ClusterIP', ports: [{ port: 80 }] })])).toBe('exposed: no NodePort, LoadBalancer, Ingress or HTTPRoute');
  });

  test("a node port the cluster assigns, MetalLB's address annotation (IPv6 too), and a route's scheme from its Gateway's listener", () => {
    const objects = [
      service('np', { type: 'NodePort', ports: [{ name: 'web', port: 80 }] }),
      service('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] }, { 'metallb.universe.tf/loadBalancerIPs': '192.168.1.241,fd00::1' }),
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'homelab', namespace: 'gateway' }, spec: { listeners: [{ name: 'https', protocol: 'HTTPS' }, { name: 'http', protocol: 'HTTP' }] } },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ui' }, spec: { parentRefs: [gateway], hostnames: ['ui.lab.example.com'], rules: [{}] } },
    ] as any[];
    expect(accessUrls([{ file: 'f', objects }]).map(u => u.url)).toEqual([
      'http://<node-ip>:<node-port of web>', 'http://192.168.1.241:80', 'http://[fd00::1]:80', 'https://ui.lab.example.com/',
    ]);
  });
});

describe('ServiceExposure validation', () => {
  const route = (options: Partial<Parameters<typeof ServiceExposure.httpRoute>[0]> = {}) => ServiceExposure.httpRoute({ parentRefs: [gateway], ...options });
  const host = 'grafana.lab.example.com';

  test('fails when an HTTPRoute is asked for on a cluster not declared to serve Gateway API v1, saying how to declare it', () => {
    expect(() => synth({ prometheusService: route() }, false)).toThrow(
      'prometheusService is an HTTPRoute (ServiceExposure.httpRoute) but the cluster is not declared to serve Gateway API v1 (gateway.networking.k8s.io/v1), so the route would be refused; '
      + 'declare it: clusterApis: [ClusterApi.GATEWAY_API_V1] on the MonitoringStack, or ClusterApi.declare(app, ClusterApi.GATEWAY_API_V1) before adding this construct');
  });

  test.each([
    ['a TLS host is not among the hosts', { alertmanagerService: ServiceExposure.ingress({ hosts: [host], tls: [{ hosts: ['other.lab.example.com'], secretName: 'tls' }] }) },
      "alertmanagerService has TLS host 'other.lab.example.com' (Secret 'tls') but the Ingress hosts are ['grafana.lab.example.com']; add it to hosts or take it out of tls"],
    ['the Ingress hosts are an empty list', { grafanaService: ServiceExposure.ingress({ hosts: [] }) },
      "grafanaService has an Ingress without hosts (hosts is []); give the names it answers on, e.g. hosts: ['grafana.lab.example.com']"],
    ['both host and hosts are given', { grafanaService: ServiceExposure.ingress({ host, hosts: ['a.example.com'] }) },
      "grafanaService has Ingress host 'grafana.lab.example.com' and hosts ['a.example.com']; give them all in hosts (host is the short form for one)"],
    ['a host is not a DNS name', { grafanaService: ServiceExposure.ingress({ hosts: [host, 'Grafana Lab'] }) },
      "grafanaService has Ingress host 'Grafana Lab' but a host must be a lowercase DNS name such as 'grafana.lab.example.com'"],
    ['TLS covers no hosts', { grafanaService: ServiceExposure.ingress({ host, tls: [{ hosts: [], secretName: 'tls' }] }) },
      "grafanaService has Ingress TLS with Secret 'tls' for no hosts; name the hosts it covers, e.g. hosts: ['grafana.lab.example.com']"],
    ['tls and tlsSecretName are both given', { grafanaService: ServiceExposure.ingress({ host, tlsSecretName: 'a', tls: [{ hosts: [host], secretName: 'b' }] }) },
      "grafanaService has both Ingress tls and tlsSecretName 'a'; give the Secret in tls: [{ hosts, secretName: 'a' }] instead"],
    ['an Ingress path is relative', { prometheusService: ServiceExposure.ingress({ host, paths: ['prometheus'] }) },
      "prometheusService has Ingress path 'prometheus' but a path must start with '/', e.g. '/prometheus'"],
    ["Grafana's Ingress has two paths (its chart takes one)", { grafanaService: ServiceExposure.ingress({ host, paths: ['/', '/grafana'] }) },
      "grafanaService has Ingress paths ['/', '/grafana'] but its chart takes one path per host; give one"],
    ['an annotation key is not one', { grafanaService: ServiceExposure.ingress({ host, annotations: { 'cert manager': 'x' } }) },
      "grafanaService has Ingress annotation 'cert manager' but an annotation key is a name of letters, digits, '-', '_' and '.'"],
    ['the load balancer IP is not an address', { grafanaService: ServiceExposure.loadBalancer({ loadBalancerIP: 'lab-vip' }) },
      "grafanaService has load balancer IP 'lab-vip' but it must be an IPv4 or IPv6 address such as '192.168.1.240'"],
    ['an HTTPRoute has no parentRefs', { prometheusService: route({ parentRefs: [] }) },
      "prometheusService has an HTTPRoute with parentRefs [], so no Gateway would serve it; name the Gateway, e.g. parentRefs: [{ name: 'homelab', namespace: 'gateway' }]"],
    ['an HTTPRoute hostname is not a DNS name', { prometheusService: route({ hostnames: ['Prometheus!'] }) },
      "prometheusService has HTTPRoute hostname 'Prometheus!' but a hostname must be a lowercase DNS name"],
    ['an HTTPRoute prefix path is relative', { prometheusService: route({ paths: [{ value: 'graph' }] }) },
      "prometheusService has HTTPRoute path 'graph' but a PathPrefix path must start with '/', e.g. '/graph'"],
  ])('fails when %s', (_name, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('fails when raw values set what the typed HTTPRoute sets, naming the prop', () => {
    expect(() => synth({ prometheusService: route({ hostnames: ['prometheus.lab.example.com'] }), values: { prometheus: { route: { main: { hostnames: ['other.lab.example.com'] } } } } }))
      .toThrow("values.prometheus.route.main.hostnames is set, but the prometheusService.route prop owns prometheus's HTTPRoute; set it in prometheusService: ServiceExposure.httpRoute({ parentRefs, hostnames, paths })");
  });

  test("fails when raw values set the Service annotations a LoadBalancer's annotations set, naming the prop", () => {
    expect(() => synth({ grafanaService: ServiceExposure.loadBalancer({ annotations: { 'metallb.universe.tf/address-pool': 'lab' } }), values: { grafana: { service: { annotations: { a: 'b' } } } } }))
      .toThrow("values.grafana.service.annotations is set, but the grafanaService.loadBalancer.annotations prop owns grafana's Service annotations; give them all in grafanaService: ServiceExposure.loadBalancer({ annotations })");
  });
});
