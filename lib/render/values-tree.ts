import { ChartValuesSource } from './chart-values-source';
import { commentedValues } from './commented-values';
import { isKubernetesObjectField } from './kubernetes-fields';
import { templateValueUses } from './template-values';
import { schemaShape, SchemaShape } from './values-schema';
import { isMap, parseValuesYaml } from './values-yaml';

/** Why a key is known to a chart. */
export enum KnownBecause {
  /** It has a default in values.yaml. */
  DEFAULT = 'default in values.yaml',
  /** values.yaml shows it in a comment. */
  COMMENT = 'commented example in values.yaml',
  /** A template reads it. */
  TEMPLATE = 'read by a template',
  /** values.schema.json declares it. */
  SCHEMA = 'declared in values.schema.json',
  /** Chart.yaml names it as a dependency's condition. */
  CONDITION = 'dependency condition in Chart.yaml',
  /** A packaged subchart lives under it. */
  SUBCHART = 'subchart',
  /** Helm itself gives it meaning (`global`). */
  HELM = 'Helm',
}

/** A key the chart knows, and what it accepts below it. */
export interface ValuesNode {
  /** Keys known below this one. */
  readonly children: Map<string, ValuesNode>;
  /** Why the key is known. */
  readonly known: KnownBecause;
  /** Set when any key below is accepted: why. */
  open?: string;
  /** Set when values.schema.json forbids other keys here: nothing may open it. */
  closedBySchema?: boolean;
  /** Set on the root of a chart or subchart. */
  chart?: { readonly name: string; readonly version: string };
}

/** Which sources feed the tree; all by default. Turning one off measures what it contributes. */
export interface ValuesTreeSources {
  /** Commented examples in values.yaml. @default true */
  readonly comments?: boolean;
  /** What templates read and pass on. @default true */
  readonly templates?: boolean;
  /** Kubernetes field names (resources, affinity, ...) whose defaults are not empty. @default true */
  readonly kubernetesFields?: boolean;
}

/** Open because values.yaml gives `{}`: the chart leaves the keys to the user. */
export const OPEN_EMPTY = 'empty default';
/** Open because the value is a list: its items are not checked (a schema may check them). */
export const OPEN_LIST = 'a list (its items are not checked)';
/** Open because the default is a scalar: there are no keys to compare with. */
export const OPEN_SCALAR = 'a scalar default';
/** Open because values.yaml gives `~` or nothing: any value, map or not, may go there. */
export const OPEN_NULL = 'no default (~)';
/** Open because it is `global`, which Helm passes to every chart and subchart. */
export const OPEN_GLOBAL = 'global values, shared with every subchart';
const OPEN_SCHEMA_DECLARED = 'declared in values.schema.json, which says nothing of its keys';
/** Reasons that only say the chart left a value unset: another source that knows the keys wins. */
const WEAK_REASONS = new Set([OPEN_EMPTY, OPEN_SCALAR, OPEN_NULL]);

/**
 * The keys a chart knows, as a tree: its values.yaml defaults, the keys its comments document,
 * the keys its templates read, its values.schema.json, and each subchart's tree under the
 * subchart's key. Nodes that take any key (maps the chart leaves open) are marked `open`.
 */
export function valuesTree(source: ChartValuesSource, sources: ValuesTreeSources = {}): ValuesNode {
  const root = node(KnownBecause.DEFAULT);
  root.chart = { name: source.name, version: source.version };
  const parsed = parseValuesYaml(source.valuesYaml);
  const defaults = parsed.defaults;
  const kubernetesTyped = new Set<ValuesNode>();
  if (isMap(defaults)) addDefaults(root, defaults, sources.kubernetesFields !== false ? kubernetesTyped : undefined);

  for (const [key, sub] of Object.entries(source.subcharts).sort(([a], [b]) => a.localeCompare(b))) {
    const mounted = valuesTree(sub, sources);
    const section = root.children.get(key);
    // The parent's own section for a subchart (`grafana:` in kube-prometheus-stack) adds keys its
    // templates read; its own default (often `{}`) says nothing about the subchart's keys.
    if (section) mergeChildren(mounted, section);
    root.children.set(key, { ...mounted, known: KnownBecause.SUBCHART });
  }

  if (sources.comments !== false) {
    for (const example of commentedValues(parsed)) {
      if (example.kind === 'key') ensure(root, example.path, KnownBecause.COMMENT, `${KnownBecause.COMMENT} (line ${example.line})`);
    }
  }
  if (sources.templates !== false) {
    const uses = templateValueUses(source.templates);
    // A map named like a Kubernetes field whose keys the templates read one by one is the chart's
    // own (Longhorn's `image.csi.livenessProbe` is an image, `persistence.defaultNodeSelector` is
    // `{ enable, selector }`): its keys are checked after all.
    for (const path of uses.read) {
      let at = root;
      for (const key of path.slice(0, -1)) {
        const next = at.children.get(key);
        if (!next) break;
        at = next;
        if (kubernetesTyped.has(at)) at.open = undefined;
      }
    }
    for (const path of uses.read) ensure(root, path, KnownBecause.TEMPLATE, 'read by a template that says nothing of its shape');
    for (const { path, file } of uses.passedOn) open(ensure(root, path, KnownBecause.TEMPLATE), `passed on whole by ${file}`);
  }
  for (const dependency of source.dependencies) {
    for (const condition of dependency.conditions) ensure(root, condition.split('.'), KnownBecause.CONDITION, OPEN_SCALAR);
  }
  if (source.dependencies.some(d => d.tags.length)) open(ensure(root, ['tags'], KnownBecause.CONDITION), 'dependency tags');
  if (source.valuesSchemaJson) applySchema(root, schemaShape(source.valuesSchemaJson));
  // Helm passes `global` to every chart and subchart; it is always a key, and always open.
  const global = root.children.get('global') ?? node(KnownBecause.HELM);
  root.children.set('global', global);
  global.open = OPEN_GLOBAL;
  return root;
}

