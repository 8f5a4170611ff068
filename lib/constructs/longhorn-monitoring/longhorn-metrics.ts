import * as semver from 'semver';
import { LonghornVersion } from '../longhorn';

/**
 * Where a metric the monitoring uses comes from, and the first Longhorn version that documents it
 * when that is later than every version this project pins.
 */
export interface MetricSource {
  /** `longhorn-manager` (Longhorn's own /metrics), `kube-state-metrics`, or `prometheus` (synthetic series). */
  readonly exporter: 'longhorn-manager' | 'kube-state-metrics' | 'prometheus';
  /** First Longhorn version whose metrics page lists it; absent when 1.6 already has it. */
  readonly sinceLonghorn?: string;
}

/**
 * Every metric the alert rules and the dashboard use, checked against Longhorn's metrics pages.
 *
 * The longhorn-manager metrics are listed on both
 * https://longhorn.io/docs/1.6.0/monitoring/metrics/ (same list on the 1.7.0 page, so 1.6.2 has them)
 * and https://longhorn.io/docs/1.12.1/monitoring/metrics/ (longhorn/website
 * `content/docs/<version>/monitoring/metrics.md`), unless `sinceLonghorn` says otherwise.
 * Usage metrics of nodes, instance managers and managers come from the Kubernetes metrics API:
 * without metrics-server they are not exported at all (longhorn-manager `metrics_collector`).
 */
export const MONITORING_METRICS: Readonly<Record<string, MetricSource>> = {
  longhorn_volume_actual_size_bytes: { exporter: 'longhorn-manager' },
  longhorn_volume_capacity_bytes: { exporter: 'longhorn-manager' },
  longhorn_volume_state: { exporter: 'longhorn-manager' },
  longhorn_volume_robustness: { exporter: 'longhorn-manager' },
  longhorn_volume_read_throughput: { exporter: 'longhorn-manager' },
  longhorn_volume_write_throughput: { exporter: 'longhorn-manager' },
  longhorn_volume_read_iops: { exporter: 'longhorn-manager' },
  longhorn_volume_write_iops: { exporter: 'longhorn-manager' },
  longhorn_volume_read_latency: { exporter: 'longhorn-manager' },
  longhorn_volume_write_latency: { exporter: 'longhorn-manager' },
  // Not on the 1.6.0 or 1.7.0 page; on 1.8.0 onwards (longhorn/longhorn#8508, longhorn-manager#3082).
  longhorn_volume_file_system_read_only: { exporter: 'longhorn-manager', sinceLonghorn: '1.8.0' },
  longhorn_node_status: { exporter: 'longhorn-manager' },
  longhorn_node_count_total: { exporter: 'longhorn-manager' },
  longhorn_node_cpu_capacity_millicpu: { exporter: 'longhorn-manager' },
  longhorn_node_cpu_usage_millicpu: { exporter: 'longhorn-manager' },
  longhorn_node_storage_capacity_bytes: { exporter: 'longhorn-manager' },
  longhorn_node_storage_usage_bytes: { exporter: 'longhorn-manager' },
  longhorn_node_storage_reservation_bytes: { exporter: 'longhorn-manager' },
  longhorn_disk_capacity_bytes: { exporter: 'longhorn-manager' },
  longhorn_disk_usage_bytes: { exporter: 'longhorn-manager' },
  longhorn_disk_reservation_bytes: { exporter: 'longhorn-manager' },
  longhorn_disk_status: { exporter: 'longhorn-manager' },
  longhorn_instance_manager_cpu_usage_millicpu: { exporter: 'longhorn-manager' },
  longhorn_instance_manager_cpu_requests_millicpu: { exporter: 'longhorn-manager' },
  longhorn_instance_manager_memory_usage_bytes: { exporter: 'longhorn-manager' },
  longhorn_instance_manager_memory_requests_bytes: { exporter: 'longhorn-manager' },
  longhorn_manager_cpu_usage_millicpu: { exporter: 'longhorn-manager' },
  longhorn_manager_memory_usage_bytes: { exporter: 'longhorn-manager' },
  longhorn_backup_actual_size_bytes: { exporter: 'longhorn-manager' },
  longhorn_backup_state: { exporter: 'longhorn-manager' },
  longhorn_snapshot_actual_size_bytes: { exporter: 'longhorn-manager' },
  // Deployed by kube-prometheus-stack; Longhorn has no metric for an instance manager pod's readiness.
  kube_pod_status_ready: { exporter: 'kube-state-metrics' },
  up: { exporter: 'prometheus' },
};

/**
 * From this version on, `longhorn_volume_robustness` and `longhorn_volume_state` carry the state in a
 * `state` label (1 for the current state, 0 for the others) instead of encoding it in the value.
 * The 1.9.0 page still documents numbers, the 1.11.0 and 1.12.1 pages document labels
 * (longhorn/longhorn#10723, verified on master in November 2025, after 1.10.0 was out).
 */
export const LABELLED_VOLUME_STATES_SINCE = '1.11.0';

/** A volume's robustness as Longhorn reports it, with its number in the older value encoding. */
export const VOLUME_ROBUSTNESS = { unknown: 0, healthy: 1, degraded: 2, faulted: 3 } as const;

/** A volume's state as Longhorn reports it, with its number in the older value encoding. */
export const VOLUME_STATE = { creating: 1, attached: 2, detached: 3, attaching: 4, detaching: 5, deleting: 6 } as const;

/**
 * `longhorn_backup_state` values; the same encoding on the 1.6.0 and 1.12.1 pages. From 1.12 a Backup can also be
 * Deleting, which longhorn-manager's getBackupStateValue has no case for: it reports 0, as New does (read in
 * longhorn-manager v1.12.0 metrics_collector/backup_collector.go), so 0 means either.
 */
export const BACKUP_STATE = { new: 0, pending: 1, inProgress: 2, completed: 3, error: 4, unknown: 5 } as const;

/** Whether `version` documents `metric`. */
export function hasMetric(version: LonghornVersion | string, metric: string): boolean {
  const source = MONITORING_METRICS[metric];
  if (!source) throw new Error(`${metric} is not among the verified monitoring metrics`);
  return !source.sinceLonghorn || semver.gte(version, source.sinceLonghorn);
}

/** PromQL that keeps the volumes whose robustness is one of `robustness`, as `version` encodes it. */
export function volumeRobustnessIs(version: LonghornVersion | string, ...robustness: Array<keyof typeof VOLUME_ROBUSTNESS>): string {
  return volumeStateSelector(version, 'longhorn_volume_robustness', robustness, VOLUME_ROBUSTNESS);
}

/** PromQL that keeps the volumes whose state is one of `states`, as `version` encodes it. */
export function volumeStateIs(version: LonghornVersion | string, ...states: Array<keyof typeof VOLUME_STATE>): string {
  return volumeStateSelector(version, 'longhorn_volume_state', states, VOLUME_STATE);
}

function volumeStateSelector(version: LonghornVersion | string, metric: string, states: string[], values: Record<string, number>): string {
  if (semver.gte(version, LABELLED_VOLUME_STATES_SINCE)) {
    const matcher = states.length === 1 ? `state="${states[0]}"` : `state=~"${states.join('|')}"`;
    return `${metric}{${matcher}} == 1`;
  }
  const alternatives = states.map(s => `${metric} == ${values[s]}`);
  return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' or ')})`;
}
