import { Chart, Testing } from 'cdk8s';
import {
  BackupStore, KubePrometheusStack, Longhorn, MonitoringApp, Receiver, SecretKey, LonghornMonitoring, LonghornPrerequisites, LonghornStorageClass, MonitoringStack, Namespace, RecurringJobTask,
} from '../lib';

// Apps loaded without type-checking (npm run synth, JavaScript) pass any keys and values: a misspelt key at any depth,
// a value of the wrong type or outside its enum is an error naming the prop as the user wrote it, on the construct the
// user called, with the value and the fix. Most cases throw before any chart renders.

const props = (value: object): any => value;
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
});

test('a stack id longer than a DNS label says how long it is', () => {
  expect(() => new MonitoringStack(Testing.app(), 'a'.repeat(70))).toThrow("must be a DNS label: lowercase letters, digits and '-', at most 63 characters (it has 70)");
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
