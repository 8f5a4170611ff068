import { KubeManifest } from '../../render/manifest-parse';
import LONGHORN_DASHBOARD from './longhorn-dashboard.json';
import { checkLabels, checkNamespace, LonghornMonitoringOptions } from './options';

/** Options {@link longhornDashboardConfigMap} uses. */
export type LonghornDashboardOptions = Pick<LonghornMonitoringOptions, 'monitoringNamespace' | 'grafanaFolder' | 'grafanaFolderAnnotation' | 'grafanaDashboardLabels'>;

/**
 * The Longhorn Grafana dashboard: volumes by robustness and state, space per volume and snapshot,
 * volume throughput, IOPS and latency, storage per node and disk, node and disk conditions,
 * instance manager and manager resources, backups.
 *
 * Like kube-prometheus-stack's own dashboards it picks its Prometheus through a `datasource`
 * variable (type `datasource`, query `prometheus`), and adds `node` and `volume` filters. It uses only
 * metrics that Longhorn 1.6 and 1.12 both document, and reads volume robustness and state in both
 * encodings (numbers before 1.11, a `state` label from 1.11), so its history stays readable across an
 * upgrade. Resource usage panels need metrics-server.
 */
export const longhornDashboard: Readonly<Record<string, unknown>> = LONGHORN_DASHBOARD;

/**
 * A ConfigMap carrying {@link longhornDashboard} for kube-prometheus-stack's Grafana dashboard
 * sidecar: labelled as the sidecar collects dashboards (`grafana_dashboard: "1"`, in every namespace
 * with the chart's `searchNamespace: ALL`), with the folder in the sidecar's folder annotation (a
 * relative path, created under the sidecar's dashboard directory).
 */
export function longhornDashboardConfigMap(options: LonghornDashboardOptions): KubeManifest {
  const folder = options.grafanaFolder ?? 'Longhorn';
  if (!/^[^/]+$/.test(folder) || folder === '.' || folder === '..') {
    throw new Error(`grafanaFolder is '${folder}' but must be one folder name, without '/'`);
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'longhorn-dashboard',
      namespace: checkNamespace('monitoringNamespace', options.monitoringNamespace),
      labels: { ...checkLabels('grafanaDashboardLabels', options.grafanaDashboardLabels ?? { grafana_dashboard: '1' }, "{ grafana_dashboard: '1' }") },
      annotations: { [options.grafanaFolderAnnotation ?? 'k8s-sidecar-target-directory']: folder },
    },
    data: { 'longhorn.json': JSON.stringify(longhornDashboard) },
  };
}
