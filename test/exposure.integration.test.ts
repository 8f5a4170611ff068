// The objects each ServiceExposure makes (a LoadBalancer Service, an HTTPRoute, an Ingress with annotations, paths
// and TLS per host), sent to the harness's real Kubernetes 1.35 API server with the real Gateway API v1.6.3 CRDs:
// it validates and defaults them as it would on apply (server-side dry run), and refuses what is wrong.
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { ClusterApi, KubePrometheusStack, Namespace, PodSecurityLevel } from '../lib';
import { ControlPlane } from './support/control-plane';
import { applyGatewayApiCrds } from './support/gateway-api-crds';
import { TYPED_EXPOSURES } from './support/stacks';
import { describeWithControlPlane, SHARED_CONTROL_PLANE_TIMEOUT_MS, sharedControlPlane } from './support/shared-control-plane';

const FIELD_MANAGER = 'exposure-test';
const NAMESPACE = 'exposure-test';

describeWithControlPlane('ServiceExposure objects on a real Kubernetes 1.35 API server with the Gateway API CRDs', () => {
  let controlPlane: ControlPlane;
  let objects: any[];
  beforeAll(async () => {
    controlPlane = await sharedControlPlane();
    applyGatewayApiCrds(controlPlane, FIELD_MANAGER);
    // Namespaced objects are dry-run into a namespace that exists (applied: an earlier, interrupted run may have left it).
    const namespace = controlPlane.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }) });
    expect([namespace.status, namespace.stderr]).toEqual([0, '']);
    const chart = Testing.chart();
    ClusterApi.declare(chart, ClusterApi.GATEWAY_API_V1);
    new KubePrometheusStack(chart, 'Stack', {
      crdScope: chart,
      namespace: new Namespace(chart, 'ns', { name: NAMESPACE, podSecurity: PodSecurityLevel.PRIVILEGED }),
      ...TYPED_EXPOSURES,
    });
    objects = Testing.synth(chart);
  }, SHARED_CONTROL_PLANE_TIMEOUT_MS);
  afterAll(() => {
    controlPlane?.kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false']);
  });

  /** Server-side dry run of `object`: what the API server would store, or its refusal. */
  function dryRun(object: object): { stored?: any; refused?: string } {
    const result = controlPlane.kubectl(['apply', '--server-side', '--dry-run=server', `--field-manager=${FIELD_MANAGER}`, '--output=json', '-f', '-'], { input: YAML.stringify(object) });
    return result.status === 0 ? { stored: JSON.parse(result.stdout) } : { refused: result.stderr.trim() || `exit ${result.status}` };
  }
  const find = (kind: string, name: string) => objects.find(o => o.kind === kind && o.metadata.name === name);

  test('the LoadBalancer Service is accepted with its address and annotations', () => {
    const { stored, refused } = dryRun(find('Service', 'kube-prometheus-stack-grafana'));
    expect(refused).toBeUndefined();
    expect(stored.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerIP: '192.168.1.240' });
    expect(stored.metadata.annotations).toEqual({ 'metallb.universe.tf/address-pool': 'lab' });
  });

  test('the HTTPRoute is accepted by the Gateway API CRD, with its parent, hostnames and path matches', () => {
    const route = find('HTTPRoute', 'kube-prometheus-stack-prometheus');
    const { stored, refused } = dryRun(route);
    expect(refused).toBeUndefined();
    expect(stored.spec.parentRefs).toEqual([expect.objectContaining({ name: 'homelab', namespace: 'gateway', sectionName: 'https' })]);
    expect(stored.spec.hostnames).toEqual(['prometheus.lab.example.com', '*.metrics.lab.example.com']);
    expect(stored.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }, { path: { type: 'Exact', value: '/graph' } }]);
  });

  test('the Ingress is accepted with its annotations, each path on each host and TLS per host', () => {
    const { stored, refused } = dryRun(find('Ingress', 'kube-prometheus-stack-alertmanager'));
    expect(refused).toBeUndefined();
    expect(stored.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(stored.spec.tls).toEqual([{ hosts: ['alerts.lab.example.com'], secretName: 'alerts-tls' }, { hosts: ['am.lab.example.com'], secretName: 'am-tls' }]);
    expect(stored.spec.rules.map((r: any) => [r.host, r.http.paths.map((p: any) => `${p.pathType} ${p.path}`)])).toEqual([
      ['alerts.lab.example.com', ['Prefix /', 'Prefix /api']], ['am.lab.example.com', ['Prefix /', 'Prefix /api']],
    ]);
  });

  test('the checks are real: the CRD refuses an HTTPRoute whose prefix path is relative, the API server an Ingress path', () => {
    const route = find('HTTPRoute', 'kube-prometheus-stack-prometheus');
    expect(dryRun({ ...route, spec: { ...route.spec, rules: [{ ...route.spec.rules[0], matches: [{ path: { type: 'PathPrefix', value: 'graph' } }] }] } }).refused)
      .toMatch(/HTTPRoute.*is invalid/);
    const ingress = find('Ingress', 'kube-prometheus-stack-alertmanager');
    expect(dryRun({ ...ingress, spec: { ...ingress.spec, rules: [{ ...ingress.spec.rules[0], http: { paths: [{ ...ingress.spec.rules[0].http.paths[0], path: 'api' }] } }] } }).refused)
      .toMatch(/Ingress.*is invalid.*must be an absolute path/);
  });
});
