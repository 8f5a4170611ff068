import { Chart, Duration, Size } from 'cdk8s';
import { GrafanaDashboard, GrafanaDashboardProps } from '../constructs/grafana-dashboard';
import { LonghornBackupTarget, LonghornBackupTargetProps } from '../constructs/longhorn-backup-target';
import { LonghornRecurringJob, LonghornRecurringJobProps } from '../constructs/longhorn-recurring-job';
import { PodMonitor, PodMonitorProps } from '../constructs/pod-monitor';
import { PrometheusRules, PrometheusRulesProps } from '../constructs/prometheus-rules';
import { ServiceMonitor, ServiceMonitorProps } from '../constructs/service-monitor';
import { Construct } from 'constructs';
import { ChartValues } from '../render/chart-values';
import { Cluster, CLUSTER_DESCRIPTION_SHAPE, ClusterDescription, describeCluster, KubernetesDistribution } from './cluster';
import { CONTAINER_RESOURCES_SHAPE, ContainerResources } from '../constructs/container-resources';
import { CONTROL_PLANE_SHAPE, ControlPlaneComponents, KUBEADM_CONTROL_PLANE } from '../constructs/control-plane';
import { checkGitOpsBootstrapProps, GitOpsBootstrap, GitOpsBootstrapProps, GitOpsTool, syncAnnotations } from '../constructs/gitops';
import { GrafanaAdminCredentials } from '../constructs/grafana-admin';
import { KubePrometheusStack, KubePrometheusStackVersion } from '../constructs/kube-prometheus-stack';
import { Longhorn, LonghornVersion } from '../constructs/longhorn';
import { LonghornPrerequisites, OsFamily } from '../constructs/longhorn-prerequisites';
import { LonghornStorageClass } from '../constructs/longhorn-storage-class';
import { LonghornAlertThresholds, LonghornMonitoring } from '../constructs/longhorn-monitoring';
import { checkLonghornAlertThresholds } from '../constructs/longhorn-monitoring/alert-rules';
import { checkNamespace, LONGHORN_ALERT_THRESHOLDS_SHAPE } from '../constructs/longhorn-monitoring/options';
import { AlertDelivery } from '../constructs/alerting';
import { Namespace, PodSecurityLevel } from '../constructs/namespace';
import { Placement } from '../constructs/placement';
import { checkWholeNumber } from '../constructs/quantity';
import { markCluster } from '../render/cluster-boundary';
import { DNS_LABEL } from '../constructs/kube-names';
import { checkGitOpsFolder, finishLater, finishStacks, registerOutputFolder } from '../output/layout';
import { ClusterApi, setKubernetesVersion } from '../render/kube-api';
import { ChartSource } from '../render/chart-source';
import { startTogether } from '../render/rendered-objects';
import { ServiceExposure } from '../constructs/service-exposure';
import { checkProps, oneOf, PropShape } from '../constructs/known-props';

/** Requests and limits of the stack's servers. */
export interface StackResources {
  /**
   * Prometheus.
   * @default - SMALL_CLUSTER_RESOURCES.prometheus
   */
  readonly prometheus?: ContainerResources;
  /**
   * Grafana.
   * @default - SMALL_CLUSTER_RESOURCES.grafana
   */
  readonly grafana?: ContainerResources;
  /**
   * Alertmanager.
   * @default - SMALL_CLUSTER_RESOURCES.alertmanager
   */
  readonly alertmanager?: ContainerResources;
  /**
   * prometheus-operator.
   * @default - SMALL_CLUSTER_RESOURCES.operator
   */
  readonly operator?: ContainerResources;
  /**
   * kube-state-metrics.
   * @default - SMALL_CLUSTER_RESOURCES.kubeStateMetrics
   */
  readonly kubeStateMetrics?: ContainerResources;
}

/**
 * Defaults for a cluster of a few nodes and a few hundred pods. Memory has a limit (a leak should
 * restart the pod, not starve the node); CPU has none, since a CPU limit only throttles Prometheus'
 * rule evaluation and compaction bursts.
 */
export const SMALL_CLUSTER_RESOURCES: Required<StackResources> = {
  prometheus: { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '2Gi' } },
  grafana: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  alertmanager: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '128Mi' } },
  operator: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  kubeStateMetrics: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } },
};

