import { Chart, Duration, Size, Testing } from 'cdk8s';
import { accessUrls } from '../lib/output/access-urls';
import { AccessMode, GrafanaAdminCredentials, PodSecurityLevel, KubePrometheusStack, KubePrometheusStackVersion, LonghornStorageClass, Namespace, ServiceExposure } from '../lib';
import { validateOutput } from '../lib/output/validation';
import { PrometheusSpecAlertingAlertmanagersPort, PrometheusSpecImagePullPolicy } from '../imports/prometheus-monitoring.coreos.com';
import { findObject, inventory, objectsOfKind } from './inventory';

describe('KubePrometheusStack on NodePorts with a Longhorn volume', () => {
  const chart = Testing.chart();
  const namespace = new Namespace(chart, 'ns', { name: 'monitoring' });
  const storageClass = new LonghornStorageClass(chart, 'sc', { name: 'longhorn-prometheus', replicaCount: 2 });
  const stack = new KubePrometheusStack(chart, 'Stack', {
    namespace,
    grafanaService: ServiceExposure.nodePort(30300),
    prometheusService: ServiceExposure.nodePort(30090),
    prometheusStorageClass: storageClass,
    prometheusStorageSize: Size.gibibytes(10),
    retention: Duration.days(15),
    prometheusResources: { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '2Gi' } },
    prometheusSpec: { scrapeInterval: '60s' },
    // Raw values where no typed prop owns them (see the test 'raw values are merged last').
    values: { prometheus: { prometheusSpec: { evaluationInterval: '45s' } }, alertmanager: { alertmanagerSpec: { logLevel: 'debug' } } },
  });
  const objects = Testing.synth(chart);
  const prometheus = findObject(objects, 'Prometheus', 'kube-prometheus-stack-prometheus');

  test('inventory matches the snapshot', () => {
    expect(inventory(objects)).toMatchSnapshot();
  });

  test('Prometheus data goes on a claim of the StorageClass construct, 10Gi', () => {
    expect(prometheus.metadata.namespace).toBe('monitoring');
    expect(prometheus.spec.storage.volumeClaimTemplate.spec).toEqual({
      storageClassName: storageClass.storageClassName,
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
    });
  });

  test('retention, resources and typed spec fields reach the Prometheus resource', () => {
    expect(prometheus.spec).toMatchObject({
      retention: '15d',
      retentionSize: '8704MB', // 85% of 10 GiB, in Prometheus' base-2 MB
      replicas: 1,
      scrapeInterval: '60s',
      resources: { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '2Gi' } },
    });
  });

  test('raw values are merged last, where no typed prop owns them, beside what typed props set', () => {
    expect(prometheus.spec).toMatchObject({ evaluationInterval: '45s', retention: '15d', scrapeInterval: '60s' });
    expect(findObject(objects, 'Alertmanager', 'kube-prometheus-stack-alertmanager').spec.logLevel).toBe('debug');
  });

  test('Grafana and Prometheus Services are NodePorts on the configured ports', () => {
    const grafana = findObject(objects, 'Service', 'kube-prometheus-stack-grafana');
    expect(grafana.spec.type).toBe('NodePort');
    expect(grafana.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual([30300]);
    const prom = findObject(objects, 'Service', 'kube-prometheus-stack-prometheus');
    expect(prom.spec.type).toBe('NodePort');
    expect(prom.spec.ports.filter((p: { name: string }) => p.name === 'http-web')[0].nodePort).toBe(30090);
  });

  test('Grafana reads its admin credentials from the referenced Secret; no password is rendered', () => {
    const grafana = findObject(objects, 'Deployment', 'kube-prometheus-stack-grafana');
    const env = grafana.spec.template.spec.containers.find((c: { name: string }) => c.name === 'grafana').env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-user' } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } },
    ]));
    expect(objectsOfKind(objects, 'Secret').filter(s => s.data?.['admin-password'] || s.stringData?.['admin-password'])).toEqual([]);
    expect(stack.grafanaAdmin.existingSecretName).toBe('grafana-admin');
  });

  test('labels chart objects with the pinned chart version', () => {
    const versions = new Set(objects.map(o => o.metadata.labels?.chart).filter(Boolean));
    expect(versions).toEqual(new Set(['kube-prometheus-stack-88.5.3']));
  });

  test('without crdScope, the CRDs go into a Chart of their own inside the construct, which cdk8s writes first', () => {
    expect(objectsOfKind(objects, 'CustomResourceDefinition')).toEqual([]);
    const crdChart = stack.node.findChild('crds') as Chart;
    expect(Testing.synth(crdChart).map(o => `${o.kind} ${o.spec.group}`)).toEqual(Array(10).fill('CustomResourceDefinition monitoring.coreos.com'));
  });

  test('needs no Helm hook: no admission-webhook certificate Jobs, no webhook configurations, operator without TLS', () => {
    expect(objectsOfKind(objects, 'Job')).toEqual([]);
    expect(objects.filter(o => /WebhookConfiguration$/.test(o.kind))).toEqual([]);
    expect(stack.rendered!.droppedHooks.filter(d => d.hook !== 'test')).toEqual([]);
    const operator = findObject(objects, 'Deployment', 'kube-prometheus-stack-operator');
    expect(operator.spec.template.spec.containers[0].args).toContain('--web.enable-tls=false');
    expect(JSON.stringify(operator)).not.toMatch(/admission/);
  });

  test('renders no Helm test Pods and no hook annotations', () => {
    expect(objectsOfKind(objects, 'Pod')).toEqual([]);
    expect(objects.filter(o => Object.keys(o.metadata.annotations ?? {}).some(k => k.startsWith('helm.sh/hook')))).toEqual([]);
  });
});

