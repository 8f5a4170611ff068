import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ControlPlaneMonitoring, KUBEADM_CONTROL_PLANE, SMALL_CLUSTER_RESOURCES, KubernetesDistribution, LonghornVersion, MonitoringApp, MonitoringStack, MonitoringStackProps, ServiceExposure, Severity } from '../lib';
import { validateOutput } from '../lib/output/validation';
import { findObject, objectsOfKind, SynthesizedObject } from './inventory';
import { OFFICE } from './support/stacks';
import { synthApp as synthTree } from './support/synth';

/** Synthesizes a whole app the way `cdk8s synth` does and reads back each file. */
function synthApp(props: MonitoringStackProps): { files: string[]; texts: string[]; objects: SynthesizedObject[][]; stack: MonitoringStack } {
  let stack: MonitoringStack | undefined;
  const files = synthTree(app => { stack = new MonitoringStack(app, 'reference', props); });
  return { files: files.map(f => f.file), texts: files.map(f => f.text), objects: files.map(f => f.objects as SynthesizedObject[]), stack: stack! };
}

const REFERENCE = { distribution: KubernetesDistribution.KUBEADM, controlPlaneNodes: 1, workerNodes: 2, controlPlaneTaint: true };

describe.each(Object.values(LonghornVersion))('MonitoringStack with Longhorn %s for the reference cluster (kubeadm, 1 + 2)', longhornVersion => {
  const { files, texts, objects, stack } = synthApp({ longhornVersion, cluster: REFERENCE });
  const all = objects.flat();

  test('writes one file per chart into the stack\'s folder, in apply order, named without a hash', () => {
    expect(files).toEqual([
      'reference/0000-crds.k8s.yaml', 'reference/0001-namespaces.k8s.yaml', 'reference/0002-longhorn.k8s.yaml', 'reference/0003-storage.k8s.yaml', 'reference/0004-monitoring.k8s.yaml',
    ]);
  });

  test('CRDs come first and only there; both CRD groups are present', () => {
    const [crdFile, ...rest] = objects;
    expect(new Set(crdFile.map(o => o.kind))).toEqual(new Set(['CustomResourceDefinition']));
    expect(new Set(crdFile.map(o => o.spec.group))).toEqual(new Set(['monitoring.coreos.com', 'longhorn.io']));
    expect(rest.flat().filter(o => o.kind === 'CustomResourceDefinition')).toEqual([]);
  });

  test('namespaces come before anything placed in them, and allow the host access their agents need', () => {
    expect(objects[1].map(o => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/longhorn-system', 'Namespace/monitoring']);
    // longhorn-manager is privileged with host paths; node-exporter uses hostNetwork, hostPID and host paths.
    expect(objects[1].map(o => o.metadata.labels['pod-security.kubernetes.io/enforce'])).toEqual(['privileged', 'privileged']);
    const used = new Set(all.map(o => o.metadata.namespace).filter(Boolean));
    // kube-system holds the chart's control-plane scrape Services and always exists.
    expect([...used].sort()).toEqual(['kube-system', 'longhorn-system', 'monitoring']);
  });

  test('Prometheus data is on a 10Gi claim of the StorageClass defined in the storage file', () => {
    const prometheus = findObject(all, 'Prometheus', 'kube-prometheus-stack-prometheus');
    const claim = prometheus.spec.storage.volumeClaimTemplate.spec;
    expect(claim.resources.requests.storage).toBe('10Gi');
    expect(prometheus.spec.retentionSize).toBe('8704MB'); // 85% of the volume: Prometheus deletes old data before the disk is full
    expect(claim.storageClassName).toBe(stack.prometheusStorageClass.storageClassName);
    const storageClasses = objectsOfKind(objects[3], 'StorageClass');
    expect(storageClasses.map(o => o.metadata.name)).toEqual([claim.storageClassName]);
    expect(storageClasses[0].provisioner).toBe('driver.longhorn.io');
  });

  test('volumes get 2 replicas, one per worker, in both Longhorn\'s class and the Prometheus class', () => {
    expect(objectsOfKind(objects[3], 'StorageClass')[0].parameters.numberOfReplicas).toBe('2');
    const longhornClass = findObject(all, 'ConfigMap', 'longhorn-storageclass');
    expect(longhornClass.data['storageclass.yaml']).toMatch(/numberOfReplicas: "2"/);
  });

  test('Grafana on NodePort 30300 and Prometheus on NodePort 30090', () => {
    const grafana = findObject(all, 'Service', 'kube-prometheus-stack-grafana');
    expect([grafana.spec.type, grafana.spec.ports[0].nodePort]).toEqual(['NodePort', 30300]);
    const prometheus = findObject(all, 'Service', 'kube-prometheus-stack-prometheus');
    expect(prometheus.spec.type).toBe('NodePort');
    expect(prometheus.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toContain(30090);
  });

  test('no Helm hook annotation and no Helm test Pod is left in the output', () => {
    expect(all.filter(o => Object.keys(o.metadata.annotations ?? {}).some(k => k.startsWith('helm.sh/hook')))).toEqual([]);
    expect(all.filter(o => o.kind === 'Pod')).toEqual([]);
    expect(all.filter(o => o.metadata.name === 'longhorn-uninstall')).toEqual([]);
  });

  test('the whole output passes validation: schemas, CRD schemas, namespace scope', () => {
    expect(validateOutput(files.map((file, i) => ({ file, objects: objects[i] as any }))).problems).toEqual([]);
  });

  test('CRDs are written as helm wrote them: nothing changed them, and no YAML was re-serialized', () => {
    const crdText = texts[0];
    expect(crdText).toContain('controller-gen.kubebuilder.io/version');
    expect(crdText).not.toContain('# Source:');
  });

  test("kube-prometheus-stack's dashboards are written as helm wrote them: they differ only by `annotations: {}`, which cdk8s' metadata leaves out", () => {
    const documents = texts.join('\n').split(/^---$/m);
    const dashboards = documents.filter(d => /^kind: ConfigMap$/m.test(d) && /^    grafana_dashboard: "1"$/m.test(d));
    expect(dashboards.length).toBeGreaterThanOrEqual(25);
    const coredns = dashboards.find(d => d.includes('name: kube-prometheus-stack-k8s-coredns'))!;
    // helm's own layout: metadata in template order, the empty map as the template wrote it, the JSON in a block scalar.
    expect(coredns).toMatch(/^metadata:\n  namespace: monitoring\n  name: kube-prometheus-stack-k8s-coredns\n  annotations:\n    \{\}\n/m);
    expect(coredns).toContain('  k8s-coredns.json: |-\n');
    // Read back, the object is the one the synth checked: the empty map is all that differs.
    const object = findObject(all, 'ConfigMap', 'kube-prometheus-stack-k8s-coredns');
    expect(object.metadata.annotations ?? {}).toEqual({});
    expect(Object.keys(object.data)).toEqual(['k8s-coredns.json']);
  });

  test('nothing generated at render time: no Secret but the Alertmanager config, no certificate material', () => {
    expect(objectsOfKind(all, 'Secret').map(o => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['monitoring/alertmanager-kube-prometheus-stack-alertmanager']);
    expect(texts.join('\n')).not.toMatch(/BEGIN (CERTIFICATE|RSA PRIVATE KEY|PRIVATE KEY)|tls\.key:|ca\.crt:/);
  });

  test('servers stay off the control plane; node-exporter runs on every node, control plane included', () => {
    const podSpec = (o: SynthesizedObject) => (o.kind === 'Deployment' ? o.spec.template.spec : o.spec);
    const servers = [
      ['Prometheus', 'kube-prometheus-stack-prometheus'], ['Alertmanager', 'kube-prometheus-stack-alertmanager'],
      ['Deployment', 'kube-prometheus-stack-grafana'], ['Deployment', 'kube-prometheus-stack-operator'],
      ['Deployment', 'kube-prometheus-stack-kube-state-metrics'], ['Deployment', 'longhorn-ui'],
    ];
    for (const [kind, name] of servers) {
      expect([name, podSpec(findObject(all, kind, name)).affinity?.nodeAffinity]).toEqual([name, {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }] },
      }]);
    }
    expect(podSpec(findObject(all, 'Deployment', 'longhorn-ui')).affinity.podAntiAffinity).toBeDefined(); // the chart's spreading is kept
    const nodeExporter = findObject(all, 'DaemonSet', 'kube-prometheus-stack-prometheus-node-exporter');
    expect(nodeExporter.spec.template.spec.tolerations).toContainEqual({ effect: 'NoSchedule', operator: 'Exists' });
    expect(JSON.stringify(nodeExporter.spec.template.spec.affinity ?? {})).not.toContain('node-role.kubernetes.io/control-plane');
  });

  test('every server has requests and a memory limit sized for a small cluster, and no CPU limit', () => {
    const containerOf = (kind: string, name: string, container: string) => {
      const o = findObject(all, kind, name);
      return kind === 'Deployment' ? o.spec.template.spec.containers.find((c: { name: string }) => c.name === container) : o.spec;
    };
    const cases: Array<[string, string, string, keyof typeof SMALL_CLUSTER_RESOURCES]> = [
      ['Prometheus', 'kube-prometheus-stack-prometheus', '', 'prometheus'],
      ['Alertmanager', 'kube-prometheus-stack-alertmanager', '', 'alertmanager'],
      ['Deployment', 'kube-prometheus-stack-grafana', 'grafana', 'grafana'],
      ['Deployment', 'kube-prometheus-stack-operator', 'kube-prometheus-stack', 'operator'],
      ['Deployment', 'kube-prometheus-stack-kube-state-metrics', 'kube-state-metrics', 'kubeStateMetrics'],
    ];
    for (const [kind, name, container, key] of cases) {
      const resources = containerOf(kind, name, container).resources;
      expect([name, resources]).toEqual([name, SMALL_CLUSTER_RESOURCES[key]]);
      expect(resources.limits.cpu).toBeUndefined();
    }
  });

  test('kubeadm: nothing scrapes or alerts on components that listen on 127.0.0.1', () => {
    const monitors = objectsOfKind(all, 'ServiceMonitor').map(o => o.metadata.name);
    expect(monitors.filter(n => /controller-manager|scheduler|etcd|kube-proxy/.test(n))).toEqual([]);
    // What remains is reachable on a default kubeadm cluster.
    expect(monitors.map(n => n.replace('kube-prometheus-stack-', '')).sort()).toEqual(
      ['alertmanager', 'apiserver', 'coredns', 'grafana', 'kube-state-metrics', 'kubelet', 'longhorn-manager', 'operator', 'prometheus', 'prometheus-node-exporter']);
    const alerts = objectsOfKind(all, 'PrometheusRule').flatMap(r => r.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert).filter(Boolean)));
    expect(alerts.filter((a: string) => /^(KubeControllerManagerDown|KubeSchedulerDown|KubeProxyDown|etcd)/.test(a))).toEqual([]);
    expect(alerts.length).toBeGreaterThan(50);
  });

  test('Longhorn is monitored: a ServiceMonitor and alert rules this Prometheus selects, and a dashboard in its own folder', () => {
    const prometheus = findObject(all, 'Prometheus', 'kube-prometheus-stack-prometheus').spec;
    const monitor = findObject(all, 'ServiceMonitor', 'longhorn-manager');
    expect(monitor.metadata.namespace).toBe('monitoring');
    expect(monitor.metadata.labels).toMatchObject(prometheus.serviceMonitorSelector.matchLabels);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['longhorn-system'] });
    const backend = findObject(all, 'Service', 'longhorn-backend');
    expect(backend.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(backend.spec.ports.map((p: { name: string }) => p.name)).toContain(monitor.spec.endpoints[0].port);
    const rules = objectsOfKind(all, 'PrometheusRule').find(r => r.spec.groups.some((g: any) => g.rules.some((x: any) => x.alert === 'LonghornVolumeFaulted')))!;
    expect(rules.metadata.labels).toMatchObject(prometheus.ruleSelector.matchLabels);
    const alerts = rules.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert));
    expect(alerts).toEqual(expect.arrayContaining(['LonghornVolumeDegraded', 'LonghornVolumeFaulted', 'LonghornDiskSpaceLow', 'LonghornInstanceManagerNotReady', 'LonghornBackupFailed']));
    const dashboard = objectsOfKind(all, 'ConfigMap').find(c => c.metadata.labels?.grafana_dashboard === '1' && c.metadata.annotations?.['k8s-sidecar-target-directory'] === 'Longhorn')!;
    expect(JSON.parse(Object.values(dashboard.data)[0] as string).title).toMatch(/Longhorn/);
    const grafanaProvider = findObject(all, 'ConfigMap', 'kube-prometheus-stack-grafana-config-dashboards').data['provider.yaml'];
    expect(grafanaProvider).toMatch(/foldersFromFilesStructure: true/);
  });

  test('Prometheus may reach longhorn-manager\'s metrics exactly where Longhorn\'s own NetworkPolicy would block it', () => {
    const longhornPolicies = objectsOfKind(all, 'NetworkPolicy').filter(p => p.metadata.name !== 'longhorn-manager-metrics');
    const extra = objectsOfKind(all, 'NetworkPolicy').filter(p => p.metadata.name === 'longhorn-manager-metrics');
    const restricted = longhornPolicies.some(p => p.spec.podSelector?.matchLabels?.app === 'longhorn-manager');
    expect(extra.length).toBe(restricted ? 1 : 0);
    expect(restricted).toBe(longhornVersion === LonghornVersion.V1_12_1);
    if (restricted) {
      expect(extra[0].spec).toMatchObject({
        podSelector: { matchLabels: { app: 'longhorn-manager' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: 9500 }] }],
      });
    }
  });

  test('without gitOps: no Argo CD annotations and no bootstrap file', () => {
    expect(all.filter(o => Object.keys(o.metadata.annotations ?? {}).some(k => k.startsWith('argocd.argoproj.io')))).toEqual([]);
    expect(files.filter(f => f.includes('gitops'))).toEqual([]);
  });

  test('a second synth gives the same bytes', () => {
    expect(synthApp({ longhornVersion, cluster: REFERENCE }).texts).toEqual(texts);
  });
});