/** Props of {@link MonitoringStack}. */
export interface MonitoringStackProps {
  /**
   * The cluster: defaults for replicas and control-plane monitoring derive from it.
   * @default - kubeadm, 1 control-plane node (tainted) and 2 workers
   */
  readonly cluster?: ClusterDescription;
  /**
   * Replicas of each Longhorn volume, each on its own node; at most the nodes that can hold them.
   * @default - min(3, schedulable nodes): workers, plus the control plane when it is not tainted
   */
  readonly replicaCount?: number;
  /**
   * Requests and limits per component, each replacing the default for that component whole.
   * @default - sized for a small cluster: see {@link SMALL_CLUSTER_RESOURCES}
   */
  readonly resources?: StackResources;
  /**
   * Where the servers run: Prometheus, Alertmanager, Grafana, the operator, kube-state-metrics and the Longhorn UI.
   * @default - Placement.WORKERS_ONLY when the cluster has workers, else Placement.ANY_NODE
   */
  readonly placement?: Placement;
  /**
   * Which control-plane components Prometheus scrapes and alerts on. Components left out keep their
   * default: `{ etcd: ControlPlaneMonitoring.SCRAPE }` on kubeadm scrapes etcd and still none of the others.
   * @default - on kubeadm none (they listen on 127.0.0.1, so their alerts would fire from day one); elsewhere all
   */
  readonly controlPlane?: ControlPlaneComponents;
  /**
   * Longhorn chart version: a tested one from {@link LonghornVersion}, or any other exact version,
   * which renders with a warning.
   * @default LonghornVersion.V1_12_1
   */
  readonly longhornVersion?: LonghornVersion | string;
  /**
   * kube-prometheus-stack chart version: a tested one from {@link KubePrometheusStackVersion}, or any
   * other exact version, which renders with a warning.
   * @default KubePrometheusStackVersion.V88_5_3
   */
  readonly kubePrometheusStackVersion?: KubePrometheusStackVersion | string;
  /**
   * kube-prometheus-stack's Helm release name; every object's name derives from it (`<release>-grafana`,
   * the Prometheus claim `prometheus-<release>-prometheus-db-...`). Keep the one a `helm install` used, e.g.
   * 'kube-prom-stack', so objects keep their names.
   * @default 'kube-prometheus-stack'
   */
  readonly releaseName?: string;
  /**
   * Where the Longhorn chart comes from.
   * @default - Longhorn's Helm repository (or CDK8S_CHART_MIRROR)
   */
  readonly longhornChartSource?: ChartSource;
  /**
   * Where the kube-prometheus-stack chart comes from.
   * @default - the prometheus-community Helm repository (or CDK8S_CHART_MIRROR)
   */
  readonly kubePrometheusStackChartSource?: ChartSource;
  /**
   * APIs the cluster already serves from CRDs that other tools installed (a Gateway API
   * implementation, cert-manager): objects of them in this stack are checked against their schemas
   * where a schema package exists, and deploy checks the cluster serves them.
   * @default - none
   */
  readonly clusterApis?: readonly ClusterApi[];
  /**
   * Namespace of the monitoring stack.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
  /**
   * Namespace of Longhorn.
   * @default 'longhorn-system'
   */
  readonly longhornNamespace?: string;
  /**
   * Name of the StorageClass Prometheus' volume uses.
   * @default 'longhorn-prometheus'
   */
  readonly prometheusStorageClassName?: string;
  /**
   * Size of Prometheus' data volume.
   * @default '10Gi'
   */
  readonly prometheusStorageSize?: Size | string;
  /**
   * How long Prometheus keeps metrics: a cdk8s Duration, or a string in Prometheus' syntax ('12h', '2w').
   * @default Duration.days(10)
   */
  readonly retention?: Duration | string;
  /**
   * Most disk Prometheus' data may take; below the volume size.
   * @default - 85% of the volume
   */
  readonly retentionSize?: Size | string;
  /**
   * Grafana's initial admin credentials.
   * @default GrafanaAdminCredentials.fromExistingSecret('grafana-admin')
   */
  readonly grafanaAdmin?: GrafanaAdminCredentials;
  /**
   * How Grafana is reached.
   * @default ServiceExposure.nodePort(30300)
   */
  readonly grafanaService?: ServiceExposure;
  /**
   * How Prometheus is reached.
   * @default ServiceExposure.nodePort(30090)
   */
  readonly prometheusService?: ServiceExposure;
  /**
   * GitOps: a bootstrap file beside the stack's folder (`dist/<id>.gitops.k8s.yaml`) with an Argo CD
   * Application, or a Flux GitRepository + Kustomization, pointing at the stack's folder in Git
   * (`path` is the output folder, `dist` by default; the name defaults to the stack id). For Argo CD,
   * every object also gets its sync wave (CRDs 0, namespaces 1, storage 2, the rest 3) and server-side
   * apply. (Flux orders CRDs and namespaces first and applies server-side by itself.)
   * @default - off: plain YAML for `npm run deploy` or kubectl
   */
  readonly gitOps?: GitOpsBootstrapProps;
  /**
   * How Alertmanager is reached.
   * @default ServiceExposure.clusterIP()
   */
  readonly alertmanagerService?: ServiceExposure;
  /**
   * Install open-iscsi (and the NFS client) on every node that holds volumes with a privileged
   * DaemonSet, for nodes of this OS family. Opt-in, since it changes the hosts.
   * @default - not installed: prepare the nodes by hand (see the README)
   */
  readonly installPrerequisites?: { readonly osFamily: OsFamily; readonly nfs?: boolean };
  /**
   * Where alerts go: receivers routed by severity, secrets from existing Secrets, e.g.
   * `AlertDelivery.route({ routes: [{ severity: Severity.CRITICAL, receiver: Receiver.slack({ webhookUrl: SecretKey.fromExistingSecret('slack', 'url') }) }] })`.
   * @default AlertDelivery.none(): alerts go nowhere, and the synth summary says so
   */
  readonly alerting?: AlertDelivery;
  /**
   * Whether Longhorn is monitored: a ServiceMonitor for longhorn-manager, alert rules, a Grafana
   * dashboard, and a NetworkPolicy rule for Prometheus where Longhorn's own policies need one.
   * @default true
   */
  readonly longhornMonitoring?: boolean;
  /**
   * Where the Longhorn alerts fire (disk, node and volume space, CPU); each defaults to Longhorn's documented
   * value. The README's monitoring section lists every alert with its threshold.
   * @default - Longhorn's documented values
   */
  readonly longhornAlertThresholds?: LonghornAlertThresholds;
  /**
   * Raw Longhorn chart values, merged last.
   * @default - none
   */
  readonly longhornValues?: ChartValues;
  /**
   * Raw kube-prometheus-stack chart values, merged last.
   * @default - none
   */
  readonly kubePrometheusStackValues?: ChartValues;
}

