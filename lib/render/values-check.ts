import { closest, distance } from 'fastest-levenshtein';
import { ChartValuesSource } from './chart-values-source';
import { ChartValuesModel, coalesce, ResolvedChartFiles, resolvedValuesModel, valuesModel } from './values-model';
import { schemaErrors } from './values-schema';
import { UnknownKey, unknownKeys, ValuesNode } from './values-tree';
import { isMap } from './values-yaml';

export type { ChartValuesSource } from './chart-values-source';
export { readChartValuesSource } from './chart-values-source';
export type { ResolvedChartFiles } from './values-model';

/** What is wrong with a raw chart value. */
export enum ValuesProblemKind {
  /** The chart has no such key: Helm would ignore it without a word. */
  UNKNOWN_KEY = 'unknown-key',
  /** A typed prop sets this value; the raw one would fight it or be ignored. */
  OWNED_BY_PROP = 'owned-by-prop',
  /** values.schema.json rejects the value. */
  SCHEMA = 'schema',
  /** The value turns back on a Helm hook or admission webhook that plain YAML cannot run. */
  REVIVES_HOOK = 'revives-hook',
}

/** One problem with raw chart values. */
export interface ValuesProblem {
  /** What kind of problem. */
  readonly kind: ValuesProblemKind;
  /** Where, from the values root: `grafana.adminPasword`, `grafana["grafana.ini"].server`. */
  readonly path: string;
  /** The whole message: path, chart and version, and what to do. */
  readonly message: string;
}

/** A value that a typed prop sets, so raw values must leave it alone. */
export interface OwnedValue {
  /** Its path, dot-separated as in `helm --set` (`\.` for a dot inside a key): `grafana.adminPassword`. */
  readonly path: string;
  /** The prop that owns it: `grafanaAdmin`. */
  readonly prop: string;
  /**
   * What the prop owns, in words.
   * @default - 'this value'
   */
  readonly owns?: string;
  /**
   * Why the raw value must not be set, e.g. what would happen to it.
   * @default - none
   */
  readonly hint?: string;
  /**
   * The fix to offer.
   * @default - `set ${prop} instead`
   */
  readonly use?: string;
  /**
   * What the prop sets there: a raw value equal to it says the same thing and is accepted.
   * @default - the prop sets nothing there, so any raw value contradicts it
   */
  readonly propValue?: unknown;
}

/**
 * The owned values whose prop the app set (a dotted prop such as `controlPlane.etcd` counts when that
 * key is set), each with what the props put there in `generated` and named as `names` says (a composite's
 * own prop names). An unset prop owns nothing: the raw
 * value then stands, and what depends on it reads the render.
 */
export function ownedBySetProps(owned: readonly OwnedValue[], props: object, generated: Readonly<Record<string, unknown>>, names: Readonly<Record<string, string>> = {}): OwnedValue[] {
  const named = (prop: string): string => names[prop] ?? (names[prop.split('.')[0]] ? [names[prop.split('.')[0]], ...prop.split('.').slice(1)].join('.') : prop);
  return owned
    .filter(o => valueAt(props, o.prop.split('.')) !== undefined)
    .map(o => ({ ...o, prop: named(o.prop), propValue: valueAt(generated, parsePath(o.path)) }));
}

/** Input of {@link checkChartValues}. */
export interface ChartValuesCheck {
  /** Chart name, for messages: `kube-prometheus-stack`. */
  readonly chart: string;
  /** Chart version, for messages: `88.5.3`. */
  readonly version: string;
  /**
   * The chart: its files as {@link readChartValuesSource} reads them, or the archive or folder
   * the render resolved with its digest (`{ path, digest }`, as `resolveChart` returns), whose
   * model is then kept on disk by digest and the chart read only when that cache misses.
   */
  readonly chartFiles: ChartValuesSource | ResolvedChartFiles;
  /** The user's raw values. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The prop the raw values came in, for messages: `kubePrometheusStackValues`. */
  readonly valuesProp: string;
  /**
   * Values that typed props own.
   * @default - none
   */
  readonly ownedPaths?: readonly OwnedValue[];
}

