export * from './alert-rules';
export * from './dashboard';
export * from './longhorn-metrics';
export * from './network-policy';
export * from './options';
export * from './service-monitor';
