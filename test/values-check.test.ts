import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { create as createTar, Parser } from 'tar';
import { controlPlaneValues, KUBEADM_CONTROL_PLANE } from '../lib/constructs/control-plane';
import { GrafanaAdminCredentials } from '../lib/constructs/grafana-admin';
import { chartsDir } from '../lib/render/chart-source';
import { DiskCache } from '../lib/render/cache';
import { chartValuesSourceOf } from '../lib/render/chart-values-source';
import { commentedValues } from '../lib/render/commented-values';
import {
  ChartValuesSource, checkChartValues, checkHookRevivingValues, formatPath, OwnedValue, readChartValuesSource, ValuesProblem, ValuesProblemKind,
} from '../lib/render/values-check';
import { resolvedValuesModel, valuesModel, valuesModelCacheKey } from '../lib/render/values-model';
import { unknownKeys, valuesTree, ValuesTreeSources } from '../lib/render/values-tree';

const archive = (file: string) => path.join(chartsDir(), file);
const kps = readChartValuesSource(archive('kube-prometheus-stack-88.5.3.tgz'));
const LONGHORN_VERSIONS = ['1.6.2', '1.7.3', '1.12.1'];
const longhorn = Object.fromEntries(LONGHORN_VERSIONS.map(v => [v, readChartValuesSource(archive(`longhorn-${v}.tgz`))]));

function checkKps(values: Record<string, unknown>, ownedPaths?: OwnedValue[]): ValuesProblem[] {
  return checkChartValues({ chart: 'kube-prometheus-stack', version: '88.5.3', chartFiles: kps, values, valuesProp: 'kubePrometheusStackValues', ownedPaths });
}

function checkLonghorn(version: string, values: Record<string, unknown>): ValuesProblem[] {
  return checkChartValues({ chart: 'longhorn', version, chartFiles: longhorn[version], values, valuesProp: 'longhornValues' });
}

const messages = (problems: ValuesProblem[]) => problems.map(p => p.message);
const nest = (keys: readonly string[], value: unknown): Record<string, unknown> => keys.reduceRight<Record<string, unknown>>((v, k) => ({ [k]: v }), value as Record<string, unknown>);

describe('readChartValuesSource', () => {
  test('reads kube-prometheus-stack with each subchart under the key its values live under', () => {
    expect(`${kps.name} ${kps.version}`).toBe('kube-prometheus-stack 88.5.3');
    expect(Object.fromEntries(Object.entries(kps.subcharts).map(([key, sub]) => [key, `${sub.name} ${sub.version}`]))).toEqual({
      'crds': 'crds 0.0.0',
      'grafana': 'grafana 12.11.1',
      'kube-state-metrics': 'kube-state-metrics 8.4.0',
      'prometheus-node-exporter': 'prometheus-node-exporter 4.56.1',
      'prometheus-windows-exporter': 'prometheus-windows-exporter 0.12.8',
    });
    expect(kps.subcharts.grafana.valuesYaml).toContain('adminUser: admin');
    expect(Object.keys(kps.subcharts.grafana.templates)).toContain('templates/_pod.tpl');
    expect(kps.dependencies.find(d => d.name === 'grafana')?.conditions).toEqual(['grafana.enabled']);
  });

  test('reads an archive once per process', () => {
    expect(readChartValuesSource(archive('kube-prometheus-stack-88.5.3.tgz'))).toBe(kps);
  });

  test('reads subcharts packed as nested archives, under their alias', () => {
    const demo = demoChart();
    expect(Object.keys(demo.subcharts)).toEqual(['kid']);
    expect(demo.subcharts.kid.name).toBe('child');
    expect(demo.subcharts.kid.valuesSchemaJson).toContain('"replicas"');
    expect(demo.dependencies).toEqual([{ name: 'child', alias: 'kid', conditions: ['kid.enabled'], tags: [] }]);
  });

  test('reads a chart folder as it reads an archive', () => {
    const folder = path.join(demoDir(), 'demo');
    const fromFolder = readChartValuesSource(folder);
    expect({ ...fromFolder, templates: {} }).toEqual({ ...demoChart(), templates: {} });
  });

  test('fails when the archive holds no chart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-check-'));
    fs.mkdirSync(path.join(dir, 'notachart'));
    fs.writeFileSync(path.join(dir, 'notachart', 'values.yaml'), 'a: 1\n');
    createTar({ gzip: true, sync: true, cwd: dir, file: path.join(dir, 'bad.tgz') }, ['notachart']);
    expect(() => readChartValuesSource(path.join(dir, 'bad.tgz'))).toThrow(`${path.join(dir, 'bad.tgz')}: notachart/Chart.yaml is missing; is this a packaged Helm chart?`);
  });
});