/**
 * Longhorn storage and kube-prometheus-stack wired for a small self-built cluster (the reference:
 * kubeadm, 1 control-plane + 2 workers): Grafana and Prometheus on NodePorts, Prometheus data on a
 * Longhorn volume whose class is defined here, so it cannot name a class that does not exist.
 *
 * Each part is its own chart, chained by dependencies. In a `MonitoringApp` the stack is written into a
 * folder of its own named after its id, one file per chart in apply order: `dist/<id>/0000-crds.k8s.yaml`,
 * `0001-namespaces`, `0002-longhorn`, `0003-storage`, `0004-monitoring`; several stacks (clusters) in one app
 * each get their folder, applied on its own. In a plain cdk8s `App`, cdk8s' own writer writes the charts.
 */
export class MonitoringStack extends Construct {
  /** Charts in apply order (`gitops` only with the gitOps prop). */
  public readonly charts: { readonly crds: Chart; readonly namespaces: Chart; readonly longhorn: Chart; readonly storage: Chart; readonly monitoring: Chart; readonly gitops?: Chart };
  /** The cluster the defaults were derived for. */
  public readonly cluster: Cluster;
  /** Longhorn. */
  public readonly longhorn: Longhorn;
  /** The StorageClass of Prometheus' volume. */
  public readonly prometheusStorageClass: LonghornStorageClass;
  /** The monitoring stack. */
  public readonly kubePrometheusStack: KubePrometheusStack;
  /** Longhorn's monitoring, unless turned off. */
  public get longhornMonitoring(): LonghornMonitoring | undefined {
    finishStacks(this);
    return this.monitoringOfLonghorn;
  }

  private monitoringOfLonghorn?: LonghornMonitoring;

