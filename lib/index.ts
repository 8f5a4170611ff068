// The public API: constructs, their props and enums, and the few values and functions an app uses. Helpers the
// constructs share (values builders, render and output internals) stay in their modules, out of the API.
export { MonitoringStack, SMALL_CLUSTER_RESOURCES } from './stack/monitoring-stack';
export { MonitoringApp } from './output/layout';
export type { MonitoringStackProps, StackResources } from './stack/monitoring-stack';
export { KubernetesDistribution } from './stack/cluster';
export type { Cluster, ClusterDescription } from './stack/cluster';
export { Namespace, PodSecurityLevel } from './constructs/namespace';
export type { INamespace, NamespaceProps } from './constructs/namespace';
export { Longhorn, LonghornVersion } from './constructs/longhorn';
export type { LonghornProps } from './constructs/longhorn';
export { DataLocality, FsType, LonghornStorageClass, ReclaimPolicy } from './constructs/longhorn-storage-class';
export type { IStorageClass, LonghornStorageClassProps } from './constructs/longhorn-storage-class';
export { LonghornPrerequisites, OsFamily } from './constructs/longhorn-prerequisites';
export type { LonghornPrerequisitesProps } from './constructs/longhorn-prerequisites';
export { AccessMode, KubePrometheusStack, KubePrometheusStackVersion } from './constructs/kube-prometheus-stack';
export type { KubePrometheusStackProps } from './constructs/kube-prometheus-stack';
export { GitOpsBootstrap, GitOpsTool, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION } from './constructs/gitops';
export type { GitOpsBootstrapProps } from './constructs/gitops';
export { GrafanaAdminCredentials } from './constructs/grafana-admin';
export { HttpRoutePathType, IngressPathType, ServiceExposure, ServiceType } from './constructs/service-exposure';
export type { GatewayParentRef, HttpRouteOptions, HttpRoutePath, IngressOptions, IngressTls, LoadBalancerOptions } from './constructs/service-exposure';
export { ControlPlaneMonitoring, KUBEADM_CONTROL_PLANE } from './constructs/control-plane';
export type { ControlPlaneComponents } from './constructs/control-plane';
export type { ContainerResources, ResourceAmounts } from './constructs/container-resources';
export { Placement } from './constructs/placement';
export { AlertDelivery, AlertmanagerVersion, DiscordApi, INHIBIT_EQUAL_LABELS, Receiver, ReceiverKind, SecretKey, Severity } from './constructs/alerting';
export type {
  AlertDeliveryOptions, AlertRoutingProps, DiscordReceiverProps, EmailReceiverProps, NtfyReceiverProps, ReceiverOptions, SeverityRoute,
  SlackReceiverProps, TelegramReceiverProps, WebhookReceiverProps,
} from './constructs/alerting';
export { LonghornMonitoring } from './constructs/longhorn-monitoring';
export type { LonghornAlertThresholds, LonghornMonitoringProps } from './constructs/longhorn-monitoring';
export { ChartSource, CHART_MIRROR_ENV } from './render/chart-source';
export { KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART } from './render/charts';
export type { ChartDefinition } from './render/charts';
export { mergeValues } from './render/chart-values';
export type { ChartValues } from './render/chart-values';
export type { KubeManifest } from './render/manifest-parse';
export type { RenderedObjects } from './render/rendered-objects';
export { ClusterApi, DEFAULT_KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS, setKubernetesVersion } from './render/kube-api';
export type { IMonitoringTarget, MonitoringTarget } from './constructs/prometheus-selection';
export { ServiceMonitor } from './constructs/service-monitor';
export type { ServiceMonitorProps } from './constructs/service-monitor';
export { PodMonitor } from './constructs/pod-monitor';
export type { PodMonitorProps } from './constructs/pod-monitor';
export { PrometheusRules } from './constructs/prometheus-rules';
export type { AlertingRule, PrometheusRuleGroup, PrometheusRulesProps, RecordingRule } from './constructs/prometheus-rules';
export { GrafanaDashboard, GrafanaDashboardJson } from './constructs/grafana-dashboard';
export type { GrafanaDashboardProps } from './constructs/grafana-dashboard';
export type { ILonghornTarget, LonghornTarget } from './constructs/longhorn-target';
export { DEFAULT_RECURRING_JOB_GROUP, LonghornRecurringJob, RecurringJobTask } from './constructs/longhorn-recurring-job';
export type { LonghornRecurringJobProps } from './constructs/longhorn-recurring-job';
export { BackupStore, LonghornBackupTarget } from './constructs/longhorn-backup-target';
export type { LonghornBackupTargetProps, NfsBackupStoreOptions, S3BackupStoreOptions } from './constructs/longhorn-backup-target';