describe('checkChartValues on kube-prometheus-stack 88.5.3', () => {
  test('fails when a top-level key is misspelt', () => {
    expect(messages(checkKps({ alertmanger: { enabled: false } }))).toEqual([
      'kubePrometheusStackValues.alertmanger is not a value of kube-prometheus-stack 88.5.3; did you mean alertmanager?',
    ]);
  });

  test('fails when a key of a subchart is misspelt, naming the subchart', () => {
    const problems = checkKps({ grafana: { adminPasword: 'x' } });
    expect(problems).toEqual([{
      kind: ValuesProblemKind.UNKNOWN_KEY,
      path: 'grafana.adminPasword',
      message: 'kubePrometheusStackValues.grafana.adminPasword is not a value of kube-prometheus-stack 88.5.3 (grafana 12.11.1); did you mean grafana.adminPassword?',
    }]);
  });

  test('fails when a key under a known map is misspelt', () => {
    expect(messages(checkKps({ prometheus: { prometheusSpec: { retension: '10d' } } }))).toEqual([
      'kubePrometheusStackValues.prometheus.prometheusSpec.retension is not a value of kube-prometheus-stack 88.5.3; did you mean prometheus.prometheusSpec.retention?',
    ]);
  });

  test('fails when a key sits at the wrong level, pointing to where it belongs', () => {
    expect(messages(checkKps({ prometheus: { retention: '10d' }, prometheusSpec: {} }))).toEqual([
      'kubePrometheusStackValues.prometheus.retention is not a value of kube-prometheus-stack 88.5.3; did you mean prometheus.prometheusSpec.retention?',
      'kubePrometheusStackValues.prometheusSpec is not a value of kube-prometheus-stack 88.5.3; did you mean prometheus.prometheusSpec?',
    ]);
  });

  test('fails when a key was split in a newer chart, listing the keys that replaced it', () => {
    expect(messages(checkKps({ defaultRules: { rules: { k8s: false } } }))).toEqual([
      'kubePrometheusStackValues.defaultRules.rules.k8s is not a value of kube-prometheus-stack 88.5.3; the keys at defaultRules.rules that start with \'k8s\' are '
      + 'k8sContainerCpuLimits, k8sContainerCpuRequests, k8sContainerCpuUsageSecondsTotal, k8sContainerMemoryCache, k8sContainerMemoryLimits, k8sContainerMemoryRequests, '
      + 'k8sContainerMemoryRss, k8sContainerMemorySwap, k8sContainerMemoryWorkingSetBytes, k8sContainerResource, k8sPodOwner',
    ]);
  });

  test('fails when a subchart\'s value is given to the parent, pointing into the subchart', () => {
    expect(messages(checkKps({ adminPassword: 'x' }))).toEqual([
      'kubePrometheusStackValues.adminPassword is not a value of kube-prometheus-stack 88.5.3; did you mean grafana.adminPassword?',
    ]);
  });

  test('fails when a key is misspelt in any subchart, or differs only in case', () => {
    expect(messages(checkKps({
      'kube-state-metrics': { metricLabelsAllowList: [] },
      'prometheus-node-exporter': { hostRootFsMount: { enable: true } },
      'defaultRules': { rules: { kubeProxi: false } },
    }))).toEqual([
      'kubePrometheusStackValues.kube-state-metrics.metricLabelsAllowList is not a value of kube-prometheus-stack 88.5.3 (kube-state-metrics 8.4.0); did you mean kube-state-metrics.metricLabelsAllowlist?',
      'kubePrometheusStackValues.prometheus-node-exporter.hostRootFsMount.enable is not a value of kube-prometheus-stack 88.5.3 (prometheus-node-exporter 4.56.1); did you mean prometheus-node-exporter.hostRootFsMount.enabled?',
      'kubePrometheusStackValues.defaultRules.rules.kubeProxi is not a value of kube-prometheus-stack 88.5.3; did you mean defaultRules.rules.kubeProxy?',
    ]);
  });

  test('accepts what goes into maps the chart leaves open', () => {
    expect(checkKps({
      prometheus: {
        prometheusSpec: {
          nodeSelector: { 'kubernetes.io/os': 'linux', 'node-role': 'monitoring' },
          podMetadata: { annotations: { 'example.com/team': 'sre' } },
          additionalScrapeConfigs: [{ job_name: 'node', static_configs: [{ targets: ['10.0.0.1:9100'] }] }],
          resources: { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '2Gi' } },
          securityContext: { runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
          externalLabels: { cluster: 'lab' },
          storageSpec: { volumeClaimTemplate: { spec: { storageClassName: 'longhorn', resources: { requests: { storage: '10Gi' } } } } },
        },
        service: { annotations: { 'example.com/x': 'y' } },
      },
      thanosRuler: { thanosRulerSpec: { extraEnv: [{ name: 'A', value: 'b' }] } },
      grafana: {
        'podAnnotations': { 'example.com/a': 'b' },
        'grafana.ini': { 'server': { root_url: 'https://grafana.example.com' }, 'auth.anonymous': { enabled: true } },
        'env': { GF_FEATURE_TOGGLES_ENABLE: 'x' },
        'containerSecurityContext': { readOnlyRootFilesystem: false },
      },
      alertmanager: { config: { global: { slack_api_url: 'https://hooks.example.com' }, route: { receiver: 'slack' }, receivers: [{ name: 'slack' }] } },
      prometheusOperator: { tolerations: [{ key: 'x', operator: 'Exists' }], affinity: { nodeAffinity: {} } },
    })).toEqual([]);
  });

  test('knows why a map is open: its default, a Kubernetes field, or a template that passes it on whole', () => {
    const tree = valuesTree(kps);
    const at = (...keys: string[]) => keys.reduce((n, k) => n.children.get(k)!, tree);
    expect(at('prometheus', 'prometheusSpec', 'nodeSelector').open).toBe('empty default');
    expect(at('prometheus', 'prometheusSpec', 'additionalScrapeConfigs').open).toBe('a list (its items are not checked)');
    expect(at('grafana', 'containerSecurityContext').open).toBe('the Kubernetes field securityContext, whose keys Kubernetes defines');
    expect(at('alertmanager', 'config').open).toBe('passed on whole by templates/alertmanager/secret.yaml');
    expect(at('grafana', 'grafana.ini').open).toBe('passed on whole by templates/_config.tpl');
    expect(at('prometheus', 'prometheusSpec').open).toBeUndefined();
    expect(at('defaultRules', 'additionalRuleGroupLabels').open).toBeUndefined();
  });

  test('accepts global at every chart and subchart root', () => {
    expect(checkKps({
      'global': { imageRegistry: 'registry.example.com', imagePullSecrets: [{ name: 'pull' }], anything: { a: 1 } },
      'grafana': { global: { imageRegistry: 'registry.example.com' } },
      'kube-state-metrics': { global: { imagePullSecrets: ['pull'] } },
    })).toEqual([]);
  });

  test('fails when global sits below a chart root', () => {
    expect(messages(checkKps({ prometheus: { global: {} } }))).toEqual([
      'kubePrometheusStackValues.prometheus.global is not a value of kube-prometheus-stack 88.5.3; did you mean global?',
    ]);
  });

  test('accepts the values this library\'s constructs set', () => {
    const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
    expect(checkKps({
      ...controlPlaneValues(KUBEADM_CONTROL_PLANE),
      'prometheusOperator': { admissionWebhooks: { enabled: false }, tls: { enabled: false }, resources },
      'grafana': {
        ...GrafanaAdminCredentials.fromExistingSecret('grafana-admin').grafanaValues,
        ...GrafanaAdminCredentials.unsafePlaintext('admin', 'long-enough-password').grafanaValues,
        service: { type: 'NodePort', nodePort: 30300 },
        ingress: { enabled: true, hosts: ['grafana.lab'], path: '/', ingressClassName: 'nginx', tls: [{ secretName: 's', hosts: ['grafana.lab'] }] },
        resources,
      },
      'alertmanager': { service: { type: 'ClusterIP' }, ingress: { enabled: true, hosts: ['am.lab'], paths: ['/'] }, alertmanagerSpec: { resources } },
      'kube-state-metrics': { resources },
      'prometheus': {
        service: { type: 'NodePort', nodePort: 30090 },
        prometheusSpec: {
          retention: '10d', retentionSize: '8704MB', replicas: 1, resources,
          storageSpec: { volumeClaimTemplate: { spec: { storageClassName: 'longhorn-prometheus', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } } },
        },
      },
    })).toEqual([]);
  });

  test('accepts values commonly set in kube-prometheus-stack installs', () => {
    expect(checkKps({
      crds: { enabled: true },
      defaultRules: { rules: { etcd: false, kubeProxy: false }, disabled: { KubeMemoryOvercommit: true } },
      kubeEtcd: { enabled: false },
      kubeControllerManager: { endpoints: ['10.0.0.10'], service: { port: 10257, targetPort: 10257 }, serviceMonitor: { https: true, insecureSkipVerify: true } },
      kubelet: { serviceMonitor: { cAdvisor: true } },
      nodeExporter: { enabled: true },
      kubeStateMetrics: { enabled: true },
      prometheusOperator: { admissionWebhooks: { patch: { enabled: false }, certManager: { enabled: false } } },
      prometheus: {
        ingress: { enabled: true, ingressClassName: 'nginx', hosts: ['prometheus.example.com'], annotations: { 'cert-manager.io/cluster-issuer': 'le' } },
        prometheusSpec: {
          podMonitorSelectorNilUsesHelmValues: false, serviceMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false,
          scrapeInterval: '30s', evaluationInterval: '30s', walCompression: true, enableAdminAPI: false, priorityClassName: 'system-cluster-critical',
          remoteWrite: [{ url: 'https://mimir.example.com/api/v1/push' }], serviceMonitorSelector: { matchLabels: { release: 'kps' } },
        },
      },
      alertmanager: { alertmanagerSpec: { storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '1Gi' } } } } } } },
      grafana: {
        defaultDashboardsTimezone: 'browser', adminUser: 'admin', persistence: { enabled: true, size: '5Gi' }, plugins: ['grafana-piechart-panel'],
        sidecar: { dashboards: { searchNamespace: 'ALL', label: 'grafana_dashboard' }, datasources: { defaultDatasourceEnabled: true } },
        additionalDataSources: [{ name: 'Loki', type: 'loki', url: 'http://loki:3100' }],
        dashboardProviders: { 'dashboardproviders.yaml': { apiVersion: 1, providers: [] } },
        dashboards: { default: { node: { gnetId: 1860, revision: 37, datasource: 'Prometheus' } } },
        envFromSecret: 'grafana-env', smtp: { existingSecret: 'smtp' }, serviceMonitor: { enabled: true },
      },
      'kube-state-metrics': { metricLabelsAllowlist: ['pods=[app]'], prometheus: { monitor: { honorLabels: true } } },
      'prometheus-node-exporter': { hostRootFsMount: { enabled: false }, tolerations: [{ operator: 'Exists' }] },
    })).toEqual([]);
  });

  test('fails when a typed prop owns the value, naming the prop and the fix', () => {
    const owned: OwnedValue[] = [{
      path: 'grafana.adminPassword', prop: 'grafanaAdmin', owns: 'Grafana\'s admin credentials',
      hint: 'an existing Secret wins over adminPassword, so this value would be silently ignored',
      use: 'use grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(...) or GrafanaAdminCredentials.unsafePlaintext(...)',
    }, { path: 'grafana.admin', prop: 'grafanaAdmin' }];
    expect(checkKps({ grafana: { adminPassword: 'x', admin: { userKey: 'user' } } }, owned)).toEqual([{
      kind: ValuesProblemKind.OWNED_BY_PROP,
      path: 'grafana.adminPassword',
      message: 'kubePrometheusStackValues.grafana.adminPassword is set, but the grafanaAdmin prop owns Grafana\'s admin credentials (an existing Secret wins over adminPassword, so this value would be silently ignored); use grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(...) or GrafanaAdminCredentials.unsafePlaintext(...)',
    }, {
      kind: ValuesProblemKind.OWNED_BY_PROP,
      path: 'grafana.admin',
      message: 'kubePrometheusStackValues.grafana.admin is set, but the grafanaAdmin prop owns this value; set grafanaAdmin instead',
    }]);
    expect(checkKps({ grafana: { adminUser: 'root' } }, owned)).toEqual([]);
  });

  test('fails when an owned key below the one set is in the values', () => {
    expect(messages(checkKps({ prometheus: { prometheusSpec: { retention: '30d' } } }, [{ path: 'prometheus.prometheusSpec.retention', prop: 'retention' }]))).toEqual([
      'kubePrometheusStackValues.prometheus.prometheusSpec.retention is set, but the retention prop owns this value; set retention instead',
    ]);
  });

  test('accepts every commented example of kube-prometheus-stack and its subcharts (494 of 494)', () => {
    const examples = chartExamples(kps);
    expect(examples.length).toBe(494);
    expect(rejectedExamples(kps, examples)).toEqual([]);
  });

  test('the examples are accepted from two sources that do not see each other: comments alone, or templates alone; defaults alone take 333 of 494', () => {
    const examples = chartExamples(kps);
    expect(rejectedExamples(kps, examples, { templates: false, kubernetesFields: false })).toEqual([]);
    expect(rejectedExamples(kps, examples, { comments: false, kubernetesFields: false })).toEqual([]);
    expect(rejectedExamples(kps, examples, { comments: false, templates: false, kubernetesFields: false }).length).toBe(494 - 333);
  });

  test('accepts keys that only the templates read (68 in kube-prometheus-stack), such as grafana.service.nodePort', () => {
    const values = { grafana: { service: { nodePort: 30300 } }, kubelet: { serviceMonitor: { scrapeTimeout: '10s' } }, defaultRules: { rules: { k8sContainerCpuLimits: false } } };
    expect(unknownKeys(valuesTree(kps, { templates: false }), values).map(u => u.path.join('.'))).toEqual([
      'grafana.service.nodePort', 'kubelet.serviceMonitor.scrapeTimeout', 'defaultRules.rules.k8sContainerCpuLimits',
    ]);
    expect(checkKps(values)).toEqual([]);
  });

  test('answers the same values the same way', () => {
    const values = { grafana: { adminPasword: 'x' }, alertmanger: {} };
    expect(checkKps(values)).toEqual(checkKps(values));
  });
});