  constructor(scope: Construct, id: string, props: MonitoringStackProps = {}) {
    super(scope, id);
    checkProps(`MonitoringStack '${id}'`, props, MONITORING_STACK_SHAPE);
    // The props the inner constructs take, checked under the stack's own names.
    if (props.gitOps) checkGitOpsBootstrapProps(`MonitoringStack '${id}'`, props.gitOps, 'gitOps.');
    const monitoringNamespaceName = checkNamespace('monitoringNamespace', props.monitoringNamespace ?? 'monitoring');
    const longhornNamespaceName = checkNamespace('longhornNamespace', props.longhornNamespace ?? 'longhorn-system');
    if (monitoringNamespaceName === longhornNamespaceName) {
      throw new Error(`monitoringNamespace and longhornNamespace are both '${longhornNamespaceName}', but the stack makes a Namespace for each; give them different names`);
    }
    const monitorLonghorn = props.longhornMonitoring ?? true;
    if (monitorLonghorn) {
      checkLonghornAlertThresholds(props.longhornAlertThresholds ?? {}, 'longhornAlertThresholds.');
    } else if (props.longhornAlertThresholds) {
      throw new Error(`longhornAlertThresholds is ${JSON.stringify(props.longhornAlertThresholds)} but longhornMonitoring is false, so there are no Longhorn alerts; drop one of them`);
    }
    markCluster(this);
    // Before any chart renders: the renders and the validation of this cluster's output read them.
    ClusterApi.declare(this, ...(props.clusterApis ?? []));
    if (!DNS_LABEL.test(id)) {
      throw new Error(`the MonitoringStack id is '${id}' but it names the stack's output folder (dist/${id}/) and its GitOps objects, so it must be a DNS label: lowercase letters, digits and '-', at most 63 characters${id.length > 63 ? ` (it has ${id.length})` : ''}, e.g. 'homelab'`);
    }
    if (props.gitOps) checkGitOpsFolder(this, id);
    this.cluster = describeCluster(props.cluster);
    setKubernetesVersion(this, this.cluster.kubernetesVersion, 'cluster.kubernetesVersion');
    const nodes = this.cluster.schedulableNodes;
    const resources = { ...SMALL_CLUSTER_RESOURCES, ...props.resources };
    const placement = props.placement ?? (this.cluster.workerNodes > 0 ? Placement.WORKERS_ONLY : Placement.ANY_NODE);
    if (placement === Placement.WORKERS_ONLY && this.cluster.workerNodes === 0) {
      throw new Error(`placement is Placement.WORKERS_ONLY but cluster.workerNodes is 0: the servers could never be scheduled and would stay Pending; use Placement.ANY_NODE or add workers`);
    }
    const replicaCount = checkWholeNumber('replicaCount', props.replicaCount ?? Math.min(3, nodes), 1);
    if (replicaCount > nodes) {
      throw new Error(`replicaCount is ${replicaCount} but the cluster has ${nodes} node(s) that can hold replicas (${this.cluster.workerNodes} worker(s)${this.cluster.controlPlaneTaint ? '; the control plane is tainted' : ' plus the untainted control plane'}): a replica needs its own node, so volumes would stay Degraded; use replicaCount <= ${nodes}`);
    }

    const crds = new Chart(this, 'crds');
    const namespaces = new Chart(this, 'namespaces');
    const longhornChart = new Chart(this, 'longhorn');
    const storage = new Chart(this, 'storage');
    const monitoring = new Chart(this, 'monitoring');
    namespaces.addDependency(crds);
    longhornChart.addDependency(namespaces);
    storage.addDependency(longhornChart);
    monitoring.addDependency(storage);
    let gitops: Chart | undefined;
    if (props.gitOps) {
      gitops = new Chart(this, 'gitops');
      gitops.addDependency(monitoring);
      const outdir = (props.gitOps.path ?? 'dist').replace(/^\.?\/+|\/+$/g, '');
      new GitOpsBootstrap(gitops, 'Bootstrap', { ...props.gitOps, name: props.gitOps.name ?? id, path: `${outdir}/${id}` });
    }
    this.charts = { crds, namespaces, longhorn: longhornChart, storage, monitoring, gitops };
    const waves = new Map<Chart, number>([[crds, 0], [namespaces, 1], [longhornChart, 2], [storage, 2], [monitoring, 3]]);
    registerOutputFolder(this, {
      name: id,
      bootstrap: gitops,
      ...(props.gitOps?.tool === GitOpsTool.ARGO_CD && { syncWave: (chart: Chart) => waves.get(chart) ?? 3, syncAnnotations }),
    });

    // Both need 'privileged', nothing less works: longhorn-manager is a privileged container with host
    // paths, and node-exporter uses the host's network, PID namespace and paths (all refused by 'baseline').
    const longhornNamespace = new Namespace(namespaces, 'longhorn-system', { name: longhornNamespaceName, podSecurity: PodSecurityLevel.PRIVILEGED });
    const monitoringNamespace = new Namespace(namespaces, 'monitoring', { name: monitoringNamespaceName, podSecurity: PodSecurityLevel.PRIVILEGED });

    // The class first: its checks are cheap, the Longhorn render is not.
    this.prometheusStorageClass = new LonghornStorageClass(storage, 'PrometheusStorageClass', {
      name: props.prometheusStorageClassName ?? 'longhorn-prometheus',
      replicaCount,
      propNames: { name: 'prometheusStorageClassName' },
    });
    if (props.installPrerequisites) {
      new LonghornPrerequisites(longhornChart, 'Prerequisites', { namespace: longhornNamespace, ...props.installPrerequisites });
    }
    // The two charts render side by side: helm renders Longhorn while kube-prometheus-stack's values are made.
    const { built, finish } = startTogether(() => [new Longhorn(longhornChart, 'Longhorn', {
      version: props.longhornVersion,
      chartSource: props.longhornChartSource,
      namespace: longhornNamespace,
      replicaCount,
      placement,
      crdScope: crds,
      values: props.longhornValues,
      valuesPropName: 'longhornValues',
      propNames: { version: 'longhornVersion', chartSource: 'longhornChartSource', namespace: 'longhornNamespace' },
    }), new KubePrometheusStack(monitoring, 'KubePrometheusStack', {
      version: props.kubePrometheusStackVersion,
      releaseName: props.releaseName,
      chartSource: props.kubePrometheusStackChartSource,
      namespace: monitoringNamespace,
      grafanaAdmin: props.grafanaAdmin,
      grafanaService: props.grafanaService ?? ServiceExposure.nodePort(30300),
      prometheusService: props.prometheusService ?? ServiceExposure.nodePort(30090),
      alertmanagerService: props.alertmanagerService,
      prometheusStorageClass: this.prometheusStorageClass,
      prometheusStorageSize: props.prometheusStorageSize ?? '10Gi',
      retention: props.retention,
      retentionSize: props.retentionSize,
      prometheusResources: resources.prometheus,
      grafanaResources: resources.grafana,
      alertmanagerResources: resources.alertmanager,
      operatorResources: resources.operator,
      kubeStateMetricsResources: resources.kubeStateMetrics,
      placement,
      // A partial choice changes only what it names: kubeadm's defaults stand for the rest.
      controlPlane: this.cluster.distribution === KubernetesDistribution.KUBEADM ? { ...KUBEADM_CONTROL_PLANE, ...props.controlPlane } : props.controlPlane,
      alerting: props.alerting,
      crdScope: crds,
      values: props.kubePrometheusStackValues,
      valuesPropName: 'kubePrometheusStackValues',
      propNames: KUBE_PROMETHEUS_STACK_PROP_NAMES,
    })] as const);
    [this.longhorn, this.kubePrometheusStack] = built;
    // The stacks made before this one finish while helm renders this one's charts.
    finishStacks(this);
    finishLater(this, () => {
      finish();
      // Only when both charts rendered (a missing chart fails the synth with its own message).
      if (monitorLonghorn && this.longhorn.rendered && this.kubePrometheusStack.rendered) {
        try {
          this.monitoringOfLonghorn = new LonghornMonitoring(monitoring, 'LonghornMonitoring', {
            ...props.longhornAlertThresholds, longhorn: this.longhorn, kubePrometheusStack: this.kubePrometheusStack,
          });
        } catch (e) {
          // In a MonitoringApp this runs later (at synth): say which stack and which of its props.
          (e as Error).message = `MonitoringStack '${id}', its Longhorn monitoring (longhornMonitoring, on by default): ${(e as Error).message}`;
          throw e;
        }
      }
    });

  }

