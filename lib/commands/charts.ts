import { removeChartLockEntry } from '../render/chart-lock';
import { ChartSource, describeMissing, MissingChartError, ResolvedChart, resolveChart } from '../render/chart-source';
import { ALL_CHARTS, ChartDefinition } from '../render/charts';

/** `name@version` of a chart this library knows. */
export function parseChartRef(ref: string): { chart: ChartDefinition; version: string } {
  const [name, version] = ref.split('@');
  const chart = ALL_CHARTS.find(c => c.name === name);
  if (!chart || !version) {
    throw new Error(`'${ref}' is not a chart reference; use name@version with a chart of ${ALL_CHARTS.map(c => c.name).join(', ')}, e.g. longhorn@1.12.1`);
  }
  return { chart, version };
}

/**
 * Puts chart archives into the chart folder (CDK8S_CHARTS_DIR, default charts/), pulling what is
 * missing (from CDK8S_CHART_MIRROR when set) and recording each in charts.lock. Without refs: every
 * tested version of every chart. Every missing chart is listed in one error; nothing is left behind
 * for a chart that could not be pulled.
 */
export function vendorCharts(refs: readonly string[]): ResolvedChart[] {
  const wanted = refs.length > 0 ? refs.map(parseChartRef) : ALL_CHARTS.flatMap(chart => chart.testedVersions.map(version => ({ chart, version })));
  const resolved: ResolvedChart[] = [];
  const missing: MissingChartError[] = [];
  for (const { chart, version } of wanted) {
    try {
      resolved.push(resolveChart(chart, version, ChartSource.default(chart)));
    } catch (e) {
      if (!(e instanceof MissingChartError)) throw e;
      missing.push(e);
    }
  }
  if (missing.length > 0) throw new Error(describeMissing(missing));
  return resolved;
}

/**
 * Accepts the archive now in the chart folder for `name@version` as the new locked one: its entry in
 * charts.lock is replaced by the archive's digest. For when a repository re-published a version on
 * purpose, or a mirror serves repackaged bytes that you have checked.
 */
export function acceptChart(ref: string): ResolvedChart {
  const { chart, version } = parseChartRef(ref);
  removeChartLockEntry(chart.name, version);
  return resolveChart(chart, version, ChartSource.default(chart));
}
