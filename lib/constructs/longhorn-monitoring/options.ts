import { DNS_LABEL } from '../kube-names';
import { describeValue, PropShape } from '../known-props';
import { LonghornVersion } from '../longhorn';

/**
 * What the Longhorn monitoring manifests need to know about the cluster they go into.
 *
 * Each function takes the fields it uses (`Pick` of this interface), so one object can be passed to all.
 */
export interface LonghornMonitoringOptions extends LonghornAlertThresholds {
  /**
   * The Longhorn version being monitored. Versions expose metrics differently: from 1.11 volume
   * robustness and state are labels rather than numbers, and `longhorn_volume_file_system_read_only`
   * exists from 1.8; the alert rules are written for this version.
   */
  readonly longhornVersion: LonghornVersion | string;
  /**
   * Namespace Longhorn runs in (where the `longhorn-backend` Service and the manager pods are).
   * @default 'longhorn-system'
   */
  readonly longhornNamespace?: string;
  /**
   * Namespace of Prometheus and Grafana. The ServiceMonitor, the PrometheusRule and the dashboard
   * ConfigMap go there; the NetworkPolicy admits Prometheus pods from there.
   */
  readonly monitoringNamespace: string;
  /**
   * Labels the Prometheus selects ServiceMonitors and PrometheusRules by: kube-prometheus-stack's
   * `serviceMonitorSelector` and `ruleSelector` are `{ release: <helm release name> }` by default.
   */
  readonly prometheusSelectorLabels: Record<string, string>;
  /**
   * Labels of the Prometheus pods, for the NetworkPolicy; the operator sets
   * `app.kubernetes.io/name: prometheus` and `operator.prometheus.io/name: <Prometheus name>` on them
   * (kube-prometheus-stack's own Prometheus Service selects them so).
   */
  readonly prometheusPodSelector: Record<string, string>;
  /**
   * Grafana folder the dashboard goes into. Grafana shows it only when the chart has
   * `grafana.sidecar.dashboards.provider.foldersFromFilesStructure: true`; otherwise the dashboard
   * lands in the General folder.
   * @default 'Longhorn'
   */
  readonly grafanaFolder?: string;
  /**
   * Annotation the Grafana dashboard sidecar reads the target folder from: the chart's
   * `grafana.sidecar.dashboards.folderAnnotation`, which k8s-sidecar defaults to
   * `k8s-sidecar-target-directory` when unset (as in kube-prometheus-stack 88.5.3).
   * @default 'k8s-sidecar-target-directory'
   */
  readonly grafanaFolderAnnotation?: string;
  /**
   * Labels the Grafana dashboard sidecar collects ConfigMaps by: kube-prometheus-stack sets
   * `grafana.sidecar.dashboards.label: grafana_dashboard` and `labelValue: "1"`.
   * @default { grafana_dashboard: '1' }
   */
  readonly grafanaDashboardLabels?: Record<string, string>;
}

/**
 * Where the Longhorn alerts fire. Each defaults to the value Longhorn documents: its settings' defaults, or its
 * example alert rules (https://longhorn.io/docs/1.12.1/monitoring/alert-rules-example/).
 */
export interface LonghornAlertThresholds {
  /**
   * Longhorn's `storage-minimal-available-percentage` setting: once a disk has less free space than this,
   * Longhorn schedules no new replica on it. `LonghornDiskSpaceLow` (warning) fires there.
   * @default 25 (Longhorn's default in 1.6 and 1.12)
   */
  readonly storageMinimalAvailablePercentage?: number;
  /**
   * Disk usage (percent of the disk) above which `LonghornDiskSpaceLow` is critical: replicas that grow
   * further fail when the filesystem is full, and their volumes go Degraded or Faulted.
   * @default 90
   */
  readonly storageCriticalUsagePercentage?: number;
  /**
   * Storage used on a node, in percent of the storage of its Longhorn disks, above which
   * `LonghornNodeStorageWarning` fires.
   * @default 70 (Longhorn's example rule)
   */
  readonly nodeStorageUsagePercentage?: number;
  /**
   * Space a volume's replica takes, in percent of the volume's size, above which
   * `LonghornVolumeActualSpaceUsedWarning` fires. Snapshots can take a replica past 100.
   * @default 90 (Longhorn's example rule)
   */
  readonly volumeActualSpaceUsedPercentage?: number;
  /**
   * An instance manager's CPU use, in percent of its CPU request, above which
   * `LonghornInstanceManagerCPUUsageWarning` fires. Needs metrics-server.
   * @default 300 (Longhorn's example rule)
   */
  readonly instanceManagerCpuRequestPercentage?: number;
  /**
   * A node's CPU use, in percent of its allocatable CPU, above which `LonghornNodeCPUUsageWarning` fires.
   * Needs metrics-server.
   * @default 90 (Longhorn's example rule)
   */
  readonly nodeCpuUsagePercentage?: number;
}

/** The keys of {@link LonghornAlertThresholds}, for unknown-prop checks. */
export const LONGHORN_ALERT_THRESHOLDS_SHAPE: PropShape<LonghornAlertThresholds> = {
  storageMinimalAvailablePercentage: true, storageCriticalUsagePercentage: true, nodeStorageUsagePercentage: true,
  volumeActualSpaceUsedPercentage: true, instanceManagerCpuRequestPercentage: true, nodeCpuUsagePercentage: true,
};

/** The default Longhorn namespace, as Longhorn's own manifests use it. */
export const DEFAULT_LONGHORN_NAMESPACE = 'longhorn-system';

/** Checks a namespace name prop and returns it. */
export function checkNamespace(prop: string, value: string): string {
  if (typeof value !== 'string' || !DNS_LABEL.test(value)) {
    // A Namespace object where its name belongs: name the string to write.
    const name = typeof value === 'object' ? (value as { name?: unknown } | null)?.name : undefined;
    const asString = typeof value === 'string' ? '' : `, as a string${typeof name === 'string' ? ` such as '${name}'` : ''}`;
    throw new Error(`${prop} is ${describeValue(value)} but must be a namespace name (lowercase letters, digits and '-', at most 63 characters)${asString}`);
  }
  return value;
}

/** Checks that a label map used to select or to be selected is not empty, and returns it. */
export function checkLabels(prop: string, value: Record<string, string>, example: string): Record<string, string> {
  if (Object.keys(value).length === 0) {
    throw new Error(`${prop} is empty but must name at least one label, e.g. ${example}`);
  }
  return value;
}
