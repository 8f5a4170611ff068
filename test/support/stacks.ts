import { ControlPlaneMonitoring, KUBEADM_CONTROL_PLANE, MonitoringStackProps } from '../../lib';

/**
 * A second cluster beside the reference one, set apart from the defaults in several ways that do not
 * touch each other: 3 workers, 30 days of retention, etcd scraped, and Grafana putting every
 * dashboard in one folder. Tests of each of these (multi-cluster, monitoring-stack and
 * grafana-dashboard) use this one configuration, so its charts are rendered once for all of them.
 */
export const OFFICE: MonitoringStackProps = {
  cluster: { workerNodes: 3 },
  retentionDays: 30,
  controlPlane: { ...KUBEADM_CONTROL_PLANE, etcd: ControlPlaneMonitoring.SCRAPE },
  kubePrometheusStackValues: { grafana: { sidecar: { dashboards: { provider: { foldersFromFilesStructure: false } } } } },
};