function node(known: KnownBecause, openBecause?: string): ValuesNode {
  return { children: new Map(), known, ...(openBecause && { open: openBecause }) };
}

/**
 * Adds the defaults below `parent`. Maps named like Kubernetes fields are open, their keys kept
 * (and the nodes put in `kubernetesTyped`) in case the templates show them to be the chart's own.
 */
function addDefaults(parent: ValuesNode, values: Record<string, unknown>, kubernetesTyped: Set<ValuesNode> | undefined): void {
  for (const [key, value] of Object.entries(values)) {
    const field = kubernetesTyped && isMap(value) && Object.keys(value).length ? isKubernetesObjectField(key, value) : undefined;
    const child = node(KnownBecause.DEFAULT, field ? `the Kubernetes field ${field}, whose keys Kubernetes defines` : defaultOpenness(value));
    parent.children.set(key, child);
    if (field) kubernetesTyped?.add(child);
    if (isMap(value)) addDefaults(child, value, kubernetesTyped);
  }
}

/** Why a default leaves its key open, if it does. */
function defaultOpenness(value: unknown): string | undefined {
  if (value === null || value === undefined) return OPEN_NULL;
  if (Array.isArray(value)) return OPEN_LIST;
  if (!isMap(value)) return OPEN_SCALAR;
  return Object.keys(value).length === 0 ? OPEN_EMPTY : undefined;
}

/** The node at `path`, created (and marked `open` with `openBecause`) where missing. Stops at an open node. */
function ensure(root: ValuesNode, path: readonly string[], known: KnownBecause, openBecause?: string): ValuesNode {
  let at = root;
  for (const key of path) {
    if (at.open) return at;
    let child = at.children.get(key);
    if (!child) {
      if (at.closedBySchema) return at;
      child = node(known, openBecause);
      at.children.set(key, child);
    }
    at = child;
  }
  return at;
}

function open(at: ValuesNode, because: string): void {
  if (!at.open && !at.closedBySchema) at.open = because;
}

/** Adds `from`'s keys to `into`; a key that either source opens for a reason beyond an unset default is open. */
function mergeInto(into: ValuesNode, from: ValuesNode): void {
  if (from.open && !WEAK_REASONS.has(from.open) && !into.open) into.open = from.open;
  mergeChildren(into, from);
}

function mergeChildren(into: ValuesNode, from: ValuesNode): void {
  for (const [key, child] of from.children) {
    const existing = into.children.get(key);
    if (existing) mergeInto(existing, child);
    else into.children.set(key, child);
  }
}

/** values.schema.json: its properties are known, and its additionalProperties decide openness. */
function applySchema(at: ValuesNode, shape: SchemaShape): void {
  if (shape.additional === 'forbidden') {
    at.open = undefined;
    at.closedBySchema = true;
  } else if (shape.additional === 'allowed') {
    at.open = at.open ?? 'values.schema.json allows any key';
  }
  for (const [key, childShape] of shape.properties) {
    let child = at.children.get(key);
    if (!child) {
      child = node(KnownBecause.SCHEMA, childShape.additional === 'forbidden' ? undefined : OPEN_SCHEMA_DECLARED);
      at.children.set(key, child);
    }
    if (childShape.properties.size || childShape.additional === 'forbidden') {
      if (child.open === OPEN_SCHEMA_DECLARED) child.open = undefined;
      applySchema(child, childShape);
    }
  }
}

/** A key of some values that the tree does not know. */
export interface UnknownKey {
  /** Keys from the values root, the unknown one last. */
  readonly path: readonly string[];
  /** The node the key was looked up in. */
  readonly parent: ValuesNode;
  /** The innermost chart or subchart the key falls in, and where its root is. */
  readonly chart: { readonly name: string; readonly version: string; readonly root: ValuesNode; readonly path: readonly string[] };
}

/**
 * Every key of `values` the tree does not know. Below an open node nothing is checked; a list is
 * not looked into (its items are open); keys set to undefined count as absent.
 */
export function unknownKeys(tree: ValuesNode, values: unknown): UnknownKey[] {
  const found: UnknownKey[] = [];
  const walk = (at: ValuesNode, value: unknown, path: string[], chart: UnknownKey['chart']) => {
    if (at.open || !isMap(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const known = at.children.get(key);
      if (!known) {
        found.push({ path: [...path, key], parent: at, chart });
        continue;
      }
      const childPath = [...path, key];
      walk(known, child, childPath, known.chart ? { ...known.chart, root: known, path: childPath } : chart);
    }
  };
  walk(tree, values, [], { name: tree.chart?.name ?? '', version: tree.chart?.version ?? '', root: tree, path: [] });
  return found;
}