describe('checkChartValues on Longhorn 1.6.2, 1.7.3 and 1.12.1', () => {
  const common = {
    global: { nodeSelector: { 'kubernetes.io/os': 'linux' } },
    persistence: { defaultClass: true, defaultClassReplicaCount: 2, reclaimPolicy: 'Retain' },
    defaultSettings: { defaultDataPath: '/var/lib/longhorn/', replicaSoftAntiAffinity: true, storageMinimalAvailablePercentage: 15 },
    longhornUI: { replicas: 2, nodeSelector: { 'node-role.kubernetes.io/worker': 'true' } },
    longhornManager: { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] },
    longhornDriver: { nodeSelector: {} },
    preUpgradeChecker: { jobEnabled: false },
    csi: { kubeletRootDir: '/var/lib/kubelet' },
    ingress: { enabled: true, host: 'longhorn.example.com', annotations: { 'nginx.ingress.kubernetes.io/auth-type': 'basic' } },
    metrics: { serviceMonitor: { enabled: true } },
    namespaceOverride: 'longhorn-system',
  };

  test.each(LONGHORN_VERSIONS)('accepts values valid for every version (%s)', version => {
    expect(checkLonghorn(version, common)).toEqual([]);
  });

  test.each(LONGHORN_VERSIONS)('fails when a default setting is misspelt (%s)', version => {
    expect(messages(checkLonghorn(version, { defaultSettings: { defaultReplicaCout: 2 } }))).toEqual([
      `longhornValues.defaultSettings.defaultReplicaCout is not a value of longhorn ${version}; did you mean defaultSettings.defaultReplicaCount?`,
    ]);
  });

  test('fails when a value of a newer Longhorn is given to 1.6.2', () => {
    expect(checkLonghorn('1.12.1', { defaultBackupStore: { backupTarget: 's3://backups@us-east-1/' } })).toEqual([]);
    expect(messages(checkLonghorn('1.6.2', { defaultBackupStore: { backupTarget: 's3://backups@us-east-1/' } }))).toEqual([
      'longhornValues.defaultBackupStore is not a value of longhorn 1.6.2; Helm would ignore \'defaultBackupStore\' without a word; remove it or fix its name',
    ]);
  });

  test('fails when a key under a map named like a Kubernetes field is misspelt, where the templates read that map key by key', () => {
    // `defaultNodeSelector` is Longhorn's `{ enable, selector }`, `image.csi.livenessProbe` an image, not a Probe.
    expect(messages(checkLonghorn('1.12.1', { persistence: { defaultNodeSelector: { enabled: true } }, image: { csi: { livenessProbe: { tga: 'v2' } } } }))).toEqual([
      'longhornValues.persistence.defaultNodeSelector.enabled is not a value of longhorn 1.12.1; did you mean persistence.defaultNodeSelector.enable?',
      'longhornValues.image.csi.livenessProbe.tga is not a value of longhorn 1.12.1; did you mean image.csi.livenessProbe.tag?',
    ]);
    expect(checkLonghorn('1.12.1', { longhornUI: { affinity: { nodeAffinity: {} } }, longhornManager: { updateStrategy: { type: 'OnDelete' } } })).toEqual([]);
  });

  test('fails when settings that moved in 1.8 are given to 1.12.1 where they were, pointing to where they went', () => {
    const values = { defaultSettings: { backupTarget: 's3://backups@us-east-1/', backupstorePollInterval: 300 } };
    expect(checkLonghorn('1.7.3', values)).toEqual([]);
    expect(messages(checkLonghorn('1.12.1', values))).toEqual([
      'longhornValues.defaultSettings.backupTarget is not a value of longhorn 1.12.1; did you mean defaultBackupStore.backupTarget?',
      'longhornValues.defaultSettings.backupstorePollInterval is not a value of longhorn 1.12.1; did you mean defaultBackupStore.pollInterval?',
    ]);
  });

  test.each(LONGHORN_VERSIONS)('fails when a key differs only in case (%s)', version => {
    expect(messages(checkLonghorn(version, { defaultSettings: { guaranteedInstanceManagerCpu: 12 } }))).toEqual([
      `longhornValues.defaultSettings.guaranteedInstanceManagerCpu is not a value of longhorn ${version}; did you mean defaultSettings.guaranteedInstanceManagerCPU?`,
    ]);
  });

  test.each(LONGHORN_VERSIONS)('accepts every commented example (%s)', version => {
    expect(rejectedExamples(longhorn[version], chartExamples(longhorn[version]))).toEqual([]);
  });

  test('accepts the variables of questions.yaml (Rancher\'s UI), except UI switches and three the 1.12.1 templates never read', () => {
    const rejected = Object.fromEntries(LONGHORN_VERSIONS.map(version => {
      const variables = [...archiveFile(archive(`longhorn-${version}.tgz`), 'longhorn/questions.yaml').matchAll(/^\s*- variable: *([A-Za-z][\w.]*)/gm)].map(m => m[1]);
      const tree = valuesTree(longhorn[version]);
      return [version, variables.filter(v => unknownKeys(tree, nest(v.split('.'), 'x')).length)];
    }));
    expect(rejected).toEqual({
      '1.6.2': ['image.defaultImage', 'longhorn.default_setting'],
      '1.7.3': ['image.defaultImage', 'longhorn.default_setting'],
      '1.12.1': ['image.defaultImage', 'longhorn.default_setting', 'defaultSettings.EndpointNetworkForRWXVolume', 'defaultSettings.backupBlockSize',
        'longhorn.default_resource', 'defaultBackupStore.backupstorePollInterval'],
    });
    expect(messages(checkLonghorn('1.12.1', { defaultSettings: { EndpointNetworkForRWXVolume: 'x' } }))).toEqual([
      'longhornValues.defaultSettings.EndpointNetworkForRWXVolume is not a value of longhorn 1.12.1; did you mean defaultSettings.endpointNetworkForRWXVolume?',
    ]);
  });
});

