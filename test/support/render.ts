import { ChartDefinition, KUBE_PROMETHEUS_STACK_CHART } from '../../lib/render/charts';
import { KubeManifest } from '../../lib/render/manifest-parse';
import { HookPolicy, transformRender } from '../../lib/render/pipeline';
import { renderChart } from '../../lib/render/render';

/**
 * A chart's objects through the one render path and its transforms, without constructs: what the
 * Longhorn and KubePrometheusStack constructs start from.
 */
export function renderManifests(request: { chart: ChartDefinition; version: string; releaseName: string; namespace: string; values?: Record<string, unknown> }): KubeManifest[] {
  const rendered = renderChart({ ...request, values: request.values ?? {} });
  if (!rendered) throw new Error(`${request.chart.name} ${request.version} is missing`);
  const hooks = request.chart === KUBE_PROMETHEUS_STACK_CHART ? HookPolicy.KEEP_INSTALL_HOOKS : HookPolicy.DROP_ALL;
  return transformRender(rendered.documents.map(d => d.manifest), { namespace: request.namespace, hooks }).manifests;
}

/**
 * One kube-prometheus-stack render with two unusual values, each checked by its own test: a node
 * affinity for Grafana (render.test.ts: the transforms keep it) and a Prometheus spec field given
 * twice (manifest-parse.test.ts: `logFormat` is rendered from the chart's default and from
 * `additionalConfig`). The two do not touch each other, so both tests share one render.
 */
export const GRAFANA_AFFINITY = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } };
export const UNUSUAL_VALUES_RENDER = {
  chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3', releaseName: 'kps', namespace: 'obs',
  values: { grafana: { affinity: { nodeAffinity: GRAFANA_AFFINITY } }, prometheus: { prometheusSpec: { additionalConfig: { logFormat: 'json' } } } },
};

/**
 * The values render.test.ts and longhorn-monitoring.test.ts render Longhorn with: the chart's defaults
 * plus the ServiceMonitor of its own (which longhorn-monitoring compares the library's with). It adds
 * one object and touches nothing else, so both files share one render per version.
 */
export const LONGHORN_VALUES = { metrics: { serviceMonitor: { enabled: true } } };