  /**
   * The chart for what the app adds to this cluster (its own monitors, rules, dashboards, backup
   * jobs): inside the stack, so it is written into the stack's folder after the CRDs and monitoring.
   */
  public get apps(): Chart {
    if (!this.appsChart) {
      // A Chart 'apps' the app made inside the stack (as the README does) is that chart: the shortcuts add to it.
      const own = this.node.tryFindChild('apps');
      if (own !== undefined && !(own instanceof Chart)) {
        throw new Error(`${own.node.path} is not a Chart, but the stack's shortcuts (addServiceMonitor, ...) add to the Chart 'apps' inside the stack; give it another id, or make it a Chart`);
      }
      this.appsChart = own ?? new Chart(this, 'apps');
      this.appsChart.addDependency(this.charts.monitoring);
    }
    return this.appsChart;
  }

  private appsChart?: Chart;

  /** A ServiceMonitor for one of the app's Services, selected by this stack's Prometheus. */
  public addServiceMonitor(id: string, props: Omit<ServiceMonitorProps, 'monitoring'>): ServiceMonitor {
    return new ServiceMonitor(this.apps, id, { ...props, monitoring: this });
  }

  /** A PodMonitor for one of the app's workloads, selected by this stack's Prometheus. */
  public addPodMonitor(id: string, props: Omit<PodMonitorProps, 'monitoring'>): PodMonitor {
    return new PodMonitor(this.apps, id, { ...props, monitoring: this });
  }

