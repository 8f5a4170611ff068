/**
 * A Helm chart this project renders: where it comes from and the exact versions it accepts.
 *
 * Every chart the project renders is pinned here, in one place, with the SHA-256 digest of its
 * packaged archive (the `.tgz` that `helm pull` gives), so a render is reproducible and a tampered
 * or half-downloaded archive is refused.
 */
export interface ChartPin {
  /** Chart name as published in its repository. */
  readonly name: string;
  /** Helm repository URL (for `helm pull --repo`). */
  readonly repository: string;
  /** Accepted versions, each with the SHA-256 digest of its packaged archive. */
  readonly versions: { readonly [version: string]: string };
}

/** kube-prometheus-stack: Prometheus, Alertmanager, Grafana, node-exporter, kube-state-metrics and the operator. */
export const KUBE_PROMETHEUS_STACK_CHART: ChartPin = {
  name: 'kube-prometheus-stack',
  repository: 'https://prometheus-community.github.io/helm-charts',
  versions: {
    '88.5.3': '0b5211c60f5cb2d49ad268eef26092122069e5a2166d25f784bf31f7da652145',
  },
};

/** Longhorn: distributed block storage; its own `deploy/longhorn.yaml` is rendered from this chart. */
export const LONGHORN_CHART: ChartPin = {
  name: 'longhorn',
  repository: 'https://charts.longhorn.io',
  versions: {
    '1.6.2': 'f899c9e8e1b5890ac64abe8d7c67a569fa1ce7f46bf9f95796f290013937e6f1',
    '1.12.1': 'bc20f99946497be262454fa7d17cb1e8c600f0112d610c7479a72b2e7441166f',
  },
};

/** Every pinned chart, for vendoring. */
export const ALL_CHARTS: readonly ChartPin[] = [KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART];

/**
 * Throws, naming `prop`, unless `version` is pinned for `pin`; `enumName` is the enum users pick versions from.
 */
export function checkPinnedVersion(prop: string, pin: ChartPin, version: string, enumName: string, enumValues: Record<string, string>): string {
  if (pin.versions[version] === undefined) {
    const members = Object.keys(enumValues).map(k => `${enumName}.${k}`).join(' or ');
    throw new Error(`${prop} is '${version}' but this library renders only ${pin.name} ${Object.keys(pin.versions).join(', ')}; use ${members}`);
  }
  return version;
}