describe('a chart as the render resolves it (archive or folder, and digest)', () => {
  const file = archive('longhorn-1.12.1.tgz');
  // A cache folder of its own: the digests below are made up, and must not reach the machine's cache.
  const savedCacheDir = process.env.CDK8S_CACHE_DIR;
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-models-'));
    process.env.CDK8S_CACHE_DIR = cacheDir;
  });
  afterAll(() => {
    if (savedCacheDir === undefined) delete process.env.CDK8S_CACHE_DIR; else process.env.CDK8S_CACHE_DIR = savedCacheDir;
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
  const check = (digest: string, chartPath = file) => checkChartValues({
    chart: 'longhorn', version: '1.12.1', chartFiles: { path: chartPath, digest }, values: { defaultSettings: { defaultReplicaCout: 2 } }, valuesProp: 'longhornValues',
  });

  test('gives the same answers as the files it was read from', () => {
    expect(check(`same-${process.pid}`)).toEqual(checkLonghorn('1.12.1', { defaultSettings: { defaultReplicaCout: 2 } }));
  });

  test('keeps the model on disk by digest, for the next synth', () => {
    const digest = `stored-${process.pid}`;
    check(digest);
    expect(fs.existsSync(new DiskCache('values-models').fileOf(valuesModelCacheKey(digest)))).toBe(true);
  });

  test('does not read the chart when there are no raw values', () => {
    expect(checkChartValues({ chart: 'longhorn', version: '1.12.1', chartFiles: { path: '/nonexistent/longhorn.tgz', digest: `none-${process.pid}` }, values: { a: undefined }, valuesProp: 'v' })).toEqual([]);
  });

  test('a model found on disk is used without reading the chart', () => {
    const digest = `on-disk-${process.pid}`;
    new DiskCache('values-models').put(valuesModelCacheKey(digest), valuesModel(longhorn['1.12.1']));
    expect(resolvedValuesModel({ path: '/nonexistent/longhorn.tgz', digest }).tree.children.has('defaultBackupStore')).toBe(true);
    expect(messages(check(digest, '/nonexistent/longhorn.tgz'))).toEqual([
      'longhornValues.defaultSettings.defaultReplicaCout is not a value of longhorn 1.12.1; did you mean defaultSettings.defaultReplicaCount?',
    ]);
  });
});

