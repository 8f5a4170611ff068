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
