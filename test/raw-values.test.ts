import { App, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { ClusterApi, ControlPlaneMonitoring, GrafanaAdminCredentials, KubePrometheusStack, Longhorn, MonitoringStack, Placement, ServiceExposure } from '../lib';
import { findObject, objectsOfKind } from './inventory';

// Configurations helm accepts, through the standalone constructs: a raw value stands unless a prop that
// was set says otherwise. Real helm renders the real charts from CDK8S_CHARTS_DIR.

const synth = (props: ConstructorParameters<typeof KubePrometheusStack>[2], declare: ClusterApi[] = []) => {
  const chart = Testing.chart();
  if (declare.length > 0) ClusterApi.declare(chart, ...declare);
  const stack = new KubePrometheusStack(chart, 'Stack', props);
  return { stack, objects: Testing.synth(chart) };
};

const OPERATOR_ONLY = {
  defaultRules: { create: false },
  alertmanager: { enabled: false },
  grafana: { enabled: false },
  prometheus: { enabled: false },
  kubeStateMetrics: { enabled: false },
  nodeExporter: { enabled: false },
  kubeApiServer: { enabled: false },
  kubelet: { enabled: false },
  kubeControllerManager: { enabled: false },
  coreDns: { enabled: false },
  kubeEtcd: { enabled: false },
  kubeScheduler: { enabled: false },
  kubeProxy: { enabled: false },
};

/**
 * One render for the tests below whose raw values touch different parts of the chart (each asserts its own part
 * only): a cold render costs about a second of CPU, and each of these was one.
 */
const GATEWAY = [{ name: 'lab', namespace: 'gateway', sectionName: 'https' }];
const ALERTMANAGER_CONFIG = { route: { receiver: 'ops' }, receivers: [{ name: 'ops', webhook_configs: [{ url: 'http://hook.example/' }] }] };
let combinedRender: ReturnType<typeof synth> | undefined;
const combined = () => combinedRender ??= synth({
  values: {
    prometheus: {
      ingress: {
        enabled: true,
        ingressClassName: 'nginx',
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
        hosts: ['prometheus.lab.example.com'],
        tls: [{ secretName: 'prometheus-tls', hosts: ['prometheus.lab.example.com'] }],
      },
      route: { main: { enabled: true, hostnames: ['prometheus.lab.example.com'], parentRefs: GATEWAY } },
      servicePerReplica: { enabled: true },
      // additionalConfig is copied into the spec after the chart's own logFormat.
      prometheusSpec: { replicas: 2, additionalConfig: { logFormat: 'json' } },
    },
    alertmanager: {
      route: { main: { enabled: true, hostnames: ['alertmanager.lab.example.com'], parentRefs: GATEWAY } },
      servicePerReplica: { enabled: true },
      config: ALERTMANAGER_CONFIG,
    },
    grafana: { adminPassword: 'correct-horse' },
    prometheusOperator: { admissionWebhooks: { enabled: true, certManager: { enabled: true } }, tls: { enabled: true } },
  },
}, [ClusterApi.GATEWAY_API_V1, ClusterApi.CERT_MANAGER_V1]);

describe('KubePrometheusStack with raw values where no prop was set', () => {
  test('an operator-only install (everything off but prometheus-operator) renders the operator and its own monitor only', () => {
    const { objects } = synth({ values: OPERATOR_ONLY });
    const deployments = objectsOfKind(objects, 'Deployment').map(d => d.metadata.name);
    expect(deployments).toEqual(['kube-prometheus-stack-operator']);
    expect(objectsOfKind(objects, 'ServiceMonitor').map(m => m.metadata.name)).toEqual(['kube-prometheus-stack-operator']);
    for (const kind of ['Prometheus', 'Alertmanager', 'DaemonSet', 'PrometheusRule']) {
      expect(objectsOfKind(objects, kind)).toEqual([]);
    }
  });

  test('the chart Ingress values, annotations and TLS included, render as given', () => {
    const { objects } = combined();
    const ingress = findObject(objects, 'Ingress', 'kube-prometheus-stack-prometheus');
    expect(ingress.metadata.annotations).toMatchObject({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec.rules.map((r: { host: string }) => r.host)).toEqual(['prometheus.lab.example.com']);
    expect(ingress.spec.tls).toEqual([{ secretName: 'prometheus-tls', hosts: ['prometheus.lab.example.com'] }]);
  });

  test('Gateway API routes from the chart values (main and per replica) render with the API declared', () => {
    const { objects } = combined();
    const routes = objectsOfKind(objects, 'HTTPRoute');
    expect(routes.map(r => r.spec.hostnames[0]).sort()).toEqual(['alertmanager.lab.example.com', 'prometheus.lab.example.com']);
    expect(routes.every(r => r.spec.parentRefs[0].name === 'lab')).toBe(true);
  });

  test('servicePerReplica Lists become one Service per replica, not a List object', () => {
    const { objects } = combined();
    expect(objectsOfKind(objects, 'List')).toEqual([]);
    const names = objectsOfKind(objects, 'Service').map(s => s.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['kube-prometheus-stack-prometheus-0', 'kube-prometheus-stack-prometheus-1', 'kube-prometheus-stack-alertmanager-0']));
    expect(findObject(objects, 'Prometheus', 'kube-prometheus-stack-prometheus').spec.replicas).toBe(2);
  });

  test('a key the chart then writes twice synthesizes with its last value, as kubectl keeps it', () => {
    const { objects } = combined();
    expect(findObject(objects, 'Prometheus', 'kube-prometheus-stack-prometheus').spec.logFormat).toBe('json');
  });

  test('admission webhooks with cert-manager render the Issuer and Certificates and no hook Job', () => {
    const { objects } = combined();
    expect(objectsOfKind(objects, 'Certificate').length).toBeGreaterThan(0);
    expect(objectsOfKind(objects, 'Job')).toEqual([]);
    const webhook = objectsOfKind(objects, 'ValidatingWebhookConfiguration')[0];
    expect(webhook.metadata.annotations['cert-manager.io/inject-ca-from']).toMatch(/^monitoring\//);
  });

  test('fails when admission webhooks use cert-manager but the cluster is not declared to serve it', () => {
    expect(() => synth({ values: { prometheusOperator: { admissionWebhooks: { enabled: true, certManager: { enabled: true } } } } }))
      .toThrow('values.prometheusOperator.admissionWebhooks.certManager.enabled is true, so the admission webhook\'s certificates are cert-manager Certificates, but the cluster is not declared to serve cert-manager; declare it (clusterApis: [ClusterApi.CERT_MANAGER_V1]');
  });

  test("a null that deletes what the chart's templates read: helm's error names the prop, the null and the chart's switch", () => {
    // Helm drops a key set to null with every default under it; the Grafana dashboards' templates read grafana.operator.
    expect(() => new MonitoringStack(Testing.app(), 'lab', { kubePrometheusStackValues: { grafana: null } as never })).toThrow(/nil pointer evaluating[^]*\nkubePrometheusStackValues sets grafana to null, and helm deletes a key set to null with every chart default under it; a template of the chart still reads grafana\.\S+\. Set only the keys under grafana that you mean to change, or grafana\.enabled: false to leave it out\.$/);
  });

  test("a null in a subchart's values that its own templates read: the hint names the whole path", () => {
    expect(() => synth({ values: { 'kube-state-metrics': { rbac: null } } as never })).toThrow(/\nvalues sets kube-state-metrics\.rbac to null, [^\n]*; a template of the chart still reads kube-state-metrics\.rbac\.\w+\. Set only the keys under kube-state-metrics\.rbac that you mean to change\.$/);
  });

  test('an Alertmanager config in the raw values replaces the default routing whole', () => {
    const { objects } = combined();
    const secret = findObject(objects, 'Secret', 'alertmanager-kube-prometheus-stack-alertmanager');
    const rendered = YAML.parse(Buffer.from(secret.data['alertmanager.yaml'], 'base64').toString());
    expect(rendered.route.receiver).toBe('ops');
    expect(rendered.receivers).toEqual(ALERTMANAGER_CONFIG.receivers);
    // Not the stack's own routing: its inhibition matches per object (node, disk, volume, ...).
    expect(rendered.inhibit_rules.flatMap((r: { equal: string[] }) => r.equal)).not.toContain('disk');
  });

  test('a raw admin password becomes the credentials, with the plain-text warning', () => {
    const { stack, objects } = combined();
    expect(stack.grafanaAdmin.existingSecretName).toBeUndefined();
    const secret = findObject(objects, 'Secret', 'kube-prometheus-stack-grafana');
    expect(Buffer.from(secret.data['admin-password'], 'base64').toString()).toBe('correct-horse');
  });

  test('fails when a raw admin password is shorter than 8 characters, naming the value', () => {
    expect(() => synth({ values: { grafana: { adminPassword: 'admin' } } }))
      .toThrow('values.grafana.adminPassword has 5 characters but needs at least 8');
  });

  test('a raw value equal to what a set prop gives is accepted', () => {
    const { objects } = synth({ grafanaService: ServiceExposure.nodePort(30300), values: { grafana: { service: { type: 'NodePort' } } } });
    expect(findObject(objects, 'Service', 'kube-prometheus-stack-grafana').spec.type).toBe('NodePort');
  });

  test.each([
    ['grafanaAdmin', { grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret('grafana-admin'), values: { grafana: { adminPassword: 'correct-horse' } } }, 'values.grafana.adminPassword is set, but the grafanaAdmin prop owns'],
    ['prometheusService', { prometheusService: ServiceExposure.nodePort(30090), values: { prometheus: { ingress: { enabled: true } } } }, 'values.prometheus.ingress.enabled is set, but the prometheusService prop owns how prometheus is reached'],
    ['controlPlane.etcd', { controlPlane: { etcd: ControlPlaneMonitoring.DISABLED }, values: { kubeEtcd: { enabled: true } } }, 'values.kubeEtcd.enabled is set, but the controlPlane.etcd prop owns whether etcd is scraped'],
  ])('fails when a raw value contradicts the %s prop, which was set', (_prop, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('controlPlane set for one component leaves the raw switches of the others alone', () => {
    const { objects } = synth({ controlPlane: { etcd: ControlPlaneMonitoring.DISABLED }, values: { kubeScheduler: { enabled: false } } });
    const monitors = objectsOfKind(objects, 'ServiceMonitor').map(m => m.metadata.name);
    expect(monitors).not.toContain('kube-prometheus-stack-kube-etcd');
    expect(monitors).not.toContain('kube-prometheus-stack-kube-scheduler');
    expect(monitors).toContain('kube-prometheus-stack-kube-controller-manager');
  });
});

describe('namespaceOverride', () => {
  test('moves the release, and the namespace that holds it is created with the Pod Security it needs', () => {
    const { stack, objects } = synth({ values: { namespaceOverride: 'observability' } });
    expect(stack.namespace.name).toBe('observability');
    const namespaced = objects.filter(o => o.metadata.namespace !== undefined && o.metadata.namespace !== 'kube-system');
    expect([...new Set(namespaced.map(o => o.metadata.namespace))]).toEqual(['observability']);
    expect(findObject(objects, 'Namespace', 'observability').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test("a component's own override gets a Namespace at its pods' level", () => {
    const { objects } = synth({ values: { grafana: { namespaceOverride: 'grafana' }, 'prometheus-node-exporter': { namespaceOverride: 'exporters' } } });
    expect(findObject(objects, 'Deployment', 'kube-prometheus-stack-grafana').metadata.namespace).toBe('grafana');
    expect(findObject(objects, 'Namespace', 'grafana').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(findObject(objects, 'Namespace', 'exporters').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('fails on MonitoringStack when it disagrees with monitoringNamespace, naming that prop', () => {
    const app = Testing.app();
    expect(() => new MonitoringStack(app, 'lab', { kubePrometheusStackValues: { namespaceOverride: 'observability' } }))
      .toThrow("kubePrometheusStackValues.namespaceOverride is 'observability' but the monitoringNamespace prop is the Namespace 'monitoring'; the release runs in one of them only: pass a Namespace named 'observability' as monitoringNamespace");
  });
});

describe('Longhorn with raw values where no prop was set', () => {
  test('namespaceOverride moves Longhorn, its Namespace is created privileged, and its monitoring follows', () => {
    const app = Testing.app();
    const stack = new MonitoringStack(app, 'lab', { longhornNamespace: 'storage', longhornValues: { namespaceOverride: 'storage' } });
    expect(stack.longhorn.namespace.name).toBe('storage');
    const chart = Testing.chart();
    const longhorn = new Longhorn(chart, 'Longhorn', { values: { namespaceOverride: 'storage' } });
    expect(longhorn.namespace.name).toBe('storage');
    const objects = Testing.synth(chart);
    expect(findObject(objects, 'DaemonSet', 'longhorn-manager').metadata.namespace).toBe('storage');
    expect(findObject(objects, 'Namespace', 'storage').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(() => new MonitoringStack(Testing.app(), 'lab', { longhornValues: { namespaceOverride: 'storage' } }))
      .toThrow("longhornValues.namespaceOverride is 'storage' but the longhornNamespace prop is the Namespace 'longhorn-system'");
  });

  test('the raw replica count and default-class switch stand, and what depends on them follows', () => {
    const chart = Testing.chart();
    const longhorn = new Longhorn(chart, 'Longhorn', { values: { persistence: { defaultClassReplicaCount: 2, defaultClass: false } } });
    expect(longhorn.replicaCount).toBe(2);
    expect(longhorn.defaultClass).toBe(false);
    const objects = Testing.synth(chart);
    const config = findObject(objects, 'ConfigMap', 'longhorn-storageclass');
    expect(config.data['storageclass.yaml']).toContain('numberOfReplicas: "2"');
    expect(config.data['storageclass.yaml']).toContain('is-default-class: "false"');
  });
});

describe('MonitoringStack on kubeadm', () => {
  test('controlPlane: { etcd: SCRAPE } scrapes exactly the default targets plus etcd', () => {
    const monitors = (controlPlane?: object) => {
      const app = new App({ outdir: '/tmp/unused' });
      const stack = new MonitoringStack(app, 'lab', { controlPlane });
      return stack.kubePrometheusStack.rendered!.manifests.filter(m => m.kind === 'ServiceMonitor').map(m => m.metadata.name).sort();
    };
    const defaults = monitors();
    expect(defaults).not.toContain('kube-prometheus-stack-kube-etcd');
    expect(monitors({ etcd: ControlPlaneMonitoring.SCRAPE })).toEqual([...defaults, 'kube-prometheus-stack-kube-etcd'].sort());
  });

  test('placement: WORKERS_ONLY keeps a user affinity for Prometheus and adds the worker-only term to it', () => {
    const app = new App({ outdir: '/tmp/unused' });
    const zone = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] };
    const stack = new MonitoringStack(app, 'lab', {
      placement: Placement.WORKERS_ONLY,
      kubePrometheusStackValues: { prometheus: { prometheusSpec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zone] }] } } } } } },
    });
    const prometheus = stack.kubePrometheusStack.rendered!.manifests.find(m => m.kind === 'Prometheus') as any;
    expect(prometheus.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [zone, { key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] },
    ]);
  });

  test('placement: WORKERS_ONLY composes with a typed prometheusSpec affinity too', () => {
    const chart = Testing.chart();
    const zone = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] };
    const stack = new KubePrometheusStack(chart, 'Stack', {
      placement: Placement.WORKERS_ONLY,
      prometheusSpec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zone] }] } } } },
    });
    const prometheus = stack.rendered!.manifests.find(m => m.kind === 'Prometheus') as any;
    expect(prometheus.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [zone, { key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] },
    ]);
  });
});
