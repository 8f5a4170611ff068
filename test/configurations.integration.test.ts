// The chart features a homelab uses, each synthesized, validated (by the writer, at synth) and applied to a
// real Kubernetes 1.35 API server with 0 errors; features refused on purpose are asserted with their message.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { AlertDelivery, ClusterApi, MonitoringApp, MonitoringStack, MonitoringStackProps, Receiver, SecretKey, ServiceExposure, Severity } from '../lib';
import { readOutputDir } from '../lib/output/validation';
import { ControlPlane } from './support/control-plane';
import { describeWithControlPlane, SHARED_CONTROL_PLANE_TIMEOUT_MS, sharedControlPlane } from './support/shared-control-plane';

const FIELD_MANAGER = 'configuration-matrix';

/** Gateway API routes' parents and hosts, the way a homelab with one Gateway writes them. */
const route = (host: string) => ({ main: { enabled: true, hostnames: [host], parentRefs: [{ name: 'homelab', namespace: 'gateway' }] } });

const CONFIGURATIONS: Array<[string, (ns: string) => MonitoringStackProps]> = [
  ['Ingress for Grafana, Prometheus and Alertmanager', () => ({
    grafanaService: ServiceExposure.ingress({ host: 'grafana.lab.example.com', ingressClassName: 'nginx', tlsSecretName: 'lab-tls' }),
    prometheusService: ServiceExposure.ingress({ host: 'prometheus.lab.example.com', ingressClassName: 'nginx' }),
    alertmanagerService: ServiceExposure.ingress({ host: 'alerts.lab.example.com', ingressClassName: 'nginx' }),
  })],
  ['Gateway API routes for Grafana, Prometheus and Alertmanager (the cluster serves Gateway API v1)', () => ({
    clusterApis: [ClusterApi.GATEWAY_API_V1],
    kubePrometheusStackValues: { grafana: { route: route('grafana.lab.example.com') }, prometheus: { route: route('prometheus.lab.example.com') }, alertmanager: { route: route('alerts.lab.example.com') } },
  })],
  ['a Service per Prometheus and Alertmanager replica (rendered as a List)', () => ({
    kubePrometheusStackValues: { prometheus: { servicePerReplica: { enabled: true } }, alertmanager: { servicePerReplica: { enabled: true } } },
  })],
  ['additional scrape configs and remote write', () => ({
    kubePrometheusStackValues: { prometheus: { prometheusSpec: {
      additionalScrapeConfigs: [{ job_name: 'router', static_configs: [{ targets: ['192.168.1.1:9100'] }] }],
      remoteWrite: [{ url: 'https://metrics.example.com/api/v1/write', basicAuth: { username: { name: 'remote-write', key: 'user' }, password: { name: 'remote-write', key: 'password' } } }],
    } } },
  })],
  ['an Alertmanager configuration with a receiver', () => ({
    alerting: AlertDelivery.route({ routes: [{ severity: Severity.CRITICAL, receiver: Receiver.slack({ webhookUrl: SecretKey.fromExistingSecret('slack', 'url') }) }] }),
  })],
  ['the Thanos sidecar', () => ({
    kubePrometheusStackValues: { prometheus: { prometheusSpec: { thanos: { objectStorageConfig: { existingSecret: { name: 'thanos-objstore', key: 'objstore.yml' } } } } } },
  })],
  ['a key the chart writes twice (additionalConfig.logFormat): the last value wins', () => ({
    kubePrometheusStackValues: { prometheus: { prometheusSpec: { additionalConfig: { logFormat: 'json' } } } },
  })],
  ['Grafana and node-exporter moved by their own namespaceOverride (their Namespaces are created, node-exporter\'s privileged)', ns => ({
    kubePrometheusStackValues: { grafana: { namespaceOverride: `${ns}-grafana` }, 'prometheus-node-exporter': { namespaceOverride: `${ns}-exporters` } },
  })],
  ['Longhorn\'s ingress and its own metrics ServiceMonitor', () => ({
    longhornValues: { ingress: { enabled: true, host: 'longhorn.lab.example.com', ingressClassName: 'nginx' }, metrics: { serviceMonitor: { enabled: true } } },
  })],
  ...['k3s', 'rke2', 'rke1'].map((type): [string, (ns: string) => MonitoringStackProps] => [`Longhorn's network policies for the ${type} CNI type`, () => ({
    longhornValues: { networkPolicies: { enabled: true, type } },
  })]),
];

