import { KubeManifest } from '../../render/manifest-parse';
import { BACKUP_STATE, hasMetric, volumeRobustnessIs, volumeStateIs } from './longhorn-metrics';
import { checkLabels, checkNamespace, DEFAULT_LONGHORN_NAMESPACE, LonghornAlertThresholds, LonghornMonitoringOptions } from './options';
import { LONGHORN_MANAGER_METRICS } from './service-monitor';
import { asNumber } from '../quantity';

/** Options {@link longhornAlertRules} uses. */
export type LonghornAlertRulesOptions = Pick<LonghornMonitoringOptions,
'longhornVersion' | 'longhornNamespace' | 'monitoringNamespace' | 'prometheusSelectorLabels'> & LonghornAlertThresholds;

/** One Prometheus alerting rule, as a PrometheusRule holds it. */
export interface LonghornAlertRule {
  /** Alert name. */
  readonly alert: string;
  /** PromQL; every series it returns is an alert. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires. */
  readonly for: string;
  /** Labels added to the alert: `severity` is `critical` or `warning`. */
  readonly labels: { readonly severity: string };
  /** `summary` and `description`, Go templates over the alert's labels and value. */
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** A named group of rules, evaluated together. */
export interface LonghornAlertRuleGroup {
  /** Group name. */
  readonly name: string;
  /** Its rules. */
  readonly rules: LonghornAlertRule[];
}

/** Page someone: data is unavailable, or will be without action. */
const CRITICAL = 'critical';
/** Act in working hours: redundancy or headroom is reduced. */
const WARNING = 'warning';

/** A volume by name, and by claim when it has one. */
const VOLUME = '{{ $labels.volume }}{{ with $labels.pvc }} (PVC {{ $labels.pvc_namespace }}/{{ . }}){{ end }}';
/** The reason Longhorn gives for a false condition, when it gives one. */
const REASON = '{{ with $labels.condition_reason }} ({{ . }}){{ end }}';

/**
 * A PrometheusRule with alerts for Longhorn, written for `longhornVersion`'s metrics: volumes
 * Faulted, Degraded, stuck attaching, near or past their size, or read-only; disks and nodes filling
 * up; disks not ready or not schedulable; nodes down, not ready, not schedulable or short of CPU;
 * longhorn-manager and instance managers down or busy; failed backups. Longhorn's example rules
 * (https://longhorn.io/docs/1.12.1/monitoring/alert-rules-example/) are all here: the node-down, storage
 * and CPU ones with their names, thresholds and `for:`; its volume Faulted and Degraded ones as
 * LonghornVolumeFaulted (2m) and LonghornVolumeDegraded (10m); its disk warning at 70% as
 * `LonghornDiskSpaceLow`, at the level where Longhorn stops scheduling.
 *
 * Disk space is judged per disk, as Longhorn schedules replicas per disk: a node's total hides one full
 * disk. The warning fires where Longhorn stops scheduling replicas on the disk (free space below
 * `storageMinimalAvailablePercentage`, see https://longhorn.io/docs/1.12.1/references/settings/
 * "Storage Minimal Available Percentage"); the critical alert, with the same name so Alertmanager's
 * default inhibition hides the warning, before the filesystem is full. The over-provisioning limit is
 * not visible in usage; a disk that refuses replicas while it still has room shows up as not schedulable.
 */
export function longhornAlertRules(options: LonghornAlertRulesOptions): KubeManifest {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'longhorn',
      namespace: checkNamespace('monitoringNamespace', options.monitoringNamespace),
      labels: { ...checkLabels('prometheusSelectorLabels', options.prometheusSelectorLabels, "{ release: 'kube-prometheus-stack' }") },
    },
    spec: { groups: longhornAlertRuleGroups(options) },
  };
}

