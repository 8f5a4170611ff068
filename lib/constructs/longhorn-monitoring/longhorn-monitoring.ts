import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeManifest } from '../../render/manifest-parse';
import { KubePrometheusStack } from '../kube-prometheus-stack';
import { prometheusSelection, SelectedKind } from '../prometheus-selection';
import { Longhorn } from '../longhorn';
import { longhornAlertRules } from './alert-rules';
import { longhornDashboardConfigMap } from './dashboard';
import { isLonghornManagerIngressRestricted, longhornMetricsNetworkPolicy } from './network-policy';
import { LONGHORN_ALERT_THRESHOLDS_SHAPE, LonghornAlertThresholds } from './options';
import { checkProps, PropShape } from '../known-props';
import { longhornServiceMonitor } from './service-monitor';

/** Props of {@link LonghornMonitoring}. */
export interface LonghornMonitoringProps extends LonghornAlertThresholds {
  /** The Longhorn to monitor: its version decides the metrics the rules use, its render whether a NetworkPolicy is needed. */
  readonly longhorn: Longhorn;
  /** The stack whose Prometheus scrapes it and whose Grafana shows it. */
  readonly kubePrometheusStack: KubePrometheusStack;
  /**
   * Grafana folder of the dashboard.
   * @default 'Longhorn'
   */
  readonly grafanaFolder?: string;
}

/**
 * Longhorn, the storage every volume depends on, monitored by a kube-prometheus-stack: a
 * ServiceMonitor for longhorn-manager's metrics that the stack's Prometheus selects, alert rules for
 * what loses data or stops pods (volumes Degraded or Faulted, disks filling, nodes and instance
 * managers down, failed backups), a Grafana dashboard, and, where Longhorn's own NetworkPolicy
 * isolates longhorn-manager (1.12 renders one by default), a policy that lets Prometheus, and only
 * it, reach the metrics port.
 */
export class LonghornMonitoring extends Construct {
  /** The objects added, by role. */
  public readonly objects: { readonly serviceMonitor: ApiObject; readonly alertRules: ApiObject; readonly dashboard: ApiObject; readonly networkPolicy?: ApiObject };

  constructor(scope: Construct, id: string, props: LonghornMonitoringProps) {
    super(scope, id);
    checkProps(`LonghornMonitoring '${id}'`, props, LONGHORN_MONITORING_SHAPE);
    const prometheus = props.kubePrometheusStack.rendered?.manifests.find(m => m.kind === 'Prometheus');
    if (!prometheus) {
      throw new Error(`kubePrometheusStack renders no Prometheus (prometheus.enabled false in its values?), so nothing would scrape Longhorn; enable Prometheus or drop the Longhorn monitoring`);
    }
    const monitors = prometheusSelection(props.kubePrometheusStack, SelectedKind.SERVICE_MONITOR, 'kubePrometheusStack');
    const rules = prometheusSelection(props.kubePrometheusStack, SelectedKind.RULE, 'kubePrometheusStack');
    const options = {
      ...alertThresholds(props),
      longhornVersion: props.longhorn.version,
      longhornNamespace: props.longhorn.namespace.name,
      monitoringNamespace: monitors.prometheusNamespace,
      prometheusSelectorLabels: { ...monitors.labels, ...rules.labels },
      // The labels the operator puts on the Prometheus pods.
      prometheusPodSelector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': prometheus.metadata.name },
      grafanaFolder: props.grafanaFolder,
    };
    const add = (childId: string, manifest: KubeManifest) => new ApiObject(this, childId, manifest);
    this.objects = {
      serviceMonitor: add('ServiceMonitor', longhornServiceMonitor(options)),
      alertRules: add('AlertRules', longhornAlertRules(options)),
      dashboard: add('Dashboard', longhornDashboardConfigMap(options)),
      networkPolicy: isLonghornManagerIngressRestricted(props.longhorn.rendered?.manifests ?? [])
        ? add('MetricsNetworkPolicy', longhornMetricsNetworkPolicy(options))
        : undefined,
    };
  }
}

const LONGHORN_MONITORING_SHAPE: PropShape<LonghornMonitoringProps> = { ...LONGHORN_ALERT_THRESHOLDS_SHAPE, longhorn: true, kubePrometheusStack: true, grafanaFolder: true };

/** Only the thresholds of `props`, so no other prop reaches the rules by accident. */
function alertThresholds(props: LonghornAlertThresholds): LonghornAlertThresholds {
  const keys = Object.keys(LONGHORN_ALERT_THRESHOLDS_SHAPE) as Array<keyof LonghornAlertThresholds>;
  return Object.fromEntries(keys.filter(k => props[k] !== undefined).map(k => [k, props[k]]));
}