describe('KubePrometheusStack', () => {
  const sc = () => ({ storageClassName: 'longhorn-prometheus' });

  test('defaults: own monitoring namespace, ClusterIP Services, no volume claim, 10 days retention', () => {
    const chart = Testing.chart();
    new KubePrometheusStack(chart, 'Stack');
    const objects = Testing.synth(chart);
    expect(findObject(objects, 'Namespace', 'monitoring')).toBeDefined();
    expect(findObject(objects, 'Service', 'kube-prometheus-stack-grafana').spec.type).toBe('ClusterIP');
    const prometheus = findObject(objects, 'Prometheus', 'kube-prometheus-stack-prometheus');
    expect(prometheus.spec.storage).toBeUndefined();
    expect(prometheus.spec.retention).toBe('10d');
  });

  // The typed props below do not exclude each other, so one stack carries them all: one render, not four.
  let customised: { objects: any[]; warnings: unknown[][] } | undefined;
  const customisedStack = () => {
    if (customised) return customised;
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const chart = Testing.chart();
      new KubePrometheusStack(chart, 'Stack', {
        crdScope: chart,
        prometheusSpec: {
          image: 'quay.io/prometheus/prometheus:v3.5.0', // a string in the CRD, an object in the chart values
          imagePullPolicy: PrometheusSpecImagePullPolicy.IF_NOT_PRESENT, // not passed through by the chart
          alerting: { alertmanagers: [{ name: 'external-am', namespace: 'ops', port: PrometheusSpecAlertingAlertmanagersPort.fromString('web') }] },
          scrapeInterval: '60s',
        },
        prometheusStorageClass: sc(), prometheusStorageSize: '50Gi', retentionSize: Size.gibibytes(40),
        grafanaService: ServiceExposure.ingress({ host: 'grafana.lab.example.com', ingressClassName: 'nginx', tlsSecretName: 'lab-tls' }),
        prometheusService: ServiceExposure.ingress({ host: 'prometheus.lab.example.com' }),
        alertmanagerService: ServiceExposure.ingress({ host: 'alerts.lab.example.com', ingressClassName: 'nginx' }),
        grafanaAdmin: GrafanaAdminCredentials.unsafePlaintext('admin', 'correct-horse'),
      });
      customised = { objects: Testing.synth(chart), warnings: warn.mock.calls };
      return customised;
    } finally {
      warn.mockRestore();
    }
  };

  test('typed prometheusSpec fields land on the Prometheus object, even those the chart values would reshape or drop', () => {
    const spec = findObject(customisedStack().objects, 'Prometheus', 'kube-prometheus-stack-prometheus').spec;
    expect(spec).toMatchObject({
      image: 'quay.io/prometheus/prometheus:v3.5.0',
      imagePullPolicy: 'IfNotPresent',
      alerting: { alertmanagers: [{ name: 'external-am', namespace: 'ops', port: 'web' }] },
      scrapeInterval: '60s',
      retention: '10d', // props still apply where the typed spec is silent
    });
  });

  test('fails when prometheusSpec is set but Prometheus is disabled', () => {
    expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', { prometheusSpec: { scrapeInterval: '60s' }, values: { prometheus: { enabled: false } } }))
      .toThrow('prometheusSpec is set but values.prometheus.enabled is false, so there is no Prometheus to set it on; enable Prometheus in the values or drop prometheusSpec');
  });

  test('retentionSize: given sizes are kept; no default without a volume', () => {
    expect(findObject(customisedStack().objects, 'Prometheus', 'kube-prometheus-stack-prometheus').spec.retentionSize).toBe('40960MB');
    const bare = Testing.chart();
    new KubePrometheusStack(bare, 'Stack');
    expect(findObject(Testing.synth(bare), 'Prometheus', 'kube-prometheus-stack-prometheus').spec.retentionSize).toBeUndefined();
  });

  test('Ingress exposure: an Ingress per UI with host, class and TLS, Services ClusterIP, URLs listed', () => {
    const { objects } = customisedStack();
    expect(findObject(objects, 'Ingress', 'kube-prometheus-stack-grafana').spec).toMatchObject({
      ingressClassName: 'nginx', tls: [{ secretName: 'lab-tls', hosts: ['grafana.lab.example.com'] }],
      rules: [{ host: 'grafana.lab.example.com' }],
    });
    expect(objectsOfKind(objects, 'Service').filter(s => s.spec.type === 'NodePort')).toEqual([]);
    expect(accessUrls([{ file: 'f', objects }]).map(u => u.url).sort()).toEqual([
      'http://alerts.lab.example.com/', 'http://prometheus.lab.example.com/', 'https://grafana.lab.example.com/',
    ]);
  });

  test('the customised stack, CRDs included, passes validation', () => {
    const { objects } = customisedStack();
    expect(objectsOfKind(objects, 'CustomResourceDefinition').length).toBe(10);
    expect(validateOutput([{ file: 'f', objects }]).problems).toEqual([]);
  });


  test('fails when a raw value contradicts a typed prop that is set, naming the prop and why', () => {
    expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', { grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret('grafana-admin'), values: { grafana: { adminPassword: 'hunter2-hunter2' } } }))
      .toThrow("values.grafana.adminPassword is set, but the grafanaAdmin prop owns Grafana's admin credentials (the existing Secret the prop names wins over adminPassword, so this value would be silently ignored); use grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(...)");
  });

  test.each([
    ['prometheusOperator.admissionWebhooks.enabled', { prometheusOperator: { admissionWebhooks: { enabled: true } } }, /Helm hook Jobs/],
    ['prometheusOperator.tls.enabled', { prometheusOperator: { tls: { enabled: true } } }, /TLS Secret that the admission webhook hook Jobs make/],
  ])('fails when raw values bring back a Helm hook (%s), saying what', (path, values, why) => {
    expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', { values })).toThrow(`values.${path}`);
    expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', { values })).toThrow(why);
  });

  test('fails when a raw value contradicts a typed prop that is set, naming the prop', () => {
    expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', { retention: Duration.days(10), values: { prometheus: { prometheusSpec: { retention: '2d' } } } }))
      .toThrow('values.prometheus.prometheusSpec.retention is set, but the retention prop owns this value; set retention instead');
  });

  test('unsafePlaintext credentials are rendered into the chart Secret, with a warning', () => {
    const { objects, warnings } = customisedStack();
    const secret = findObject(objects, 'Secret', 'kube-prometheus-stack-grafana');
    expect(Buffer.from(secret.data['admin-password'], 'base64').toString()).toBe('correct-horse');
    expect(warnings).toContainEqual([expect.stringContaining("Grafana's admin password is written into the output in plain text"), { code: 'CDK8S_PLAINTEXT_SECRET' }]);
  });

  test.each([
    ['grafanaService node port is below 30000', { grafanaService: ServiceExposure.nodePort(8080) }, 'grafanaService has node port 8080 but node ports must be whole numbers from 30000 to 32767'],
    ['prometheusService node port is above 32767', { prometheusService: ServiceExposure.nodePort(32768) }, 'prometheusService has node port 32768 but node ports must be whole numbers from 30000 to 32767'],
    ['both Services take one node port', { grafanaService: ServiceExposure.nodePort(30090), prometheusService: ServiceExposure.nodePort(30090) }, 'grafanaService and prometheusService both use node port 30090'],
    ['Alertmanager takes Grafana\'s node port', { grafanaService: ServiceExposure.nodePort(30300), alertmanagerService: ServiceExposure.nodePort(30300) }, 'grafanaService and alertmanagerService both use node port 30300'],
    ['an Ingress host is not a DNS name', { grafanaService: ServiceExposure.ingress({ host: 'Grafana Lab' }) }, "grafanaService has Ingress host 'Grafana Lab' but a host must be a lowercase DNS name"],
    ["prometheusStorageSize is '10GB'", { prometheusStorageClass: sc(), prometheusStorageSize: '10GB' }, "prometheusStorageSize is '10GB' but must be a positive Kubernetes quantity such as '10Gi'"],
    ['a size is given without a StorageClass', { prometheusStorageSize: '10Gi' }, "prometheusStorageSize is '10Gi' but prometheusStorageClass is not set"],
    ['an access mode is given without a StorageClass', { prometheusStorageAccessMode: AccessMode.READ_WRITE_ONCE_POD }, "prometheusStorageAccessMode is 'ReadWriteOncePod' but prometheusStorageClass is not set"],
    ['retention is zero', { retention: Duration.days(0) }, "retention is '0' but must be longer than zero"],
    ['retention is not in Prometheus\' syntax', { retention: '10 days' }, "retention is '10 days' but must be a Prometheus duration such as '5m', '1h30m' or '30s'"],
    ['retentionSize fills the volume', { prometheusStorageClass: sc(), prometheusStorageSize: '10Gi', retentionSize: '10GB' }, "retentionSize is '10GB' but must be below the Prometheus volume (10Gi): Prometheus would fill it and crash-loop before deleting old data; the default, 8704MB (85%), leaves room for the write-ahead log and compaction"],
    ['retentionSize is in Kubernetes units', { retentionSize: '8Gi' }, "retentionSize is '8Gi' but must be a size in Prometheus' units such as '8GB'"],
    ['a resource quantity has a space', { prometheusResources: { limits: { memory: '2 GiB' } } }, "prometheusResources.limits.memory is '2 GiB' but must be a Kubernetes quantity"],
    ['the version is not an exact version', { version: '88.5' as KubePrometheusStackVersion }, "version is '88.5' but must be an exact kube-prometheus-stack chart version such as '88.5.3' (tested: 88.5.3)"],
    ['the namespace enforces a Pod Security level below privileged', { namespace: new Namespace(Testing.chart(), 'ns', { name: 'monitoring', podSecurity: PodSecurityLevel.BASELINE }) }, "namespace is the Namespace 'monitoring', which enforces Pod Security 'baseline', but node-exporter's pods (host network, PID namespace and paths) need 'privileged'"],
    ['releaseName is not a DNS label', { releaseName: 'My_Release' }, "releaseName is 'My_Release' but a Helm release name must be lowercase"],
  ])('fails when %s', (_case, props, message) => {
    expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', props)).toThrow(message);
  });

  test('fails when GrafanaAdminCredentials.unsafePlaintext gets a short password', () => {
    expect(() => GrafanaAdminCredentials.unsafePlaintext('admin', 'admin')).toThrow('password has 5 characters but needs at least 8');
  });
});
