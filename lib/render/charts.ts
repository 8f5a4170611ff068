import * as semver from 'semver';

/**
 * A Helm chart this library renders: where it is published and which versions its tests cover.
 * Any other version renders too, with one warning line at synth.
 */
export interface ChartDefinition {
  /** Chart name as published. */
  readonly name: string;
  /** Its https Helm repository (for `helm pull --repo`). */
  readonly repository: string;
  /**
   * Its OCI reference, when the chart is also published to an OCI registry.
   * @default - not published as OCI
   */
  readonly oci?: string;
  /** Versions the tests render and the README lists, oldest first. */
  readonly testedVersions: readonly string[];
}

/** kube-prometheus-stack: Prometheus, Alertmanager, Grafana, node-exporter, kube-state-metrics and the operator. */
export const KUBE_PROMETHEUS_STACK_CHART: ChartDefinition = {
  name: 'kube-prometheus-stack',
  repository: 'https://prometheus-community.github.io/helm-charts',
  oci: 'oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack',
  testedVersions: ['88.5.3'],
};

/** Longhorn: distributed block storage; its own `deploy/longhorn.yaml` is rendered from this chart. */
export const LONGHORN_CHART: ChartDefinition = {
  name: 'longhorn',
  repository: 'https://charts.longhorn.io',
  testedVersions: ['1.6.2', '1.7.3', '1.12.1'],
};

/** Every chart this library renders. */
export const ALL_CHARTS: readonly ChartDefinition[] = [KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART];

/**
 * Checks that `version` is an exact chart version and returns it; throws naming `prop` otherwise.
 * Whether it is tested is the render's business (it warns once per untested version).
 */
export function checkChartVersion(prop: string, chart: ChartDefinition, version: string): string {
  if (typeof version !== 'string' || semver.valid(version) !== version) {
    throw new Error(`${prop} is '${version}' but must be an exact ${chart.name} chart version such as '${chart.testedVersions.at(-1)}' (tested: ${chart.testedVersions.join(', ')})`);
  }
  return version;
}

/** Whether `version` is one the tests cover. */
export function isTestedVersion(chart: ChartDefinition, version: string): boolean {
  return chart.testedVersions.includes(version);
}
