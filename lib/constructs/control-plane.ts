import { ChartValues } from '../render/chart-values';
import { oneOf, PropShape } from './known-props';

/** Whether Prometheus scrapes a control-plane component (and alerts on it). */
export enum ControlPlaneMonitoring {
  /**
   * Scrape it on the chart's standard ports (controller-manager 10257, scheduler 10259, etcd 2381,
   * kube-proxy 10249). On kubeadm this needs the component to listen on the node's address first:
   * see the README's "self-built cluster" section.
   */
  SCRAPE = 'scrape',
  /** No Service, ServiceMonitor, recording rules or alerts for it. */
  DISABLED = 'disabled',
}

/** A choice per control-plane component that Prometheus may scrape. */
export interface ControlPlaneComponents {
  /**
   * kube-controller-manager.
   * @default ControlPlaneMonitoring.SCRAPE
   */
  readonly controllerManager?: ControlPlaneMonitoring;
  /**
   * kube-scheduler.
   * @default ControlPlaneMonitoring.SCRAPE
   */
  readonly scheduler?: ControlPlaneMonitoring;
  /**
   * etcd.
   * @default ControlPlaneMonitoring.SCRAPE
   */
  readonly etcd?: ControlPlaneMonitoring;
  /**
   * kube-proxy.
   * @default ControlPlaneMonitoring.SCRAPE
   */
  readonly kubeProxy?: ControlPlaneMonitoring;
}

const CHOICE = oneOf(ControlPlaneMonitoring, 'ControlPlaneMonitoring');
/** The shape of {@link ControlPlaneComponents}, for the prop checks. */
export const CONTROL_PLANE_SHAPE: PropShape<ControlPlaneComponents> = { controllerManager: CHOICE, scheduler: CHOICE, etcd: CHOICE, kubeProxy: CHOICE };

/** kube-prometheus-stack's switch for each component and the rule groups that belong to it. */
const CHART_KEYS: Record<keyof ControlPlaneComponents, { component: string; rules: string[] }> = {
  controllerManager: { component: 'kubeControllerManager', rules: ['kubeControllerManager'] },
  scheduler: { component: 'kubeScheduler', rules: ['kubeSchedulerAlerting', 'kubeSchedulerRecording'] },
  etcd: { component: 'kubeEtcd', rules: ['etcd'] },
  kubeProxy: { component: 'kubeProxy', rules: ['kubeProxy'] },
};

/** kube-prometheus-stack's switch for each component. */
export const CONTROL_PLANE_CHART_KEYS = Object.fromEntries(Object.entries(CHART_KEYS).map(([k, v]) => [k, v.component])) as Record<keyof ControlPlaneComponents, string>;

/** Chart values that turn off each DISABLED component cleanly: its Service, ServiceMonitor and rules. */
export function controlPlaneValues(components: ControlPlaneComponents): ChartValues {
  const values: ChartValues = {};
  const rules: Record<string, boolean> = {};
  for (const [key, chartKeys] of Object.entries(CHART_KEYS) as Array<[keyof ControlPlaneComponents, typeof CHART_KEYS[keyof ControlPlaneComponents]]>) {
    if ((components[key] ?? ControlPlaneMonitoring.SCRAPE) === ControlPlaneMonitoring.DISABLED) {
      values[chartKeys.component] = { enabled: false };
      for (const rule of chartKeys.rules) rules[rule] = false;
    }
  }
  if (Object.keys(rules).length > 0) values.defaultRules = { rules };
  return values;
}

/** On kubeadm these listen on 127.0.0.1, so the default is not to scrape them. */
export const KUBEADM_CONTROL_PLANE: Required<ControlPlaneComponents> = {
  controllerManager: ControlPlaneMonitoring.DISABLED,
  scheduler: ControlPlaneMonitoring.DISABLED,
  etcd: ControlPlaneMonitoring.DISABLED,
  kubeProxy: ControlPlaneMonitoring.DISABLED,
};
