import * as YAML from 'yaml';
import { KubeManifest } from '../render/manifest-parse';
import { accessUrls } from './access-urls';

/**
 * An operator's pre-flight check of one cluster's output, read from the objects themselves: what
 * Prometheus scrapes and alerts on, where alerts go, what is reachable from outside and how. One line each.
 */
export function preflight(objects: readonly KubeManifest[]): string[] {
  const lines: string[] = [];
  const monitors = objects.filter(o => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
  const groups = objects.filter(o => o.kind === 'PrometheusRule').flatMap(r => ((r.spec as any)?.groups ?? []) as Array<{ rules?: Array<{ alert?: string }> }>);
  const alertCount = groups.flatMap(g => g.rules ?? []).filter(r => r.alert).length;
  if (monitors.length > 0) {
    const names = monitors.map(m => shortName(m)).sort();
    lines.push(`monitored: ${monitors.length} scrape target(s) (${names.join(', ')}); ${alertCount} alert rule(s) in ${groups.length} group(s)`);
  }
  const alerting = alertDestinations(objects);
  if (alerting) lines.push(`alerts: ${alerting}`);
  const urls = accessUrls([{ file: '', objects: [...objects] }]);
  // Only what these four kinds open is listed: pods on the host's network (node-exporter) are reachable too.
  lines.push(urls.length > 0
    ? `exposed: ${urls.map(u => `${u.url} (${u.via})`).join(', ')}; no other NodePort, LoadBalancer, Ingress or HTTPRoute`
    : 'exposed: no NodePort, LoadBalancer, Ingress or HTTPRoute');
  return lines;
}

/** The Alertmanager configuration's receivers and routes, from the Secret the chart renders for the operator. */
function alertDestinations(objects: readonly KubeManifest[]): string | undefined {
  const secret = objects.find(o => o.kind === 'Secret' && o.metadata.name.startsWith('alertmanager-') && (o.data as any)?.['alertmanager.yaml']);
  if (!secret) return undefined;
  const config = YAML.parse(Buffer.from((secret.data as any)['alertmanager.yaml'], 'base64').toString('utf8')) as {
    route?: Route; receivers?: Array<Record<string, unknown> & { name: string }>;
  };
  const kinds = new Map((config.receivers ?? []).map(r => [r.name, Object.keys(r).filter(k => k.endsWith('_configs')).map(k => k.replace(/_configs$/, ''))]));
  const delivering = [...kinds.entries()].filter(([, k]) => k.length > 0);
  if (delivering.length === 0) {
    return 'go nowhere: no receiver is set (MonitoringStack prop alerting, e.g. AlertDelivery.route with Receiver.slack)';
  }
  const routes = (config.route?.routes ?? []).filter(r => (kinds.get(r.receiver ?? '') ?? []).length > 0)
    .map(r => `${(r.matchers ?? []).join(', ') || 'all'} → ${r.receiver} (${kinds.get(r.receiver!)!.join(', ')})`);
  const rest = routes.length === 0 ? 'all' : 'anything else';
  const fallback = config.route?.receiver && (kinds.get(config.route.receiver) ?? []).length > 0 ? `${rest} → ${config.route.receiver}` : `${rest} goes nowhere`;
  return [routes.join('; '), fallback].filter(Boolean).join(', ');
}

interface Route {
  receiver?: string;
  matchers?: string[];
  routes?: Route[];
}

/** A monitor's name without the release prefix the chart gives it (kube-prometheus-stack-grafana → grafana). */
function shortName(monitor: KubeManifest): string {
  const release = monitor.metadata.labels?.release;
  return release && monitor.metadata.name.startsWith(`${release}-`) ? monitor.metadata.name.slice(release.length + 1) : monitor.metadata.name;
}