/**
 * Checks raw chart values against what the chart knows: every key must be one the chart (or the
 * subchart it falls in) defines, documents or reads, below maps the chart leaves open anything
 * goes; values.schema.json, where the chart has one, must accept them; and no value a typed prop
 * owns may be set. Returns every problem (unknown keys in the order of the values, then schema
 * errors, then owned values); empty when all is well.
 *
 * What the chart knows is worked out once per `chartFiles` (per digest, on disk too, for a resolved
 * chart) and kept for the process; a check after that takes a few milliseconds. Without raw values
 * the chart is not read at all.
 */
export function checkChartValues(input: ChartValuesCheck): ValuesProblem[] {
  // Nothing to check: most apps pass no raw values, and then the chart is not even read.
  if (Object.values(input.values).every(v => v === undefined)) return [];
  const model = 'valuesYaml' in input.chartFiles ? valuesModel(input.chartFiles) : resolvedValuesModel(input.chartFiles);
  const label = `${input.chart} ${input.version}`;
  const problems: ValuesProblem[] = unknownKeys(model.tree, input.values).map(unknown => unknownKeyProblem(unknown, input.valuesProp, label));
  problems.push(...schemaProblems(input, model, label, new Set(problems.map(p => p.path))));
  for (const owned of input.ownedPaths ?? []) {
    const path = parsePath(owned.path);
    const raw = valueAt(input.values, path);
    if (raw === undefined || (owned.propValue !== undefined && sameValue(raw, owned.propValue))) continue;
    const shown = `${input.valuesProp}.${formatPath(path)}`;
    problems.push({
      kind: ValuesProblemKind.OWNED_BY_PROP,
      path: formatPath(path),
      message: `${shown} is set, but the ${owned.prop} prop owns ${owned.owns ?? 'this value'}${owned.hint ? ` (${owned.hint})` : ''}; ${owned.use ?? `set ${owned.prop} instead`}`,
    });
  }
  return problems;
}

/** A value that brings back a Helm hook or an admission webhook when set to `value`. */
export interface HookRevivingValue {
  /** Its path, dot-separated as in `helm --set`: `prometheusOperator.admissionWebhooks.enabled`. */
  readonly path: string;
  /** The value that revives the hook: `true`. */
  readonly value: unknown;
  /** What comes back and why plain YAML cannot run it. */
  readonly why: string;
}

/** Input of {@link checkHookRevivingValues}. */
export interface HookRevivingCheck {
  /** Chart name, for messages. */
  readonly chart: string;
  /** Chart version, for messages. */
  readonly version: string;
  /** The user's raw values. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The prop the raw values came in, for messages. */
  readonly valuesProp: string;
  /** The settings that revive hooks, with why each must stay off. */
  readonly settings: readonly HookRevivingValue[];
}

/**
 * Finds raw values that turn Helm hooks or admission webhooks back on. The output is plain YAML
 * that kubectl or a GitOps tool applies: nothing runs a hook Job at its Helm moment, so what the
 * hook would make (a webhook's certificate, a pre-upgrade check) never exists.
 */
export function checkHookRevivingValues(input: HookRevivingCheck): ValuesProblem[] {
  return input.settings.flatMap(setting => {
    const path = parsePath(setting.path);
    const value = valueAt(input.values, path);
    if (value === undefined || !sameValue(value, setting.value)) return [];
    return [{
      kind: ValuesProblemKind.REVIVES_HOOK,
      path: formatPath(path),
      message: `${input.valuesProp}.${formatPath(path)} is ${JSON.stringify(value)}, which turns back on what ${input.chart} ${input.version} runs as a Helm hook or admission webhook: ${setting.why}; remove it`,
    }];
  });
}

