// import-values: the values.yaml of a `helm install kube-prometheus-stack` as a main.ts with a MonitoringStack, typed
// props where a prop owns the value, raw chart values for the rest.
import * as YAML from 'yaml';

/** Options of {@link importValues}. */
export interface ImportValuesOptions {
  /** The values.yaml text. */
  readonly values: string;
  /** Where the values came from, for the file's comment. */
  readonly source: string;
  /** The Helm release name (`helm install <release> ...`). */
  readonly release: string;
  /** The release's namespace (`helm install -n <namespace>`). */
  readonly namespace: string;
  /** The Longhorn version the cluster runs. */
  readonly longhornVersion: string;
  /**
   * The module the app imports the constructs from.
   * @default 'cdk8s-monitoring-stack'
   */
  readonly library?: string;
}

/** What import-values made. */
export interface ImportedValues {
  /** The main.ts text. */
  readonly mainTs: string;
  /** Notes a person must read: where a value went that is not where it was. */
  readonly notes: string[];
  /** Values no prop or raw value can carry, left out. */
  readonly unmapped: string[];
}

type Values = Record<string, any>;

/**
 * Translates a kube-prometheus-stack values.yaml into a MonitoringStack app:
 * - `grafana.adminPassword` (or `grafana.admin.existingSecret`) becomes `grafanaAdmin` from the Secret helm made (the
 *   password stays in the cluster, out of the code);
 * - `grafana.service`, `prometheus.service`, `alertmanager.service` with a type become `ServiceExposure`s;
 * - `prometheus.prometheusSpec.storageSpec` becomes `prometheusStorageSize` (the class is the stack's own);
 * - `prometheus.prometheusSpec.retention` becomes `retention` (Prometheus' syntax, as the prop takes it), `retentionSize` stays a size;
 * - everything else goes into `kubePrometheusStackValues`, as it was.
 */