describe('checkHookRevivingValues', () => {
  const admissionWebhooks = {
    path: 'prometheusOperator.admissionWebhooks.enabled',
    value: true,
    why: 'its certificate comes from Helm hook Jobs (admission-create, admission-patch), which plain YAML cannot run at the right moment, and the operator then waits for a Secret that never comes',
  };

  test('fails when the admission webhooks are turned back on', () => {
    expect(checkHookRevivingValues({
      chart: 'kube-prometheus-stack', version: '88.5.3', valuesProp: 'kubePrometheusStackValues',
      values: { prometheusOperator: { admissionWebhooks: { enabled: true } } }, settings: [admissionWebhooks],
    })).toEqual([{
      kind: ValuesProblemKind.REVIVES_HOOK,
      path: 'prometheusOperator.admissionWebhooks.enabled',
      message: 'kubePrometheusStackValues.prometheusOperator.admissionWebhooks.enabled is true, which turns back on what kube-prometheus-stack 88.5.3 runs as a Helm hook or admission webhook: its certificate comes from Helm hook Jobs (admission-create, admission-patch), which plain YAML cannot run at the right moment, and the operator then waits for a Secret that never comes; remove it',
    }]);
  });

  test('fails when Longhorn\'s pre-upgrade check Job is turned back on', () => {
    expect(messages(checkHookRevivingValues({
      chart: 'longhorn', version: '1.12.1', valuesProp: 'longhornValues', values: { preUpgradeChecker: { jobEnabled: true } },
      settings: [{ path: 'preUpgradeChecker.jobEnabled', value: true, why: 'the check is a pre-upgrade hook Job' }],
    }))).toEqual([
      'longhornValues.preUpgradeChecker.jobEnabled is true, which turns back on what longhorn 1.12.1 runs as a Helm hook or admission webhook: the check is a pre-upgrade hook Job; remove it',
    ]);
  });

  test('accepts the same settings left off or unset', () => {
    for (const values of [{ prometheusOperator: { admissionWebhooks: { enabled: false } } }, { prometheusOperator: {} }, {}]) {
      expect(checkHookRevivingValues({ chart: 'kube-prometheus-stack', version: '88.5.3', valuesProp: 'v', values, settings: [admissionWebhooks] })).toEqual([]);
    }
  });
});

