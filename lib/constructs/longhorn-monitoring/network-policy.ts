import { KubeManifest } from '../../render/manifest-parse';
import { LabelSelectorJson, matchesSelector } from '../prometheus-selection';
import { checkLabels, checkNamespace, DEFAULT_LONGHORN_NAMESPACE, LonghornMonitoringOptions } from './options';
import { LONGHORN_MANAGER_METRICS } from './service-monitor';

/** Options {@link longhornMetricsNetworkPolicy} uses. */
export type LonghornMetricsNetworkPolicyOptions = Pick<LonghornMonitoringOptions, 'longhornNamespace' | 'monitoringNamespace' | 'prometheusPodSelector'>;

/**
 * A NetworkPolicy that lets the Prometheus pods, and only them, reach longhorn-manager's metrics port.
 *
 * Needed when another NetworkPolicy already isolates the longhorn-manager pods for ingress and the
 * cluster's CNI enforces NetworkPolicies (Calico, Cilium, Canal, Antrea; plain Flannel does not): then
 * Prometheus' scrapes time out and every manager looks down. Longhorn 1.12.1's chart renders such a
 * policy by default: `networkPolicies.restrictInternalTraffic` is true (independent of
 * `networkPolicies.enabled`), and its `longhorn-manager` policy admits only Longhorn's own pods
 * (https://longhorn.io/docs/1.12.1/advanced-resources/security/network-policy/). Longhorn 1.6.2's chart
 * renders its policies only with `networkPolicies.enabled: true` (default false).
 *
 * Add it only next to such a policy ({@link isLonghornManagerIngressRestricted}): on its own it would
 * isolate the manager pods, and every connection but Prometheus' (UI, CSI plugin, other managers,
 * webhooks) would be refused. Policies add up, so it widens nothing the chart allows. Port 9500 also
 * serves Longhorn's (unauthenticated) API; that is where the metrics are, so Prometheus can reach both.
 */
export function longhornMetricsNetworkPolicy(options: LonghornMetricsNetworkPolicyOptions): KubeManifest {
  const monitoringNamespace = checkNamespace('monitoringNamespace', options.monitoringNamespace);
  const prometheusPods = checkLabels('prometheusPodSelector', options.prometheusPodSelector,
    "{ 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' }");
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: 'longhorn-manager-metrics',
      namespace: checkNamespace('longhornNamespace', options.longhornNamespace ?? DEFAULT_LONGHORN_NAMESPACE),
    },
    spec: {
      podSelector: { matchLabels: { ...LONGHORN_MANAGER_METRICS.selector } },
      policyTypes: ['Ingress'],
      ingress: [{
        // One peer with both selectors: Prometheus pods in the monitoring namespace, not any pod there
        // nor any pod so labelled elsewhere.
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': monitoringNamespace } },
          podSelector: { matchLabels: { ...prometheusPods } },
        }],
        ports: [{ protocol: 'TCP', port: LONGHORN_MANAGER_METRICS.port }],
      }],
    },
  };
}

/**
 * Whether `manifests` (a render of Longhorn) hold a NetworkPolicy that isolates the longhorn-manager
 * pods for ingress, i.e. whether {@link longhornMetricsNetworkPolicy} is needed beside it. Judged from
 * the render (the manager DaemonSet's pod labels against each policy's podSelector) rather than from
 * the version, so chart values that turn the policies on or off count.
 */
export function isLonghornManagerIngressRestricted(manifests: readonly KubeManifest[]): boolean {
  const manager = manifests.find(m => m.kind === 'DaemonSet' && m.metadata.name === 'longhorn-manager');
  if (!manager) {
    throw new Error('the manifests hold no DaemonSet longhorn-manager; pass the objects of a Longhorn render');
  }
  const podLabels = (manager.spec as { template: { metadata: { labels?: Record<string, string> } } }).template.metadata.labels ?? {};
  return manifests.some(m => {
    if (m.kind !== 'NetworkPolicy' || m.metadata.namespace !== manager.metadata.namespace) return false;
    const spec = m.spec as { podSelector?: LabelSelectorJson; policyTypes?: string[] };
    // Without policyTypes a policy always isolates for ingress.
    const isolatesIngress = spec.policyTypes === undefined || spec.policyTypes.includes('Ingress');
    return isolatesIngress && matchesSelector(podLabels, spec.podSelector ?? {});
  });
}
