import { ApiObject, Chart, Duration, Testing } from 'cdk8s';
import {
  AlertDelivery, BackupStore, ClusterApi, GitOpsBootstrap, GitOpsTool, GrafanaAdminCredentials, GrafanaDashboard, GrafanaDashboardJson, KubePrometheusStack,
  Longhorn, LonghornMonitoring, LonghornPrerequisites, LonghornRecurringJob, LonghornStorageClass, MonitoringApp, MonitoringStack, Namespace, PodMonitor, PrometheusRules, Receiver,
  RecurringJobTask, SecretKey, ServiceExposure, ServiceMonitor, Severity,
} from '../lib';
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
    ['KubePrometheusStack prometheusSpec', () => new KubePrometheusStack(Testing.chart(), 'Stack', props({ prometheusSpec: { scrapeIntervall: '60s' } })),
      "KubePrometheusStack 'Stack' has no prop prometheusSpec.scrapeIntervall, so it would be ignored: the custom resource has no such field ('kubectl explain prometheus.spec' lists them)"],
    ['KubePrometheusStack prometheusSpec, nested', () => new KubePrometheusStack(Testing.chart(), 'Stack', props({ prometheusSpec: { alerting: { alertmanagers: [{ name: 'am', namespace: 'ops', schema: 'https' }] } } })),
      "KubePrometheusStack 'Stack' has no prop prometheusSpec.alerting.alertmanagers[0].schema, so it would be ignored"],
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

  test("prometheusSpec's fields are known however the CRD capitalises them (enableAdminApi is enableAdminAPI)", () => {
    // (Prometheus disabled: the stack stops at its next check, after prometheusSpec was read, before any render.)
    expect(() => new KubePrometheusStack(Testing.chart(), 'Stack', { prometheusSpec: { enableAdminApi: true, podMetadata: { labels: { team: 'ops' } } }, values: { prometheus: { enabled: false } } }))
      .toThrow('prometheusSpec is set but values.prometheus.enabled is false');
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

// Factories and constructs of alerting, exposure, GitOps and monitoring objects: misspelt keys, wrong types and enum
// values an app loaded without type-checking passes, each checked before anything else reads the props.
describe('factories and constructs name a misspelt prop, with its path, before any other check', () => {
  const webhookUrl = SecretKey.fromExistingSecret('slack-webhook', 'url');
  const route = (receiver: Receiver) => ({ severity: Severity.CRITICAL, receiver });
  test.each([
    ['Receiver.slack chanel', () => Receiver.slack(props({ webhookUrl, chanel: '#ops' })), 'Receiver.slack has no prop chanel, so it would be ignored; did you mean channel?'],
    ['Receiver.slack webhookURL', () => Receiver.slack(props({ webhookURL: webhookUrl })), 'Receiver.slack has no prop webhookURL, so it would be ignored; did you mean webhookUrl?'],
    ['Receiver.email', () => Receiver.email(props({ to: 'ops@example.com', from: 'am@example.com', smtpHost: 'smtp.example.com', requireTLS: false })),
      'Receiver.email has no prop requireTLS, so it would be ignored; did you mean requireTls?'],
    ['AlertDelivery.route', () => AlertDelivery.route(props({ route: [route(Receiver.slack({ webhookUrl }))] })),
      'AlertDelivery.route has no prop route, so it would be ignored; did you mean routes?'],
    ['AlertDelivery.route routes[i]', () => AlertDelivery.route(props({ routes: [{ severity: Severity.CRITICAL, reciever: Receiver.slack({ webhookUrl }) }] })),
      'AlertDelivery.route has no prop routes[0].reciever, so it would be ignored; did you mean routes[0].receiver?'],
    ['ServiceExposure.ingress', () => ServiceExposure.ingress(props({ hots: ['grafana.lab.example.com'] })),
      'ServiceExposure.ingress has no prop hots, so it would be ignored; did you mean hosts?'],
    ['ServiceExposure.ingress tls[i]', () => ServiceExposure.ingress(props({ host: 'a.example.com', tls: [{ hosts: ['a.example.com'], secret: 'a-tls' }] })),
      'ServiceExposure.ingress has no prop tls[0].secret, so it would be ignored; did you mean tls[0].secretName?'],
    ['ServiceExposure.httpRoute paths[i]', () => ServiceExposure.httpRoute(props({ parentRefs: [{ name: 'homelab' }], paths: [{ value: '/' }, { path: '/grafana' }] })),
      'ServiceExposure.httpRoute has no prop paths[1].path, so it would be ignored; its props are paths[1].type, paths[1].value'],
    ['ServiceExposure.loadBalancer', () => ServiceExposure.loadBalancer(props({ loadBalancerIp: '10.0.0.5' })),
      'ServiceExposure.loadBalancer has no prop loadBalancerIp, so it would be ignored; did you mean loadBalancerIP?'],
    ['GitOpsBootstrap branch', () => new GitOpsBootstrap(Testing.chart(), 'G', props({ tool: GitOpsTool.FLUX, repoUrl: 'https://git.example.com/ops/c.git', branch: 'prod' })),
      "GitOpsBootstrap 'G' has no prop branch, so it would be ignored; its props are repoUrl, path, targetRevision, tool, name, argoCdNamespace, fluxNamespace, automatedSync"],
    ['GitOpsBootstrap repoURL', () => new GitOpsBootstrap(Testing.chart(), 'G', props({ tool: GitOpsTool.FLUX, repoURL: 'https://git.example.com/ops/c.git' })),
      "GitOpsBootstrap 'G' has no prop repoURL, so it would be ignored; did you mean repoUrl?"],
    ['ServiceMonitor', () => new ServiceMonitor(Testing.chart(), 'web-mon', props({ port: 'metrics', scrapeInterval: '15s' })),
      "ServiceMonitor 'web-mon' has no prop scrapeInterval, so it would be ignored; its props are monitoring, service, port, path, interval, selector, endpoint, name"],
    ['PodMonitor', () => new PodMonitor(Testing.chart(), 'web-mon', props({ port: 'metrics', intervall: '15s' })),
      "PodMonitor 'web-mon' has no prop intervall, so it would be ignored; did you mean interval?"],
    ['ServiceMonitor endpoint', () => new ServiceMonitor(Testing.chart(), 'web-mon', props({ port: 'metrics', endpoint: { schme: 'https', tlsConfig: { insecureSkipVerify: true } } })),
      "ServiceMonitor 'web-mon' has no prop endpoint.schme, so it would be ignored: the custom resource has no such field ('kubectl explain servicemonitor.spec.endpoints' lists them)"],
    ['ServiceMonitor endpoint, nested', () => new ServiceMonitor(Testing.chart(), 'web-mon', props({ port: 'metrics', endpoint: { scheme: 'https', tlsConfig: { insecureSkipVerfy: true } } })),
      "ServiceMonitor 'web-mon' has no prop endpoint.tlsConfig.insecureSkipVerfy, so it would be ignored"],
    ['PodMonitor endpoint.port', () => new PodMonitor(Testing.chart(), 'web-mon', props({ port: 'metrics', endpoint: { port: 'http' } })),
      "PodMonitor 'web-mon' endpoint.port is set, but the port prop sets the endpoint's port: use port instead"],
    ['PrometheusRules groups[i].rules[j]', () => new PrometheusRules(Testing.chart(), 'r', props({ groups: [{ name: 'g', rules: [{ alert: 'X', expr: 'up == 0', severity: Severity.WARNING, fro: '5m' }] }] })),
      "PrometheusRules 'r' has no prop groups[0].rules[0].fro, so it would be ignored; did you mean groups[0].rules[0].for?"],
    ['PrometheusRules, a recording rule', () => new PrometheusRules(Testing.chart(), 'r', props({ groups: [{ name: 'g', rules: [{ recrod: 'job:up:sum', expr: 'sum(up)' }] }] })),
      "PrometheusRules 'r' has no prop groups[0].rules[0].recrod, so it would be ignored; did you mean groups[0].rules[0].record?"],
    ['Namespace', () => new Namespace(Testing.chart(), 'ns', props({ name: 'apps', podSecuirty: 'restricted' })),
      "Namespace 'ns' has no prop podSecuirty, so it would be ignored; did you mean podSecurity?"],
    ['GrafanaDashboard', () => new GrafanaDashboard(Testing.chart(), 'd', props({ dashboard: GrafanaDashboardJson.fromObject({ title: 'T' }), foldr: 'Apps' })),
      "GrafanaDashboard 'd' has no prop foldr, so it would be ignored; did you mean folder?"],
    ['GrafanaAdminCredentials.fromExistingSecret', () => GrafanaAdminCredentials.fromExistingSecret('grafana-admin', props({ userkey: 'user' })),
      'GrafanaAdminCredentials.fromExistingSecret has no prop userkey, so it would be ignored; did you mean userKey?'],
  ])('%s', (_construct, create, message) => {
    expect(create).toThrow(message);
  });
});

describe('enum-typed props refuse a value outside the enum, naming the prop', () => {
  const webhookUrl = SecretKey.fromExistingSecret('slack-webhook', 'url');
  test.each([
    ['a route severity', () => AlertDelivery.route({ routes: [{ severity: 'critcal' as Severity, receiver: Receiver.slack({ webhookUrl }) }] }),
      "AlertDelivery.route routes[0].severity is 'critcal' but must be one of Severity.CRITICAL, Severity.WARNING, Severity.INFO"],
    ['a Discord API', () => Receiver.discord(props({ webhookUrl, api: 'slack' })), "Receiver.discord api is 'slack' but must be one of DiscordApi.SLACK_COMPATIBLE, DiscordApi.NATIVE"],
    ['an Ingress path type', () => ServiceExposure.ingress(props({ host: 'a.example.com', pathType: 'prefix' })),
      "ServiceExposure.ingress pathType is 'prefix' but must be one of IngressPathType.PREFIX, IngressPathType.EXACT, IngressPathType.IMPLEMENTATION_SPECIFIC"],
    ['an HTTPRoute path type', () => ServiceExposure.httpRoute(props({ parentRefs: [{ name: 'homelab' }], paths: [{ type: 'Prefix', value: '/' }] })),
      "ServiceExposure.httpRoute paths[0].type is 'Prefix' but must be one of HttpRoutePathType.PATH_PREFIX, HttpRoutePathType.EXACT, HttpRoutePathType.REGULAR_EXPRESSION"],
    ['a Pod Security level', () => new Namespace(Testing.chart(), 'ns', props({ name: 'apps', podSecurity: 'restrict' })),
      "podSecurity is 'restrict' but must be one of PodSecurityLevel.PRIVILEGED, PodSecurityLevel.BASELINE, PodSecurityLevel.RESTRICTED"],
  ])('%s', (_case, create, message) => {
    expect(create).toThrow(message);
  });
});

describe('a value of the wrong type is shown with its type, and the fix', () => {
  const webhookUrl = SecretKey.fromExistingSecret('slack-webhook', 'url');
  const email = { to: 'ops@example.com', from: 'am@example.com', smtpHost: 'smtp.example.com' };
  test.each([
    ['a switch as a string', () => Receiver.slack(props({ webhookUrl, sendResolved: 'no' })), "Receiver.slack sendResolved is 'no' but must be true or false"],
    ['a long object, shown by its keys', () => Receiver.slack(props({ webhookUrl: { url: 'x'.repeat(200), note: 'long' } })), 'Receiver.slack webhookUrl is an object ({ url, note }) but must be a SecretKey'],
    ['a list as one string', () => AlertDelivery.route(props({ groupBy: 'alertname', defaultReceiver: Receiver.slack({ webhookUrl }) })), "AlertDelivery.route groupBy is 'alertname' but must be a list, e.g. ['alertname']"],
    ['a list as one object', () => AlertDelivery.route(props({ routes: { severity: Severity.CRITICAL, receiver: Receiver.slack({ webhookUrl }) } })), 'AlertDelivery.route routes is an object ('],
    ['Ingress paths as one string', () => ServiceExposure.ingress(props({ host: 'g.example.com', paths: '/grafana' })), "ServiceExposure.ingress paths is '/grafana' but must be a list, e.g. ['/grafana']"],
    ['Ingress hosts as one string', () => ServiceExposure.ingress(props({ hosts: 'g.example.com' })), "ServiceExposure.ingress hosts is 'g.example.com' but must be a list, e.g. ['g.example.com']"],
    ['options as null', () => ServiceExposure.ingress(null as any), 'ServiceExposure.ingress props is null but must be an object of props'],
    ['retention as a number', () => new KubePrometheusStack(Testing.chart(), 'Stack', props({ retention: 10 })),
      "retention is 10 (a number) but must be a cdk8s Duration such as Duration.days(10), or a Prometheus duration string such as '10d'"],
    ['groupWait as a number', () => AlertDelivery.route(props({ groupWait: 30, defaultReceiver: Receiver.slack({ webhookUrl }) })),
      'AlertDelivery.route groupWait is 30 (a number) but must be a cdk8s Duration such as Duration.seconds(30)'],
    ['repeatInterval as a string', () => AlertDelivery.route(props({ repeatInterval: '12h', defaultReceiver: Receiver.slack({ webhookUrl }) })),
      "AlertDelivery.route repeatInterval is '12h' but must be a cdk8s Duration such as Duration.minutes(60)"],
    ['smtpPort as a string', () => Receiver.email(props({ ...email, smtpPort: '587' })),
      "Receiver.email smtpPort is '587' but must be a whole number from 1 to 65535"],
    ['chatId as a string', () => Receiver.telegram(props({ botToken: SecretKey.fromExistingSecret('tg', 'token'), chatId: '-1001234567890' })),
      "Receiver.telegram chatId is '-1001234567890' but must be a non-zero whole number"],
    ['maxAlerts as a string', () => Receiver.webhook(props({ url: SecretKey.fromExistingSecret('hook', 'url'), maxAlerts: '5' })),
      "Receiver.webhook maxAlerts is '5' but must be a whole number >= 0"],
    ['a node port as a string', () => ServiceExposure.nodePort('30300' as any).validate('grafanaService', Testing.chart()),
      "grafanaService has node port '30300' but node ports must be whole numbers from 30000 to 32767"],
    ['a webhook URL in plain text (never repeated in the message)', () => Receiver.slack(props({ webhookUrl: 'https://hooks.slack.com/services/T0/B0/x' })),
      "Receiver.slack webhookUrl is a string but must be a SecretKey naming the Secret that holds the value, e.g. SecretKey.fromExistingSecret('alertmanager-secrets', 'url')"],
    ['a route without a receiver', () => AlertDelivery.route(props({ routes: [{ severity: Severity.CRITICAL }] })),
      'AlertDelivery.route routes[0].receiver is undefined but must be a Receiver'],
    ['an SMTP host left out', () => Receiver.email(props({ to: 'ops@example.com', from: 'am@example.com' })),
      'Receiver.email smtpHost is undefined but must be a lowercase host name'],
    ['a Secret name left out', () => SecretKey.fromExistingSecret(undefined as any, 'url'), 'SecretKey.fromExistingSecret secretName is undefined but a Secret name must be a DNS subdomain'],
    ['a repoUrl left out', () => new GitOpsBootstrap(Testing.chart(), 'G', props({ tool: GitOpsTool.FLUX })), 'repoUrl is undefined but must be a Git URL'],
    ['a tool left out', () => new GitOpsBootstrap(Testing.chart(), 'G', props({ repoUrl: 'https://git.example.com/ops.git' })), 'tool is undefined but must be one of GitOpsTool.ARGO_CD, GitOpsTool.FLUX'],
    ['a recurring job task left out', () => new LonghornRecurringJob(Testing.chart(), 'job', props({ schedule: '0 3 * * *' })),
      'task is not set but must be one of RecurringJobTask.SNAPSHOT, '],
  ])('%s', (_case, create, message) => {
    expect(create).toThrow(message);
  });
});

describe('monitoring objects check their props before they read the stack', () => {
  const app = Testing.app();
  ClusterApi.declare(app);
  const stack = new KubePrometheusStack(new Chart(app, 'monitoring'), 'Stack');
  const apps = new Chart(app, 'apps', { namespace: 'apps' });
  const service = new ApiObject(apps, 'web-svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } });
  const workload = new ApiObject(apps, 'web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } });
  const alert = { alert: 'X', expr: 'up == 0', severity: Severity.WARNING };
  let n = 0;
  const id = () => `m${n++}`;
  test.each([
    ['a ServiceMonitor interval as a number', () => new ServiceMonitor(apps, id(), props({ monitoring: stack, service, port: 'metrics', interval: 30 })),
      "interval is 30 (a number) but must be a cdk8s Duration such as Duration.seconds(30), or a Prometheus duration string such as '30s'"],
    ['a PodMonitor interval as an object', () => new PodMonitor(apps, id(), props({ monitoring: stack, workload, port: 'metrics', interval: { seconds: 30 } })),
      'interval is an object ({"seconds":30}) but must be a cdk8s Duration such as Duration.seconds(10), or a Prometheus duration string such as \'10s\''],
    ['a ServiceMonitor port as a number', () => new ServiceMonitor(apps, id(), props({ monitoring: stack, service, port: 9102 })),
      "port is 9102 (a number) but must name a port of Service 'web', e.g. 'metrics'"],
    ["a rule's for as a number", () => new PrometheusRules(apps, id(), props({ monitoring: stack, groups: [{ name: 'g', rules: [{ ...alert, for: 5 }] }] })),
      "group 'g', alert 'X' for is 5 (a number) but must be a cdk8s Duration such as Duration.minutes(5), or a Prometheus duration string such as '5m'"],
    ["a group's interval as a number", () => new PrometheusRules(apps, id(), props({ monitoring: stack, groups: [{ name: 'g', interval: 60, rules: [alert] }] })),
      "group 'g' interval is 60 (a number) but must be a cdk8s Duration such as Duration.seconds(60), or a Prometheus duration string such as '60s'"],
    ['a misspelt key of a group given to addGroup', () => new PrometheusRules(apps, 'r', { monitoring: stack }).addGroup(props({ name: 'g', rules: [alert], intervall: '1m' })),
      "PrometheusRules 'r'.addGroup has no prop intervall, so it would be ignored; did you mean interval?"],
    ['a dashboard that is a plain object', () => new GrafanaDashboard(apps, id(), props({ monitoring: stack, dashboard: { title: 'T' } })),
      'dashboard is an object ({"title":"T"}) but must be a GrafanaDashboardJson: GrafanaDashboardJson.fromFile(\'dashboards/web.json\') or GrafanaDashboardJson.fromObject({ title, panels })'],
  ])('fails on %s', (_case, create, message) => {
    expect(create).toThrow(message);
  });

  test('a Duration still works', () => {
    const monitor = new ServiceMonitor(apps, id(), { monitoring: stack, service, port: 'metrics', interval: Duration.seconds(15) });
    expect(monitor.apiObject.toJson().spec.endpoints[0].interval).toBe('15s');
  });
});

// Storage and the stack: misspelt keys at any depth, values of the wrong type or outside their enum, each named as the
// user wrote it, on the construct the user called, with the value and the fix. Most cases throw before any chart renders.
const stack = (value: object) => () => new MonitoringStack(Testing.app(), 'lab', props(value));

// One default stack (its renders are cached) for the constructs that need a Longhorn.
let defaultStack: MonitoringStack | undefined;
const lab = () => defaultStack ??= new MonitoringStack(Testing.app(), 'lab');

describe('unknown keys of nested props', () => {
  test.each([
    [{ installPrerequisites: { osFamilly: 'rhel' } }, 'installPrerequisites.osFamilly', 'installPrerequisites.osFamily'],
    [{ controlPlane: { etdc: 'scrape' } }, 'controlPlane.etdc', 'controlPlane.etcd'],
    [{ longhornAlertThresholds: { nodeCpuUsagePercent: 80 } }, 'longhornAlertThresholds.nodeCpuUsagePercent', 'longhornAlertThresholds.nodeCpuUsagePercentage'],
    [{ resources: { grafana: { request: { cpu: '100m' } } } }, 'resources.grafana.request', 'resources.grafana.requests'],
    [{ gitOps: { tool: 'flux', repoURL: 'https://git.example.com/ops/c.git' } }, 'gitOps.repoURL', 'gitOps.repoUrl'],
  ])('MonitoringStack %j', (value, prop, nearest) => {
    expect(stack(value)).toThrow(`MonitoringStack 'lab' has no prop ${prop}, so it would be ignored; did you mean ${nearest}?`);
  });

  test('KubePrometheusStack', () => {
    expect(() => new KubePrometheusStack(Testing.chart(), 'kps', props({ grafanaResources: { limits: { memroy: '1Gi' } } })))
      .toThrow("KubePrometheusStack 'kps' has no prop grafanaResources.limits.memroy, so it would be ignored; did you mean grafanaResources.limits.memory?");
  });

  test('BackupStore.s3 and BackupStore.nfs, before the checks of the values', () => {
    expect(() => BackupStore.s3(props({ bucket: 'backups', regoin: 'eu-west-1' }))).toThrow('BackupStore.s3 has no prop regoin, so it would be ignored; did you mean region?');
    expect(() => BackupStore.nfs(props({ sever: 'nas', path: '/export' }))).toThrow('BackupStore.nfs has no prop sever, so it would be ignored; did you mean server?');
  });

  test('LonghornRecurringJob, before the checks of the values', () => {
    expect(() => lab().addLonghornRecurringJob('snap', props({ task: RecurringJobTask.SNAPSHOT, schedule: '0 3 * * *', retian: 7 })))
      .toThrow("LonghornRecurringJob 'snap' has no prop retian, so it would be ignored; did you mean retain?");
  });

  test('LonghornBackupTarget', () => {
    expect(() => lab().addLonghornBackupTarget('bk', props({ store: BackupStore.nfs({ server: 'nas', path: '/export' }), credentialSecretName: 'nas' })))
      .toThrow("LonghornBackupTarget 'bk' has no prop credentialSecretName, so it would be ignored; did you mean credentialsSecretName?");
  });

  test('LonghornPrerequisites', () => {
    const chart = Testing.chart();
    expect(() => new LonghornPrerequisites(chart, 'prereq', props({ namespace: new Namespace(chart, 'ns', { name: 'longhorn-system' }), osFamilly: 'rhel' })))
      .toThrow("LonghornPrerequisites 'prereq' has no prop osFamilly, so it would be ignored; did you mean osFamily?");
  });

  test('LonghornMonitoring', () => {
    expect(() => new LonghornMonitoring(Testing.chart(), 'mon', props({ longhorn: undefined, kubePrometheusStack: undefined, grafanaFoldr: 'Storage' })))
      .toThrow("LonghornMonitoring 'mon' has no prop grafanaFoldr, so it would be ignored; did you mean grafanaFolder?");
  });
});

test('a namespace reference given as a name is refused, with the shape it must have (a Namespace, or { name })', () => {
  expect(() => new Longhorn(Testing.chart(), 'lh', props({ namespace: 'storage' }))).toThrow("Longhorn 'lh' namespace is 'storage' but must be an object ({ name, podSecurity })");
  expect(() => new Longhorn(Testing.chart(), 'lh', props({ namespace: { nmae: 'storage' } }))).toThrow("Longhorn 'lh' has no prop namespace.nmae, so it would be ignored; did you mean namespace.name?");
});

test("MonitoringApp checks cdk8s' App props too", () => {
  expect(() => new MonitoringApp(props({ outDir: 'x' }))).toThrow('MonitoringApp has no prop outDir, so it would be ignored; did you mean outdir?');
  // An option a later cdk8s may add is cdk8s' to read.
  expect(() => new MonitoringApp(props({ someLaterOption: true }))).not.toThrow();
});

test('a stack id longer than a DNS label says how long it is', () => {
  expect(() => new MonitoringStack(Testing.app(), 'a'.repeat(70))).toThrow("must be a DNS label: lowercase letters, digits and '-', at most 63 characters (it has 70)");
});

test('props made by a class of the app are read as they are', () => {
  class LabProps { public readonly replicaCount = 0; }
  expect(() => new Longhorn(Testing.chart(), 'lh', new LabProps())).toThrow('replicaCount is 0 but must be a whole number from 1 to 20');
});

test('props given as a list (not an object) are an error, not ignored', () => {
  expect(() => new MonitoringStack(Testing.app(), 'lab', props([{ replicaCount: 5 }])))
    .toThrow('MonitoringStack \'lab\' props is a list ([{"replicaCount":5}]) but must be an object of props');
});

describe('values of the wrong type or outside their enum', () => {
  test.each([
    [{ replicaCount: '2' }, "replicaCount is '2' but must be a whole number >= 1"],
    [{ cluster: { kubernetesVersion: 1.34 } }, "cluster.kubernetesVersion is 1.34 (a number) but must be a string such as '1.34'"],
    [{ placement: 'workers' }, "placement is 'workers' but must be one of Placement.ANY_NODE, Placement.WORKERS_ONLY"],
    [{ cluster: { controlPlaneTaint: 'false' } }, "MonitoringStack 'lab' cluster.controlPlaneTaint is 'false' but must be true or false"],
    [{ grafanaAdmin: { user: 'admin', password: 'correct-horse' } }, "MonitoringStack 'lab' grafanaAdmin is an object ({\"user\":\"admin\",\"password\":\"correct-horse\"}) but must be a GrafanaAdminCredentials, made by GrafanaAdminCredentials.fromExistingSecret(...) or GrafanaAdminCredentials.unsafePlaintext(...)"],
    [{ alerting: Receiver.slack({ webhookUrl: SecretKey.fromExistingSecret('slack-webhook', 'url') }) }, "MonitoringStack 'lab' alerting is a Receiver but must be an AlertDelivery, made by AlertDelivery.none(...) or AlertDelivery.route(...)"],
    [{ grafanaService: 'nodeport' }, "MonitoringStack 'lab' grafanaService is 'nodeport' but must be a ServiceExposure, made by ServiceExposure."],
    [{ resources: { prometheus: { requests: { cpu: '-1' } } } }, "resources.prometheus.requests.cpu is '-1' but must not be negative"],
    [{ kubePrometheusStackValues: [{ grafana: { enabled: false } }] }, 'kubePrometheusStackValues is a list but must be an object of kube-prometheus-stack chart values'],
    [{ monitoringNamespace: 'infra', longhornNamespace: 'infra' }, "monitoringNamespace and longhornNamespace are both 'infra', but the stack makes a Namespace for each; give them different names"],
    [{ cluster: null }, "MonitoringStack 'lab' cluster is null but must be an object ({ distribution, controlPlaneNodes, workerNodes, controlPlaneTaint, kubernetesVersion })"],
    [{ installPrerequisites: 'debian' }, "MonitoringStack 'lab' installPrerequisites is 'debian' but must be an object ({ osFamily, nfs })"],
    [{ clusterApis: { apiVersion: 'gateway.networking.k8s.io/v1' } }, "MonitoringStack 'lab' clusterApis is an object ({\"apiVersion\":\"gateway.networking.k8s.io/v1\"}) but must be a list"],
    [{ longhornMonitoring: 0 }, "MonitoringStack 'lab' longhornMonitoring is 0 (a number) but must be true or false"],
    [{ cluster: { distribution: 'k3s' } }, "cluster.distribution is 'k3s' but must be one of KubernetesDistribution.KUBEADM, KubernetesDistribution.OTHER"],
    [{ controlPlane: { etcd: 'on' } }, "controlPlane.etcd is 'on' but must be one of ControlPlaneMonitoring.SCRAPE, ControlPlaneMonitoring.DISABLED"],
    [{ installPrerequisites: { osFamily: 'arch' } }, "installPrerequisites.osFamily is 'arch' but must be one of OsFamily.DEBIAN, OsFamily.RHEL, OsFamily.SUSE"],
    [{ gitOps: { tool: 'argocd', repoUrl: 'https://git.example.com/ops/c.git' } }, "gitOps.tool is 'argocd' but must be one of GitOpsTool.ARGO_CD, GitOpsTool.FLUX"],
    [{ gitOps: { tool: 'flux', repoUrl: 'homelab' } }, "gitOps.repoUrl is 'homelab' but must be a Git URL"],
    [{ longhornAlertThresholds: { nodeCpuUsagePercentage: 150 } }, 'longhornAlertThresholds.nodeCpuUsagePercentage is 150 but must be a percentage above 0 and at most 100'],
    [{ monitoringNamespace: '' }, "monitoringNamespace is '' but must be a namespace name (lowercase letters, digits and '-', at most 63 characters)"],
    [{ longhornNamespace: { name: 'storage' } }, 'longhornNamespace is an object ({"name":"storage"}) but must be a namespace name (lowercase letters, digits and \'-\', at most 63 characters), as a string such as \'storage\''],
  ])('MonitoringStack %j', (value, message) => {
    expect(stack(value)).toThrow(message);
  });

  test('resources and sizes: a number where a Kubernetes quantity string belongs, named as the stack calls it', () => {
    expect(stack({ resources: { grafana: { requests: { cpu: 0.5 } } } })).toThrow("resources.grafana.requests.cpu is 0.5 (a number) but must be a Kubernetes quantity such as '500m'");
    expect(stack({ prometheusStorageSize: 10 })).toThrow("prometheusStorageSize is 10 (a number) but must be a positive Kubernetes quantity such as '10Gi'");
  });

  test('LonghornStorageClass: a Duration given as a number, enums', () => {
    const sc = (value: object) => () => new LonghornStorageClass(Testing.chart(), 'fast', props({ name: 'fast', ...value }));
    expect(sc({ staleReplicaTimeout: 30 })).toThrow('staleReplicaTimeout is 30 (a number) but must be a cdk8s Duration such as Duration.minutes(30)');
    expect(sc({ fsType: 'btrfs' })).toThrow("fsType is 'btrfs' but must be one of FsType.EXT4, FsType.XFS");
    expect(sc({ reclaimPolicy: 'retain' })).toThrow("reclaimPolicy is 'retain' but must be one of ReclaimPolicy.DELETE, ReclaimPolicy.RETAIN");
    expect(sc({ dataLocality: 'local', replicaCount: 1 })).toThrow("dataLocality is 'local' but must be one of DataLocality.DISABLED, DataLocality.BEST_EFFORT, DataLocality.STRICT_LOCAL");
  });

  test('KubePrometheusStack: the access mode enum', () => {
    expect(() => new KubePrometheusStack(new Chart(Testing.app(), 'c'), 'kps', props({ prometheusStorageClass: { storageClassName: 'fast' }, prometheusStorageAccessMode: 'RWO' })))
      .toThrow("prometheusStorageAccessMode is 'RWO' but must be one of AccessMode.READ_WRITE_ONCE, AccessMode.READ_WRITE_ONCE_POD");
  });

  test('LonghornBackupTarget: a Duration given as a number', () => {
    expect(() => lab().addLonghornBackupTarget('poll', props({ store: BackupStore.nfs({ server: 'nas', path: '/export' }), pollInterval: 300 })))
      .toThrow('pollInterval is 300 (a number) but must be a cdk8s Duration such as Duration.seconds(300)');
  });

  test('LonghornRecurringJob: a schedule that is neither a cron string nor a Cron', () => {
    expect(() => lab().addLonghornRecurringJob('nightly', props({ task: RecurringJobTask.SNAPSHOT, schedule: { hour: '3' }, retain: 7 })))
      .toThrow('schedule is an object ({"hour":"3"}) but must be a cron string such as \'0 3 * * *\' (minute hour day-of-month month day-of-week), \'@daily\', \'@every 6h\', or a cdk8s Cron');
  });
});