function unknownKeyProblem(unknown: UnknownKey, valuesProp: string, label: string): ValuesProblem {
  const path = formatPath(unknown.path);
  const inSubchart = unknown.chart.path.length ? ` (${unknown.chart.name} ${unknown.chart.version})` : '';
  const suggestions = suggest(unknown);
  const key = unknown.path[unknown.path.length - 1];
  const parentPath = unknown.path.slice(0, -1);
  const siblings = [...unknown.parent.children.keys()];
  const startingWith = key.length >= 3 ? siblings.filter(s => s.toLowerCase().startsWith(key.toLowerCase())).sort() : [];
  let hint: string;
  if (suggestions.length) {
    const shown = suggestions.slice(0, 3).map(formatPath);
    const more = suggestions.length > 3 ? ` (and ${suggestions.length - 3} more)` : '';
    hint = `did you mean ${shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}` : shown[0]}${more}?`;
  } else if (startingWith.length) {
    // A key split into several (`defaultRules.rules.k8s` became `k8sContainerCpuUsageSecondsTotal`, ...).
    hint = `the keys at ${formatPath(parentPath) || 'the top level'} that start with '${key}' are ${startingWith.join(', ')}`;
  } else if (siblings.length && siblings.length <= 12) {
    hint = `the keys at ${parentPath.length ? formatPath(parentPath) : 'the top level'} are ${siblings.sort().join(', ')}`;
  } else {
    hint = `Helm would ignore '${key}' without a word; remove it or fix its name`;
  }
  return { kind: ValuesProblemKind.UNKNOWN_KEY, path, message: `${valuesProp}.${path} is not a value of ${label}${inSubchart}; ${hint}` };
}

/**
 * Known paths the user probably meant: a sibling spelt alike (`adminPasword` -> `adminPassword`,
 * `nodeselector` -> `nodeSelector`), else the same key a few levels deeper
 * (`prometheus.retention` -> `prometheus.prometheusSpec.retention`), else a sibling spelt less
 * alike, else the same key elsewhere in the chart.
 */
function suggest(unknown: UnknownKey): string[][] {
  const key = unknown.path[unknown.path.length - 1];
  const parentPath = unknown.path.slice(0, -1);
  const siblings = [...unknown.parent.children.keys()];
  const sameLetters = siblings.find(s => s.toLowerCase() === key.toLowerCase());
  if (sameLetters) return [[...parentPath, sameLetters]];
  const nearest = siblings.length ? closest(key, siblings) : undefined;
  const away = nearest === undefined ? Infinity : distance(key, nearest);
  if (nearest !== undefined && away <= 2) return [[...parentPath, nearest]];
  const below = findKey(unknown.parent, key, parentPath, 3);
  if (below.length) return below;
  if (nearest !== undefined && away <= Math.floor(key.length / 3)) return [[...parentPath, nearest]];
  const elsewhere = findKey(unknown.chart.root, key, [...unknown.chart.path], 4);
  if (elsewhere.length) return elsewhere;
  // A subchart's value given to its parent: `adminPassword` -> `grafana.adminPassword`.
  const inSubchart = unknown.path.length === unknown.chart.path.length + 1 ? findKey(unknown.chart.root, key, [...unknown.chart.path], 2, true) : [];
  if (inSubchart.length) return inSubchart;
  // A key moved and renamed: `defaultSettings.backupstorePollInterval` -> `defaultBackupStore.pollInterval`.
  const tail = /[a-z0-9]([A-Z][A-Za-z0-9]{4,})$/.exec(key)?.[1];
  return tail ? findKey(unknown.chart.root, tail, [...unknown.chart.path], 3) : [];
}

/**
 * The shallowest paths below `at` (at most `depth` levels) ending in `key`, any case; into
 * subcharts only when asked (a subchart has its own keys: the same name there is another thing).
 */
function findKey(at: ValuesNode, key: string, path: string[], depth: number, intoSubcharts = false): string[][] {
  let level: Array<[ValuesNode, string[]]> = [[at, path]];
  for (let d = 0; d < depth && level.length; d++) {
    const found: string[][] = [];
    const next: Array<[ValuesNode, string[]]> = [];
    for (const [node, nodePath] of level) {
      for (const [name, child] of node.children) {
        if (name.toLowerCase() === key.toLowerCase()) found.push([...nodePath, name]);
        else if (intoSubcharts || !child.chart) next.push([child, [...nodePath, name]]);
      }
    }
    if (found.length) return found;
    level = next;
  }
  return [];
}

/** values.schema.json of the chart and of each subchart, checked against defaults merged with the user's values. */
function schemaProblems(input: ChartValuesCheck, model: ChartValuesModel, label: string, reported: Set<string>): ValuesProblem[] {
  const problems: ValuesProblem[] = [];
  for (const scope of model.schemas) {
    const prefix = [...scope.path];
    let merged = coalesce(scope.defaults, prefix.length ? valueAt(input.values, prefix) : input.values);
    if (prefix.length && isMap(merged)) merged = { ...merged, global: coalesce(merged.global, input.values.global) };
    const chartLabel = prefix.length ? `${label} (${scope.chart.name} ${scope.chart.version})` : label;
    for (const error of schemaErrors(scope.schemaJson, merged)) {
      const path = [...prefix, ...error.path];
      // Errors the user's values did not cause (the chart's defaults, what typed props set) are helm's to report.
      if (valueAt(input.values, path) === undefined || reported.has(formatPath(path))) continue;
      const shown = `${input.valuesProp}.${formatPath(path)}`;
      const unknown = error.unknownKey;
      let message: string;
      if (unknown === undefined) {
        message = `${shown} ${error.message}, says the values.schema.json of ${chartLabel}`;
      } else {
        const at = path.slice(0, -1);
        const nearest = unknown.declared.length ? closest(unknown.key, [...unknown.declared]) : undefined;
        const hint = nearest !== undefined && distance(unknown.key, nearest) <= Math.max(2, Math.floor(unknown.key.length / 3)) ? `; did you mean ${formatPath([...at, nearest])}?` : '';
        message = `${shown} is not a value of ${chartLabel}: its values.schema.json allows no other keys at ${formatPath(at) || 'the top level'}${hint}`;
      }
      problems.push({ kind: unknown === undefined ? ValuesProblemKind.SCHEMA : ValuesProblemKind.UNKNOWN_KEY, path: formatPath(path), message });
    }
  }
  return problems;
}

/** `a.b\.c` -> ['a', 'b.c'], as `helm --set` reads it. */
function parsePath(path: string): string[] {
  return path.split(/(?<!\\)\./).map(part => part.replace(/\\\./g, '.'));
}

/** ['grafana', 'grafana.ini', 'server'] -> `grafana["grafana.ini"].server`; ['ports', 0] -> `ports[0]`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((key, i) => {
    if (typeof key === 'number') return `[${key}]`;
    return /^[^.\s[\]"]+$/.test(key) ? `${i ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`;
  }).join('');
}

/** The value at `path` in a values tree (maps and lists), or undefined where any step is missing. */
export function valueAt(values: unknown, path: ReadonlyArray<string | number>): unknown {
  let at = values;
  for (const key of path) {
    if (typeof key === 'number') at = Array.isArray(at) ? at[key] : undefined;
    else at = isMap(at) ? at[key] : undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What to add to helm's words when a template failed on a value that a null in the raw values deleted: helm drops a
 * key set to null together with every chart default under it, and a template that reads below it then fails with
 * `nil pointer evaluating`. Names the prop and the null, and the chart's switch (`<key>.enabled`) where it has one.
 * Empty when helm failed for another reason.
 */
export function deletedByNullHint(helmError: string, raw: { readonly prop: string; readonly values: unknown }, chart: ResolvedChartFiles): string {
  const read = /executing "([^"]+)" at <\.Values\.([\w.-]+)>:\s*nil pointer evaluating/.exec(helmError);
  if (!read) return '';
  // A subchart's template (`<chart>/charts/<subchart>/templates/...`) reads its values below the subchart's name.
  const path = [...[...read[1].matchAll(/\/charts\/([^/]+)(?=\/)/g)].map(m => m[1]), ...read[2].split('.')];
  for (let length = 1; length < path.length; length++) {
    const prefix = path.slice(0, length);
    if (valueAt(raw.values, prefix) !== null) continue;
    let off = '';
    try {
      let node: ValuesNode | undefined = resolvedValuesModel(chart).tree;
      for (const key of prefix) node = node?.children.get(key);
      if (node?.children.has('enabled')) off = `, or ${formatPath([...prefix, 'enabled'])}: false to leave it out`;
    } catch {
      // A chart whose values cannot be read here: helm's error, and the null, say enough.
    }
    return `\n${raw.prop} sets ${formatPath(prefix)} to null, and helm deletes a key set to null with every chart default under it; a template of the chart still reads ${formatPath(path)}. Set only the keys under ${formatPath(prefix)} that you mean to change${off}.`;
  }
  return '';
}