describe('values.schema.json', () => {
  const demo = demoChart();
  const check = (values: Record<string, unknown>) => checkChartValues({ chart: 'demo', version: '1.0.0', chartFiles: demo, values, valuesProp: 'demoValues' });

  test('accepts values the schema allows, and any key where it allows any', () => {
    expect(check({ name: 'x', labels: { a: 'b' }, kid: { replicas: 3, extra: { any: 1 } } })).toEqual([]);
  });

  test('fails when a value breaks the schema of the chart or of a subchart', () => {
    expect(check({ name: 7, kid: { replicas: 'three', mode: 'fast' } })).toEqual([
      { kind: ValuesProblemKind.SCHEMA, path: 'name', message: 'demoValues.name must be string, says the values.schema.json of demo 1.0.0' },
      { kind: ValuesProblemKind.SCHEMA, path: 'kid.replicas', message: 'demoValues.kid.replicas must be integer, says the values.schema.json of demo 1.0.0 (child 2.0.0)' },
      { kind: ValuesProblemKind.SCHEMA, path: 'kid.mode', message: 'demoValues.kid.mode must be one of "safe", "quick", says the values.schema.json of demo 1.0.0 (child 2.0.0)' },
    ]);
  });

  test('names any other keyword the value breaks, with the validator\'s words', () => {
    expect(check({ kid: { replicas: 0 } })).toEqual([
      { kind: ValuesProblemKind.SCHEMA, path: 'kid.replicas', message: 'demoValues.kid.replicas breaks minimum: 0 is less than 1, says the values.schema.json of demo 1.0.0 (child 2.0.0)' },
    ]);
  });

  test('fails when the schema allows no other keys, once, with a suggestion', () => {
    expect(check({ kid: { replica: 2 } })).toEqual([{
      kind: ValuesProblemKind.UNKNOWN_KEY, path: 'kid.replica',
      message: 'demoValues.kid.replica is not a value of demo 1.0.0 (child 2.0.0); did you mean kid.replicas?',
    }]);
  });

  test('fails when a list item has a key the schema forbids', () => {
    expect(check({ ports: [{ port: 80, protocl: 'TCP' }] })).toEqual([{
      kind: ValuesProblemKind.UNKNOWN_KEY, path: 'ports[0].protocl',
      message: 'demoValues.ports[0].protocl is not a value of demo 1.0.0: its values.schema.json allows no other keys at ports[0]; did you mean ports[0].protocol?',
    }]);
  });
});