/** The rule groups of {@link longhornAlertRules}. */
export function longhornAlertRuleGroups(options: LonghornAlertRulesOptions): LonghornAlertRuleGroup[] {
  const version = options.longhornVersion;
  const namespace = checkNamespace('longhornNamespace', options.longhornNamespace ?? DEFAULT_LONGHORN_NAMESPACE);
  const { minimalAvailable, warningUsage, criticalUsage } = storageThresholds(options);
  const thresholds = alertThresholds(options);
  const diskUsagePercent = '100 * longhorn_disk_usage_bytes / longhorn_disk_capacity_bytes';
  // A disk that is not ready reports capacity 0; percentAbove leaves it out.
  const diskUsageAbove = (percent: number) => percentAbove('longhorn_disk_usage_bytes', 'longhorn_disk_capacity_bytes', percent);
  const managerTargets = `up{job="${LONGHORN_MANAGER_METRICS.serviceName}", namespace="${namespace}"}`;

  const volumes: LonghornAlertRule[] = [
    rule('LonghornVolumeFaulted', CRITICAL, '2m', volumeRobustnessIs(version, 'faulted'),
      'Longhorn volume {{ $labels.volume }} is Faulted.',
      `Volume ${VOLUME} has no healthy replica: its data is unavailable to its workload. Check its replicas and the nodes they were on in the Longhorn UI.`),
    rule('LonghornVolumeDegraded', WARNING, '10m', volumeRobustnessIs(version, 'degraded'),
      'Longhorn volume {{ $labels.volume }} is Degraded.',
      `Volume ${VOLUME} has had fewer healthy replicas than it should for 10 minutes; one more failure can make it Faulted. Longhorn rebuilds a replica once a node with room for it is schedulable.`),
    rule('LonghornVolumeAttachmentStuck', WARNING, '15m', volumeStateIs(version, 'attaching', 'detaching'),
      'Longhorn volume {{ $labels.volume }} has been attaching or detaching for 15 minutes.',
      `Volume ${VOLUME} is stuck attaching or detaching on node {{ $labels.node }}; pods that use it cannot start or move. Check the volume's events and the instance manager on that node.`),
    rule('LonghornVolumeActualSpaceUsedWarning', WARNING, '5m',
      percentAbove('longhorn_volume_actual_size_bytes', 'longhorn_volume_capacity_bytes', thresholds.volumeActualSpaceUsedPercentage),
      `Longhorn volume {{ $labels.volume }} takes {{ $value | humanize }}% of its size on node {{ $labels.node }}.`,
      `The replica of volume ${VOLUME} on node {{ $labels.node }} takes more than ${thresholds.volumeActualSpaceUsedPercentage}% of the volume's size (volumeActualSpaceUsedPercentage). Either the filesystem is nearly full (grow the PVC), or snapshots hold old data (delete the ones you do not need, or keep fewer with a lower retain count in the recurring jobs).`),
  ];
  if (hasMetric(version, 'longhorn_volume_file_system_read_only')) {
    volumes.push(rule('LonghornVolumeFileSystemReadOnly', CRITICAL, '5m', 'longhorn_volume_file_system_read_only == 1',
      'Longhorn volume {{ $labels.volume }} is mounted read-only.',
      `The filesystem of volume ${VOLUME} on node {{ $labels.node }} went read-only after an I/O error; its workload cannot write. Longhorn retries remounting it; if that keeps failing, restart the pod that uses it.`));
  }

  const storage: LonghornAlertRule[] = [
    rule('LonghornDiskSpaceLow', WARNING, '10m', diskUsageAbove(warningUsage),
      'Longhorn disk {{ $labels.disk }} on node {{ $labels.node }} is {{ $value | humanize }}% full.',
      `Less than ${minimalAvailable}% of the disk is free (storage-minimal-available-percentage), so Longhorn schedules no new replica on it and volumes that lose a replica cannot rebuild there. Usage counts everything on the disk's filesystem. Delete snapshots or volumes, or add or grow a disk.`),
    rule('LonghornDiskSpaceLow', CRITICAL, '5m', diskUsageAbove(criticalUsage),
      'Longhorn disk {{ $labels.disk }} on node {{ $labels.node }} is {{ $value | humanize }}% full.',
      `Replicas on this disk fail when its filesystem is full, and their volumes go Degraded or Faulted. Free space now: delete snapshots or volumes, or disable scheduling on the disk and evict its replicas.`),
    rule('LonghornDiskNotReady', WARNING, '5m', 'longhorn_disk_status{condition="ready"} == 0',
      'Longhorn disk {{ $labels.disk }} on node {{ $labels.node }} is not ready.',
      `Longhorn cannot use the disk${REASON}: the replicas on it are failed and their volumes Degraded. Check that the disk is mounted at its path and is the filesystem Longhorn registered there.`),
    rule('LonghornDiskNotSchedulable', WARNING, '30m',
      `longhorn_disk_status{condition="schedulable"} == 0 unless on (node, disk) (${diskUsagePercent} > ${warningUsage}) unless on (node, disk) longhorn_disk_status{condition="ready"} == 0`,
      'Longhorn schedules no replica on disk {{ $labels.disk }} of node {{ $labels.node }}.',
      `The disk has more than ${minimalAvailable}% free but takes no new replica${REASON}. The usual cause is the over-provisioning limit: the replicas scheduled on it add up to more than (capacity - reserved) x storage-over-provisioning-percentage. Raise that setting, reserve less, or add disks.`),
  ];

  const nodes: LonghornAlertRule[] = [
    // Each longhorn-manager reports the status of its own node only: when a node or its manager dies, its series
    // disappear instead of turning 0. Every manager reports how many nodes Longhorn has, so the difference counts
    // them (Longhorn's documented LonghornNodeDown).
    rule('LonghornNodeDown', CRITICAL, '5m', `${NODES_NOT_READY} > 0`,
      '{{ $value }} Longhorn node(s) down or not ready.',
      `Longhorn has {{ $value }} node(s) that no longhorn-manager reports ready for 5 minutes: the node is down, its longhorn-manager is not running, or the node is not ready (LonghornNodeNotReady names those). Replicas on them are failed; volumes attached there cannot be used. Check the nodes (kubectl get nodes) and the longhorn-manager pods in ${namespace}.`),
    rule('LonghornNodeNotReady', CRITICAL, '5m', 'longhorn_node_status{condition="ready"} == 0',
      'Longhorn node {{ $labels.node }} is not ready.',
      `Longhorn cannot use node {{ $labels.node }}${REASON}: volumes cannot attach there and its replicas are failed. Common causes: the Kubernetes node is NotReady or under pressure, or host packages (open-iscsi) or mount propagation are missing.`),
    rule('LonghornNodeNotSchedulable', WARNING, '30m', 'longhorn_node_status{condition="schedulable"} == 0',
      'Longhorn schedules no replica on node {{ $labels.node }}.',
      `Node {{ $labels.node }} has been unschedulable for Longhorn for 30 minutes${REASON}, typically because the Kubernetes node is cordoned. Degraded volumes cannot rebuild there; uncordon it when maintenance is over.`),
    rule('LonghornNodeStorageWarning', WARNING, '5m',
      percentAbove('longhorn_node_storage_usage_bytes', 'longhorn_node_storage_capacity_bytes', thresholds.nodeStorageUsagePercentage),
      'Longhorn node {{ $labels.node }} has used {{ $value | humanize }}% of its storage.',
      `The disks of node {{ $labels.node }} are more than ${thresholds.nodeStorageUsagePercentage}% full together (nodeStorageUsagePercentage); LonghornDiskSpaceLow says which disk is short. Delete snapshots or volumes, or add disks.`),
    rule('LonghornNodeCPUUsageWarning', WARNING, '5m',
      percentAbove('longhorn_node_cpu_usage_millicpu', 'longhorn_node_cpu_capacity_millicpu', thresholds.nodeCpuUsagePercentage),
      'Longhorn node {{ $labels.node }} uses {{ $value | humanize }}% of its CPU.',
      `Node {{ $labels.node }} has used more than ${thresholds.nodeCpuUsagePercentage}% of its allocatable CPU for 5 minutes (nodeCpuUsagePercentage): volume I/O, rebuilds and backups there slow down. Move workloads away or add CPU. Longhorn reads usage from metrics-server; without it this alert never fires.`),
  ];

  const components: LonghornAlertRule[] = [
    rule('LonghornManagerDown', CRITICAL, '5m', `${managerTargets} == 0`,
      'Prometheus cannot scrape longhorn-manager {{ $labels.pod }}.',
      `longhorn-manager {{ $labels.pod }} ({{ $labels.instance }}) has not answered on its metrics port for 5 minutes: Longhorn cannot manage the volumes of its node, and the Longhorn alerts are blind there. If every manager is down while Longhorn works, a NetworkPolicy blocks Prometheus: Longhorn 1.12's chart admits only Longhorn's own pods to longhorn-manager.`),
    rule('LonghornMetricsAbsent', WARNING, '15m', `absent(${managerTargets})`,
      'Prometheus scrapes no longhorn-manager.',
      `No longhorn-manager target has existed for 15 minutes, so no Longhorn alert can fire. Check that the ServiceMonitor longhorn-manager carries the labels the Prometheus selects, and that the Service ${LONGHORN_MANAGER_METRICS.serviceName} exists in ${namespace}.`),
    rule('LonghornInstanceManagerNotReady', CRITICAL, '5m',
      `kube_pod_status_ready{namespace="${namespace}", pod=~"instance-manager-.+", condition="true"} == 0`,
      'Longhorn instance manager {{ $labels.pod }} is not ready.',
      `Instance manager {{ $labels.pod }} has not been ready for 5 minutes. It runs the engines and replicas of its node: volumes attached or replicated there are Degraded or Faulted, and none can attach there.`),
    rule('LonghornInstanceManagerCPUUsageWarning', WARNING, '5m',
      percentAbove('longhorn_instance_manager_cpu_usage_millicpu', 'longhorn_instance_manager_cpu_requests_millicpu', thresholds.instanceManagerCpuRequestPercentage),
      'Longhorn instance manager {{ $labels.instance_manager }} on node {{ $labels.node }} uses {{ $value | humanize }}% of its CPU request.',
      `Instance manager {{ $labels.instance_manager }} has used more than ${thresholds.instanceManagerCpuRequestPercentage}% of its CPU request for 5 minutes (instanceManagerCpuRequestPercentage): the engines and replicas it runs compete for CPU, and volume latency grows. Raise Longhorn's guaranteed-instance-manager-cpu setting, or spread volumes over more nodes. Longhorn reads usage from metrics-server; without it this alert never fires.`),
    rule('LonghornInstanceManagerMissing', CRITICAL, '10m',
      'longhorn_node_status{condition="ready"} == 1 unless on (node) longhorn_instance_manager_cpu_requests_millicpu',
      'Longhorn node {{ $labels.node }} has no instance manager.',
      `Node {{ $labels.node }} is ready for Longhorn but has had no instance manager pod for 10 minutes, so no engine or replica can run there. Check the events of the InstanceManager objects in ${namespace}: the pod may be refused (Pod Security, quota).`),
  ];

  const backups: LonghornAlertRule[] = [
    rule('LonghornBackupFailed', WARNING, '1m', `longhorn_backup_state == ${BACKUP_STATE.error}`,
      'Longhorn backup {{ $labels.backup }} of volume {{ $labels.volume }} failed.',
      'The volume\'s data is intact, but its newest restore point is older than planned. Check the backup target (reachability, credentials, free space) in the Longhorn UI. The alert resolves when the failed Backup object is deleted.'),
  ];

  return [
    { name: 'longhorn.volumes', rules: volumes },
    { name: 'longhorn.storage', rules: storage },
    { name: 'longhorn.nodes', rules: nodes },
    { name: 'longhorn.components', rules: components },
    { name: 'longhorn.backups', rules: backups },
  ];
}