describeWithControlPlane('the configuration matrix on a real Kubernetes 1.35 API server', () => {
  let controlPlane: ControlPlane;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'configurations-'));
  const appliedCrds = new Set<string>();
  beforeAll(async () => {
    controlPlane = await sharedControlPlane();
    // The cluster serves Gateway API v1 HTTPRoutes (its Gateway implementation brings the CRD). A stand-in
    // that serves the API with an open schema: the routes' own schema is checked at synth, by
    // @kubernetes-models/gateway-api.
    expect(apply(controlPlane, YAML.stringify({
      // *.k8s.io groups need the API review annotation the real Gateway API CRDs carry.
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
      metadata: { name: 'httproutes.gateway.networking.k8s.io', annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/1538' } },
      spec: {
        group: 'gateway.networking.k8s.io', scope: 'Namespaced', names: { kind: 'HTTPRoute', plural: 'httproutes', singular: 'httproute', listKind: 'HTTPRouteList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    }))).toBe('');
    expect(controlPlane.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/httproutes.gateway.networking.k8s.io']).status).toBe(0);
  }, SHARED_CONTROL_PLANE_TIMEOUT_MS);
  // Cluster-scoped objects the matrix applied (other than CRDs and Namespaces), by apiVersion, kind and name.
  const clusterScoped = new Map<string, { apiVersion: string; kind: string; metadata: { name: string } }>();
  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    // The control plane is the run's: leave no Longhorn running for other files (deploy's upgrade guard reads
    // the longhorn-manager DaemonSets of the whole cluster), and none of the cluster-scoped objects whose
    // names every stack shares (PriorityClass, ClusterRoleBindings, ...): their fields, owned by this file's
    // field manager, would conflict with a later file's server-side apply.
    CONFIGURATIONS.forEach((_, i) => controlPlane?.kubectl(['delete', 'daemonset', 'longhorn-manager', '-n', `l${i}`, '--ignore-not-found', '--wait=false']));
    // Nor the stacks' servers: each asks the simulated workers for memory, and a later file's pods must still fit.
    // Their pods go first as a namespace terminates (a namespace itself may wait long on an object's finalizer,
    // so its end is not waited for; the scheduler counts the pods only until they are gone).
    const monitoring = CONFIGURATIONS.flatMap((_, i) => [`m${i}`, `m${i}-grafana`, `m${i}-exporters`]);
    const deleted = controlPlane?.kubectl(['delete', 'namespace', ...monitoring, '--ignore-not-found', '--wait=false']);
    if (deleted && deleted.status !== 0) throw new Error(`deleting the matrix's monitoring namespaces failed: ${deleted.stderr}`);
    if (clusterScoped.size > 0) {
      const result = controlPlane?.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: [...clusterScoped.values()].map(o => YAML.stringify(o)).join('---\n') });
      if (result && result.status !== 0) throw new Error(`deleting the matrix's cluster-scoped objects failed: ${result.stderr}`);
    }
  }, 240_000);

  test.each(CONFIGURATIONS.map(([name, props], i) => [name, props, i] as const))('%s: synthesizes, validates and applies with 0 errors', (_name, props, i) => {
    const ns = `m${i}`;
    const outdir = path.join(work, `c${i}`);
    const app = new MonitoringApp({ outdir });
    // Node ports are the cluster's: each configuration gets its own, from the low band of the range that
    // Kubernetes keeps for ports asked for by number (30000-30085 of the default range: dynamic allocation
    // takes the rest first), so that a port another Service of the run was given at random cannot collide.
    const exposure = { grafanaService: ServiceExposure.nodePort(30010 + i), prometheusService: ServiceExposure.nodePort(30040 + i) };
    new MonitoringStack(app, 'lab', { monitoringNamespace: ns, longhornNamespace: `l${i}`, ...exposure, ...props(ns) });
    app.synth(); // validates every object first; throws on any problem
    const folder = path.join(outdir, 'lab');
    const files = readOutputDir(folder);
    const [crdFile, ...rest] = files.map(f => path.join(folder, f.file));
    const crds = fs.readFileSync(crdFile, 'utf8');
    if (!appliedCrds.has(crds)) { // the same charts give the same CRDs: applied once
      expect(apply(controlPlane, crds)).toEqual('');
      expect(controlPlane.kubectl(['wait', '--for=condition=Established', '--timeout=120s', '-f', crdFile]).status).toBe(0);
      appliedCrds.add(crds);
    }
    for (const file of rest) expect([path.basename(file), apply(controlPlane, fs.readFileSync(file, 'utf8'))]).toEqual([path.basename(file), '']);
    for (const o of files.slice(1).flatMap(f => f.objects)) {
      if (!o.metadata.namespace && o.kind !== 'Namespace') clusterScoped.set(`${o.apiVersion} ${o.kind} ${o.metadata.name}`, { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name } });
    }
    // What the API server stored is what dist/ holds (for the objects the configuration is about).
    const stored = JSON.parse(controlPlane.kubectl(['get', 'prometheus', '-n', ns, '-o', 'json']).stdout).items[0];
    const written = files.flatMap(f => f.objects).find(o => o.kind === 'Prometheus')!;
    expect(stored.spec).toMatchObject(written.spec as object);
  }, 240_000);

  test('a key written twice is stored with its last value', () => {
    const i = CONFIGURATIONS.findIndex(([name]) => name.startsWith('a key the chart writes twice'));
    const stored = JSON.parse(controlPlane.kubectl(['get', 'prometheus', '-n', `m${i}`, '-o', 'json']).stdout).items[0];
    expect(stored.spec.logFormat).toBe('json');
  });

  test('each Service of a List is applied as its own object', () => {
    const i = CONFIGURATIONS.findIndex(([name]) => name.startsWith('a Service per'));
    const services = JSON.parse(controlPlane.kubectl(['get', 'services', '-n', `m${i}`, '-o', 'json']).stdout).items.map((s: any) => s.metadata.name);
    expect(services).toEqual(expect.arrayContaining(['kube-prometheus-stack-prometheus-0', 'kube-prometheus-stack-alertmanager-0']));
  });

  test('the moved components run in their own Namespaces, at the Pod Security level each needs', () => {
    const i = CONFIGURATIONS.findIndex(([name]) => name.startsWith('Grafana and node-exporter moved'));
    const get = (args: string[]) => JSON.parse(controlPlane.kubectl(['get', ...args, '-o', 'json']).stdout);
    expect(get(['deployment', 'kube-prometheus-stack-grafana', '-n', `m${i}-grafana`]).metadata.name).toBe('kube-prometheus-stack-grafana');
    expect(get(['daemonset', 'kube-prometheus-stack-prometheus-node-exporter', '-n', `m${i}-exporters`]).metadata.name).toBe('kube-prometheus-stack-prometheus-node-exporter');
    expect(get(['namespace', `m${i}-exporters`]).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(get(['namespace', `m${i}-grafana`]).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  test('refuses the admission webhooks on purpose, naming why (their certificates come from Helm hook Jobs)', () => {
    expect(() => new MonitoringStack(new MonitoringApp({ outdir: path.join(work, 'refused') }), 'lab', {
      kubePrometheusStackValues: { prometheusOperator: { admissionWebhooks: { enabled: true } } },
    })).toThrow(/kubePrometheusStackValues\.prometheusOperator\.admissionWebhooks\.enabled .*Helm hook Jobs/);
  });
});

/** Server-side apply of `yaml`; returns kubectl's stderr ('' when all went well). */
function apply(controlPlane: ControlPlane, yaml: string): string {
  const result = controlPlane.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], { input: yaml, timeoutMs: 180_000 });
  return result.status === 0 ? '' : result.stderr.trim() || `exit ${result.status}`;
}
