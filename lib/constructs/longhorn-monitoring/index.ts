export * from './alert-rules';
export * from './dashboard';
export * from './longhorn-metrics';
export * from './network-policy';
export { DEFAULT_LONGHORN_NAMESPACE } from './options';
export type { LonghornAlertThresholds, LonghornMonitoringOptions } from './options';
export * from './service-monitor';
export * from './longhorn-monitoring';