/**
 * Longhorn nodes that no manager reports ready: the node count every manager reports, less the nodes reporting
 * Ready. Each side is 0 when its series are absent, so the expression always has a value.
 */
export const NODES_NOT_READY = '(avg(longhorn_node_count_total) or on() vector(0)) - (count(longhorn_node_status{condition="ready"} == 1) or on() vector(0))';

/** Series where 100 x `part` / `whole` is above `threshold`, with that percentage; never where `whole` is 0 (+Inf or NaN). */
function percentAbove(part: string, whole: string, threshold: number): string {
  return `100 * ${part} / ${whole} > ${threshold} and ${whole} > 0`;
}

function rule(alert: string, severity: string, duration: string, expr: string, summary: string, description: string): LonghornAlertRule {
  return { alert, expr, for: duration, labels: { severity }, annotations: { summary, description } };
}

/** Throws, naming the prop (after `at`, a composite's path to them), when a threshold is out of its range (what the rules check when they are made). */
export function checkLonghornAlertThresholds(thresholds: LonghornAlertThresholds, at = ''): void {
  alertThresholds(thresholds, at);
  storageThresholds(thresholds, at);
}

/** The thresholds of the alerts beside the disk ones, defaulted and checked. */
function alertThresholds(options: LonghornAlertThresholds, at = ''): Required<Pick<LonghornAlertThresholds,
'nodeStorageUsagePercentage' | 'volumeActualSpaceUsedPercentage' | 'instanceManagerCpuRequestPercentage' | 'nodeCpuUsagePercentage'>> {
  const percent = (prop: keyof LonghornAlertThresholds, value: number | undefined, fallback: number, max: number, why: string): number => {
    const result = value ?? fallback;
    if (!Number.isFinite(result) || result <= 0 || result > max) {
      throw new Error(`${at}${prop} is ${asNumber(result)} but must be a percentage above 0 and at most ${max} (${why}); leave it out for Longhorn's documented ${fallback}`);
    }
    return result;
  };
  return {
    nodeStorageUsagePercentage: percent('nodeStorageUsagePercentage', options.nodeStorageUsagePercentage, 70, 99, 'of the storage of the node\'s disks'),
    volumeActualSpaceUsedPercentage: percent('volumeActualSpaceUsedPercentage', options.volumeActualSpaceUsedPercentage, 90, 1000, 'of the volume\'s size; snapshots can take a replica past 100'),
    instanceManagerCpuRequestPercentage: percent('instanceManagerCpuRequestPercentage', options.instanceManagerCpuRequestPercentage, 300, 10000, 'of the instance manager\'s CPU request'),
    nodeCpuUsagePercentage: percent('nodeCpuUsagePercentage', options.nodeCpuUsagePercentage, 90, 100, 'of the node\'s allocatable CPU'),
  };
}

/** Disk usage percentages the warning and the critical alert fire above. */
function storageThresholds(options: LonghornAlertThresholds, at = ''): { minimalAvailable: number; warningUsage: number; criticalUsage: number } {
  const minimalAvailable = options.storageMinimalAvailablePercentage ?? 25;
  if (!Number.isInteger(minimalAvailable) || minimalAvailable < 1 || minimalAvailable > 99) {
    throw new Error(`${at}storageMinimalAvailablePercentage is ${asNumber(minimalAvailable)} but must be a whole number from 1 to 99, the value of Longhorn's storage-minimal-available-percentage setting`);
  }
  const warningUsage = 100 - minimalAvailable;
  const criticalUsage = options.storageCriticalUsagePercentage ?? 90;
  if (!Number.isFinite(criticalUsage) || criticalUsage <= warningUsage || criticalUsage >= 100) {
    throw new Error(`${at}storageCriticalUsagePercentage is ${asNumber(criticalUsage)} but must be above the warning level ${warningUsage} (100 - ${at}storageMinimalAvailablePercentage ${minimalAvailable}) and below 100`);
  }
  return { minimalAvailable, warningUsage, criticalUsage };
}