export function importValues(options: ImportValuesOptions): ImportedValues {
  const parsed = YAML.parse(options.values) ?? {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${options.source} holds no map of values (a values.yaml is a YAML map)`);
  const rest: Values = structuredClone(parsed);
  const props: string[] = [];
  const imports = new Set(['MonitoringApp', 'MonitoringStack']);
  const notes: string[] = [];
  const unmapped: string[] = [];
  const take = (path: string): any => {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<any>((node, k) => node?.[k], rest);
    if (!parent || typeof parent !== 'object' || !(keys[keys.length - 1] in parent)) return undefined;
    const value = parent[keys[keys.length - 1]];
    delete parent[keys[keys.length - 1]];
    return value;
  };

  props.push(`releaseName: ${str(options.release)}`);
  if (options.namespace !== 'monitoring') props.push(`monitoringNamespace: ${str(options.namespace)}`);
  props.push(`longhornVersion: ${str(options.longhornVersion)}`);

  // Grafana's admin: from the Secret that helm install made (or the one the values named).
  const existing = take('grafana.admin.existingSecret');
  const userKey = take('grafana.admin.userKey');
  const passwordKey = take('grafana.admin.passwordKey');
  const password = take('grafana.adminPassword');
  take('grafana.adminUser');
  imports.add('GrafanaAdminCredentials');
  if (existing) {
    const keys = userKey || passwordKey ? `, { ${[userKey && `userKey: ${str(userKey)}`, passwordKey && `passwordKey: ${str(passwordKey)}`].filter(Boolean).join(', ')} }` : '';
    props.push(`grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(${str(existing)}${keys})`);
  } else {
    props.push(`grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(${str(`${options.release}-grafana`)})`);
    notes.push(password !== undefined
      ? `grafana.adminPassword: not copied; Grafana reads the admin password from the Secret ${options.release}-grafana that helm install made from it (deploy --adopt keeps that Secret). Remove the password from ${options.source}: it is plain text there`
      : `grafanaAdmin: the Secret ${options.release}-grafana that helm install made with the chart's generated password`);
  }

  for (const [component, prop] of [['grafana', 'grafanaService'], ['prometheus', 'prometheusService'], ['alertmanager', 'alertmanagerService']]) {
    const exposure = serviceExposure(component, take, notes);
    if (exposure) {
      imports.add('ServiceExposure');
      props.push(`${prop}: ${exposure}`);
    }
  }

  const storage = take('prometheus.prometheusSpec.storageSpec');
  if (storage !== undefined) {
    const spec = storage?.volumeClaimTemplate?.spec ?? {};
    const size = spec.resources?.requests?.storage;
    if (size) props.push(`prometheusStorageSize: ${str(size)}`);
    if (spec.storageClassName) {
      notes.push(`prometheus.prometheusSpec.storageSpec: storageClassName '${spec.storageClassName}' becomes the stack's own Longhorn class (prometheusStorageClassName, default 'longhorn-prometheus'); the existing claim keeps its class and its volume (a claim's class never changes), new claims get the new one`);
    }
    const other = Object.keys(storage?.volumeClaimTemplate?.spec ?? {}).filter(k => !['resources', 'storageClassName', 'accessModes'].includes(k));
    for (const k of other) unmapped.push(`prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.${k}: the stack makes the claim template itself`);
  }
  const retention = take('prometheus.prometheusSpec.retention');
  if (retention !== undefined) {
    props.push(`retention: ${str(String(retention))}`);
  }
  const retentionSize = take('prometheus.prometheusSpec.retentionSize');
  if (retentionSize !== undefined) props.push(`retentionSize: ${str(String(retentionSize))}`);

  // What the stack does not run: Helm hooks and the admission webhook (no Helm runs them).
  const webhooks = take('prometheusOperator.admissionWebhooks');
  if (webhooks !== undefined) unmapped.push('prometheusOperator.admissionWebhooks: the stack runs no admission webhook (its certificates come from Helm hooks); deploy --adopt removes the release\'s webhook configurations');
  prune(rest);
  if (Object.keys(rest).length > 0) props.push(`kubePrometheusStackValues: ${ts(rest, '  ')}`);

  const mainTs = [
    `// Made by 'cdk8s-monitoring import-values' from ${options.source} (helm release '${options.release}' in ${options.namespace}, Longhorn ${options.longhornVersion}).`,
    '// Typed props where a prop owns the value; kubePrometheusStackValues holds the rest as it was.',
    '// Then: npm run synth && npm run diff && npm run deploy -- --adopt (see the README, "Coming from helm install").',
    `import { ${[...imports].sort().join(', ')} } from '${options.library ?? 'cdk8s-monitoring-stack'}';`,
    '',
    'const app = new MonitoringApp();',
    "new MonitoringStack(app, 'homelab', {",
    ...props.map(p => `  ${p},`),
    '});',
    'app.synth();',
    '',
  ].join('\n');
  return { mainTs, notes, unmapped };
}

/** The ServiceExposure of `<component>.service` (type and node port), or undefined when the values set none. */
function serviceExposure(component: string, take: (path: string) => any, notes: string[]): string | undefined {
  const type = take(`${component}.service.type`);
  const nodePort = take(`${component}.service.nodePort`);
  if (type === undefined && nodePort === undefined) return undefined;
  switch (type ?? 'ClusterIP') {
    case 'NodePort':
      if (nodePort === undefined) notes.push(`${component}.service: a NodePort without a port; the stack's default port for it applies`);
      return nodePort === undefined ? undefined : `ServiceExposure.nodePort(${Number(nodePort)})`;
    case 'LoadBalancer': {
      const ip = take(`${component}.service.loadBalancerIP`);
      return `ServiceExposure.loadBalancer(${ip ? `{ loadBalancerIP: ${str(ip)} }` : ''})`;
    }
    default:
      return 'ServiceExposure.clusterIP()';
  }
}

/** Drops maps left empty by what was taken. */
function prune(values: Values): void {
  for (const [k, v] of Object.entries(values)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      prune(v);
      if (Object.keys(v).length === 0) delete values[k];
    }
  }
}

function str(value: string): string {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A value as TypeScript source: keys that are identifiers bare, others quoted. */
function ts(value: unknown, indent: string): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[\n${value.map(v => `${indent}  ${ts(v, `${indent}  `)},`).join('\n')}\n${indent}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Values);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${indent}  ${/^[A-Za-z_$][\w$]*$/.test(k) ? k : str(k)}: ${ts(v, `${indent}  `)},`).join('\n')}\n${indent}}`;
  }
  return typeof value === 'string' ? str(value) : String(value);
}