  /** Alerting and recording rules, evaluated by this stack's Prometheus. */
  public addPrometheusRules(id: string, props: Omit<PrometheusRulesProps, 'monitoring'> = {}): PrometheusRules {
    return new PrometheusRules(this.apps, id, { ...props, monitoring: this });
  }

  /** A Grafana dashboard, loaded by this stack's Grafana. */
  public addGrafanaDashboard(id: string, props: Omit<GrafanaDashboardProps, 'monitoring'>): GrafanaDashboard {
    return new GrafanaDashboard(this.apps, id, { ...props, monitoring: this });
  }

  /** A Longhorn snapshot or backup schedule for this cluster's volumes. */
  public addLonghornRecurringJob(id: string, props: Omit<LonghornRecurringJobProps, 'longhorn'>): LonghornRecurringJob {
    return new LonghornRecurringJob(this.apps, id, { ...props, longhorn: this });
  }

  /** Where this cluster's Longhorn backups go (S3 or NFS), credentials from an existing Secret. */
  public addLonghornBackupTarget(id: string, props: Omit<LonghornBackupTargetProps, 'longhorn'>): LonghornBackupTarget {
    return new LonghornBackupTarget(this.apps, id, { ...props, longhorn: this });
  }
}

/** The stack's own names for the props it sets on KubePrometheusStack, for messages. */
const KUBE_PROMETHEUS_STACK_PROP_NAMES: Readonly<Record<string, string>> = {
  version: 'kubePrometheusStackVersion',
  chartSource: 'kubePrometheusStackChartSource',
  namespace: 'monitoringNamespace',
  prometheusStorageClass: 'prometheusStorageClassName',
  prometheusResources: 'resources.prometheus',
  grafanaResources: 'resources.grafana',
  alertmanagerResources: 'resources.alertmanager',
  operatorResources: 'resources.operator',
  kubeStateMetricsResources: 'resources.kubeStateMetrics',
};

const MONITORING_STACK_SHAPE: PropShape<MonitoringStackProps> = {
  cluster: CLUSTER_DESCRIPTION_SHAPE, replicaCount: true,
  resources: { prometheus: CONTAINER_RESOURCES_SHAPE, grafana: CONTAINER_RESOURCES_SHAPE, alertmanager: CONTAINER_RESOURCES_SHAPE, operator: CONTAINER_RESOURCES_SHAPE, kubeStateMetrics: CONTAINER_RESOURCES_SHAPE },
  placement: oneOf(Placement, 'Placement'), controlPlane: CONTROL_PLANE_SHAPE, longhornVersion: true, kubePrometheusStackVersion: true, releaseName: true, longhornChartSource: ChartSource,
  kubePrometheusStackChartSource: ChartSource, clusterApis: [true], monitoringNamespace: true, longhornNamespace: true, prometheusStorageClassName: true,
  prometheusStorageSize: true, retention: true, retentionSize: true, grafanaAdmin: GrafanaAdminCredentials, grafanaService: ServiceExposure, prometheusService: ServiceExposure,
  gitOps: true,
  alertmanagerService: ServiceExposure, installPrerequisites: { osFamily: oneOf(OsFamily, 'OsFamily'), nfs: 'boolean' }, alerting: AlertDelivery, longhornMonitoring: 'boolean',
  longhornAlertThresholds: LONGHORN_ALERT_THRESHOLDS_SHAPE, longhornValues: true, kubePrometheusStackValues: true,
};