describe('MonitoringStack', () => {
  test.each([
    ['a single node (control plane untainted): 1 replica', { controlPlaneNodes: 1, workerNodes: 0, controlPlaneTaint: false }, 1],
    ['the reference cluster (1 + 2, tainted): 2 replicas', { controlPlaneNodes: 1, workerNodes: 2 }, 2],
    ['3 workers: 3 replicas', { controlPlaneNodes: 1, workerNodes: 3 }, 3],
    ['5 workers: 3 replicas', { controlPlaneNodes: 3, workerNodes: 5 }, 3],
  ])('volumes on %s', (_case, cluster, replicas) => {
    const stack = new MonitoringStack(Testing.app(), 'stack', { cluster });
    expect(stack.longhorn.replicaCount).toBe(replicas);
    expect(stack.prometheusStorageClass.replicaCount).toBe(replicas);
  });

  test('longhornAlertThresholds reach the Longhorn rules; with longhornMonitoring false they are refused', () => {
    const stack = new MonitoringStack(Testing.app(), 'stack', { longhornAlertThresholds: { nodeStorageUsagePercentage: 80, storageCriticalUsagePercentage: 95 } });
    const rules = (stack.longhornMonitoring!.objects.alertRules.toJson() as any).spec.groups.flatMap((g: any) => g.rules);
    const expr = (alert: string, severity = 'warning') => rules.find((r: any) => r.alert === alert && r.labels.severity === severity).expr;
    expect(expr('LonghornNodeStorageWarning')).toContain('> 80 and');
    expect(expr('LonghornDiskSpaceLow', 'critical')).toContain('> 95 and');
    expect(expr('LonghornNodeCPUUsageWarning')).toContain('> 90 and');
    expect(() => new MonitoringStack(Testing.app(), 'stack', { longhornMonitoring: false, longhornAlertThresholds: { nodeCpuUsagePercentage: 80 } }))
      .toThrow('longhornAlertThresholds is {"nodeCpuUsagePercentage":80} but longhornMonitoring is false, so there are no Longhorn alerts; drop one of them');
  });

  // One single-node stack on another distribution with Grafana's resources set: the three tests that
  // use it look at parts that do not touch each other (one render, not three).
  let singleNodeElsewhere: any[] | undefined;
  const singleNodeElsewhereObjects = () => singleNodeElsewhere ??= Testing.synth(new MonitoringStack(Testing.app(), 'stack', {
    cluster: { workerNodes: 0, controlPlaneTaint: false, distribution: KubernetesDistribution.OTHER },
    resources: { grafana: { requests: { cpu: '500m', memory: '512Mi' } } },
  }).charts.monitoring);

  test('resources for one component replace its default only', () => {
    const objects = singleNodeElsewhereObjects();
    const grafana = findObject(objects, 'Deployment', 'kube-prometheus-stack-grafana').spec.template.spec.containers.find((c: { name: string }) => c.name === 'grafana');
    expect(grafana.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' } });
    expect(findObject(objects, 'Prometheus', 'kube-prometheus-stack-prometheus').spec.resources).toEqual(SMALL_CLUSTER_RESOURCES.prometheus);
  });

  test.each([
    ['the reference cluster (kubeadm, 1 + 2)', REFERENCE, 2, true],
    ['a single node (control plane untainted)', { controlPlaneNodes: 1, workerNodes: 0, controlPlaneTaint: false }, 1, false],
    ['3 workers', { controlPlaneNodes: 1, workerNodes: 3 }, 3, true],
  ])('derived defaults for %s: replicas, retention, tolerations, placement', (_case, cluster, replicas, workersOnly) => {
    const stack = new MonitoringStack(Testing.app(), 'stack', { cluster });
    const monitoring = Testing.synth(stack.charts.monitoring);
    expect(stack.prometheusStorageClass.replicaCount).toBe(replicas);
    const prometheus = findObject(monitoring, 'Prometheus', 'kube-prometheus-stack-prometheus');
    expect([prometheus.spec.retention, prometheus.spec.retentionSize]).toEqual(['10d', '8704MB']);
    const nodeExporter = findObject(monitoring, 'DaemonSet', 'kube-prometheus-stack-prometheus-node-exporter');
    expect(nodeExporter.spec.template.spec.tolerations).toContainEqual({ effect: 'NoSchedule', operator: 'Exists' });
    expect(JSON.stringify(prometheus.spec.affinity ?? {}).includes('node-role.kubernetes.io/control-plane')).toBe(workersOnly);
  });

  test('a single-node cluster puts no placement constraint on the servers', () => {
    const prometheus = findObject(singleNodeElsewhereObjects(), 'Prometheus', 'kube-prometheus-stack-prometheus');
    expect(prometheus.spec.affinity?.nodeAffinity).toBeUndefined();
  });

  test('scrapes the control plane on other distributions, and where asked to on kubeadm', () => {
    const chart = (props: MonitoringStackProps) => Testing.synth(new MonitoringStack(Testing.app(), 'stack', props).charts.monitoring);
    const monitors = (props: MonitoringStackProps) => objectsOfKind(chart(props), 'ServiceMonitor').map(o => o.metadata.name);
    expect(objectsOfKind(singleNodeElsewhereObjects(), 'ServiceMonitor').map(o => o.metadata.name)).toEqual(expect.arrayContaining([
      'kube-prometheus-stack-kube-controller-manager', 'kube-prometheus-stack-kube-scheduler', 'kube-prometheus-stack-kube-etcd', 'kube-prometheus-stack-kube-proxy']));
    const kubeadmWithEtcd = monitors(OFFICE); // kubeadm with etcd scraped (and more that does not touch scraping)
    expect(OFFICE.controlPlane).toEqual({ ...KUBEADM_CONTROL_PLANE, etcd: ControlPlaneMonitoring.SCRAPE });
    expect(kubeadmWithEtcd.filter(n => /controller-manager|scheduler|etcd|proxy/.test(n))).toEqual(['kube-prometheus-stack-kube-etcd']);
  });

  test('fails when replicaCount exceeds the nodes that can hold replicas', () => {
    expect(() => new MonitoringStack(Testing.app(), 'stack', { cluster: { workerNodes: 2 }, replicaCount: 3 }))
      .toThrow('replicaCount is 3 but the cluster has 2 node(s) that can hold replicas (2 worker(s); the control plane is tainted): a replica needs its own node, so volumes would stay Degraded; use replicaCount <= 2');
  });

  test('fails when no node can run the stack', () => {
    expect(() => new MonitoringStack(Testing.app(), 'stack', { cluster: { workerNodes: 0 } }))
      .toThrow('cluster.workerNodes is 0 and cluster.controlPlaneTaint is true, so no node can run the stack');
  });

  test('fails when the Prometheus class would take the name longhorn-manager owns', () => {
    expect(() => new MonitoringStack(Testing.app(), 'stack', { prometheusStorageClassName: 'longhorn' }))
      .toThrow("prometheusStorageClassName is 'longhorn' but longhorn-manager owns the StorageClass 'longhorn'");
  });

  test('fails when a node port is out of range', () => {
    expect(() => new MonitoringStack(Testing.app(), 'stack', { grafanaService: ServiceExposure.nodePort(3000) }))
      .toThrow('grafanaService has node port 3000 but node ports must be whole numbers from 30000 to 32767');
  });

  test("fails when the size is '10GB' instead of '10Gi'", () => {
    expect(() => new MonitoringStack(Testing.app(), 'stack', { prometheusStorageSize: '10GB' }))
      .toThrow("prometheusStorageSize is '10GB' but must be a positive Kubernetes quantity such as '10Gi'");
  });
});

describe("the stack's shortcuts beside the README's own Chart 'apps'", () => {
  const stack = new MonitoringStack(Testing.app(), 'homelab');
  const apps = new Chart(stack, 'apps', { namespace: 'web' });

  test('add to that Chart instead of failing on a second construct named apps', () => {
    const rules = stack.addPrometheusRules('rules', { groups: [{ name: 'web', rules: [{ alert: 'WebDown', severity: Severity.CRITICAL, expr: 'up{job="web"} == 0' }] }] });
    expect(stack.apps).toBe(apps);
    expect(rules.node.scope).toBe(apps);
    expect(apps.node.dependencies).toContain(stack.charts.monitoring);
  });

  test('fails when the construct named apps is no Chart, naming it', () => {
    const other = new MonitoringStack(Testing.app(), 'office');
    new Construct(other, 'apps');
    expect(() => other.apps).toThrow("office/apps is not a Chart, but the stack's shortcuts (addServiceMonitor, ...) add to the Chart 'apps' inside the stack");
  });
});

describe("what depends on a stack's renders", () => {
  // In a MonitoringApp it is made when the app is synthesized (helm renders the next stack meanwhile), so its
  // errors say which stack and which prop they are about; in a plain App, in the stack's constructor.
  const noPrometheus: Partial<MonitoringStackProps> = { kubePrometheusStackValues: { prometheus: { enabled: false } } };
  const message = /^MonitoringStack 'lab', its Longhorn monitoring \(longhornMonitoring, on by default\): kubePrometheusStack renders no Prometheus/;

  test('fails at synth in a MonitoringApp, naming the stack and its prop', () => {
    const app = new MonitoringApp({ outdir: Testing.app().outdir });
    new MonitoringStack(app, 'lab', noPrometheus);
    expect(() => app.synth()).toThrow(message);
  });

  test('fails in the constructor in a plain App, with the same words', () => {
    expect(() => new MonitoringStack(Testing.app(), 'lab', noPrometheus)).toThrow(message);
  });
});