test('formatPath quotes keys that hold dots', () => {
  expect(formatPath(['grafana', 'grafana.ini', 'server'])).toBe('grafana["grafana.ini"].server');
});

/** Every commented example of a chart and its subcharts, as values from the top chart's root. */
function chartExamples(source: ChartValuesSource, prefix: string[] = []): Array<{ path: string[]; value: unknown }> {
  return [
    ...commentedValues(source.valuesYaml).map(e => ({ path: [...prefix, ...e.path], value: e.value })),
    ...Object.entries(source.subcharts).flatMap(([key, sub]) => chartExamples(sub, [...prefix, key])),
  ];
}

function rejectedExamples(source: ChartValuesSource, examples: Array<{ path: string[]; value: unknown }>, sources?: ValuesTreeSources): string[] {
  const tree = valuesTree(source, sources);
  return examples.filter(e => unknownKeys(tree, nest(e.path, e.value)).length).map(e => e.path.join('.'));
}

function archiveFile(file: string, name: string): string {
  let text = '';
  const parser = new Parser({
    onReadEntry: entry => {
      if (entry.path !== name) return entry.resume();
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => { text = Buffer.concat(chunks).toString('utf8'); });
    },
  });
  parser.end(zlib.gunzipSync(fs.readFileSync(file)));
  return text;
}

