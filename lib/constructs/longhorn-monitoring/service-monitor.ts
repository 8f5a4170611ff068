import { KubeManifest } from '../../render/manifest-parse';
import { checkLabels, checkNamespace, DEFAULT_LONGHORN_NAMESPACE, LonghornMonitoringOptions } from './options';

/**
 * How Longhorn's chart (1.6.2 and 1.12.1) exposes longhorn-manager's metrics: the Service
 * `longhorn-backend`, labelled `app: longhorn-manager`, port `manager` (9500) onto the manager
 * container's port `manager`, which serves `/metrics` beside Longhorn's API.
 */
export const LONGHORN_MANAGER_METRICS = {
  /** The Service; Prometheus names the scrape job after it. */
  serviceName: 'longhorn-backend',
  /** Labels of that Service (and only that one among the chart's Services) and of the manager pods. */
  selector: { app: 'longhorn-manager' } as Readonly<Record<string, string>>,
  /** Name of the Service port and of the container port. */
  portName: 'manager',
  /** The container port's number. */
  port: 9500,
  /** Where the metrics are. */
  path: '/metrics',
} as const;

/** Options {@link longhornServiceMonitor} uses. */
export type LonghornServiceMonitorOptions = Pick<LonghornMonitoringOptions, 'longhornNamespace' | 'monitoringNamespace' | 'prometheusSelectorLabels'>;

/**
 * A ServiceMonitor that has Prometheus scrape every longhorn-manager pod (one per Longhorn node,
 * each reporting its own node, disks and the volumes it owns).
 *
 * It lives in the monitoring namespace and reaches into the Longhorn namespace with
 * `namespaceSelector`, as Longhorn's own Prometheus Operator example does: the Longhorn namespace
 * stays the Longhorn chart's alone, and the monitoring objects are managed (and removed) together.
 * kube-prometheus-stack's Prometheus selects ServiceMonitors in every namespace
 * (`serviceMonitorNamespaceSelector: {}`) and its ClusterRole lets it watch Services, Endpoints and
 * EndpointSlices in every namespace, so both placements work; this one breaks only if the Prometheus
 * has `ignoreNamespaceSelectors: true` (default false).
 */
export function longhornServiceMonitor(options: LonghornServiceMonitorOptions): KubeManifest {
  const longhornNamespace = checkNamespace('longhornNamespace', options.longhornNamespace ?? DEFAULT_LONGHORN_NAMESPACE);
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      name: 'longhorn-manager',
      namespace: checkNamespace('monitoringNamespace', options.monitoringNamespace),
      labels: { ...checkLabels('prometheusSelectorLabels', options.prometheusSelectorLabels, "{ release: 'kube-prometheus-stack' }") },
    },
    spec: {
      selector: { matchLabels: { ...LONGHORN_MANAGER_METRICS.selector } },
      namespaceSelector: { matchNames: [longhornNamespace] },
      endpoints: [{ port: LONGHORN_MANAGER_METRICS.portName, path: LONGHORN_MANAGER_METRICS.path }],
    },
  };
}