/** A small chart with a values.schema.json, and a subchart (nested archive, aliased) with its own. */
function demoChart(): ChartValuesSource {
  const dir = demoDir();
  return chartValuesSourceOf(fs.readFileSync(path.join(dir, 'demo.tgz')), 'demo.tgz');
}

/** A folder with the demo chart as `demo/` (its subchart packed in `demo/charts/`) and as `demo.tgz`. */
function demoDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-check-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('child/Chart.yaml', 'apiVersion: v2\nname: child\nversion: 2.0.0\n');
  write('child/values.yaml', 'replicas: 1\nmode: safe\nextra: {}\n');
  write('child/values.schema.json', JSON.stringify({
    $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false,
    properties: { replicas: { type: 'integer', minimum: 1 }, mode: { enum: ['safe', 'quick'] }, extra: { type: 'object', additionalProperties: true }, global: { type: 'object' }, enabled: { type: 'boolean' } },
  }));
  write('demo/Chart.yaml', 'apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n- name: child\n  alias: kid\n  version: 2.0.0\n  condition: kid.enabled\n');
  write('demo/values.yaml', 'name: demo\nlabels:\n  app: demo\nports: []\nkid:\n  replicas: 2\n');
  write('demo/values.schema.json', JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object',
    properties: {
      name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } },
      ports: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { port: { type: 'integer' }, protocol: { type: 'string' } } } },
    },
  }));
  fs.mkdirSync(path.join(dir, 'demo', 'charts'));
  createTar({ gzip: true, sync: true, cwd: dir, file: path.join(dir, 'demo', 'charts', 'child-2.0.0.tgz') }, ['child']);
  createTar({ gzip: true, sync: true, cwd: dir, file: path.join(dir, 'demo.tgz') }, ['demo']);
  return dir;
}
