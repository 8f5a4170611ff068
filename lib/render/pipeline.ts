import { canonical, frozen } from './canonical';
import { isClusterScoped } from './kube-api';
import { KubeManifest } from './manifest-parse';
import { DroppedHook } from './report';

/** What a Helm hook becomes in plain YAML, where no Helm runs it at its moment. */
export enum HookPolicy {
  /**
   * Drop every hook object, as `helm template --no-hooks` does (the way Longhorn's own
   * `deploy/longhorn.yaml` is made).
   */
  DROP_ALL = 'drop-all',
  /**
   * Keep `pre-/post-install` and `pre-/post-upgrade` hooks as plain objects (annotations stripped),
   * so what they create at install exists; drop test, delete and rollback hooks.
   */
  KEEP_INSTALL_HOOKS = 'keep-install-hooks',
}

/** Selects rendered objects by kind and labels (never by names rebuilt from a release name). */
export interface ObjectSelector {
  /** The object's kind. */
  readonly kind: string;
  /**
   * Labels the object must carry, all of them.
   * @default - any labels
   */
  readonly labels?: { readonly [key: string]: string };
}

/** Fields set on the `spec` of selected objects, each replacing the rendered field whole. */
export interface SpecOverride {
  /** The prop these fields come from, for messages. */
  readonly prop: string;
  /** Which objects. Exactly one must match. */
  readonly select: ObjectSelector;
  /** Top-level `spec` fields. */
  readonly fields: { readonly [field: string]: unknown };
}

/** How one render is turned into the objects a construct adds. */
export interface TransformOptions {
  /** Release namespace: namespaced objects without one get it. */
  readonly namespace: string;
  /** What happens to Helm hook objects. */
  readonly hooks: HookPolicy;
  /**
   * Workloads kept off control-plane nodes.
   * @default - none
   */
  readonly keepOffControlPlane?: readonly ObjectSelector[];
  /**
   * Typed spec fields set last, after everything else.
   * @default - none
   */
  readonly overrides?: readonly SpecOverride[];
}

/** What the transforms noted on the way. */
export interface TransformNotes {
  /** Hook objects left out. */
  readonly droppedHooks: DroppedHook[];
  /** `kind: List` objects replaced by their items. */
  readonly expandedLists: string[];
}

type Transform = (manifests: KubeManifest[], options: TransformOptions, notes: TransformNotes) => KubeManifest[];

/**
 * The one order every render goes through, manifest in, manifest out, before any ApiObject exists.
 * Each transform returns an unchanged object as the same object, so what no transform touched can be
 * written as helm wrote it. Sync waves and other per-output annotations are added when the output is
 * written (`lib/output/layout.ts`), so objects that constructs or users add later get them too.
 */
const RENDER_TRANSFORMS: ReadonlyArray<[string, Transform]> = [
  ['expand List objects into their items, as kubectl does', expandLists],
  ['apply the hook policy', applyHookPolicy],
  ['settle namespaces by scope', settleNamespaces],
  ['set typed spec fields', applyOverrides],
  // After the typed fields, so a typed affinity composes with worker-only placement as a values one does.
  ['keep servers off control-plane nodes', keepOffControlPlane],
];

/** Runs {@link RENDER_TRANSFORMS} in order; objects any transform changed come back in canonical form, frozen as the rendered ones are. */
export function transformRender(rendered: readonly KubeManifest[], options: TransformOptions): { manifests: KubeManifest[]; notes: TransformNotes } {
  const notes: TransformNotes = { droppedHooks: [], expandedLists: [] };
  let manifests = [...rendered];
  for (const [, transform] of RENDER_TRANSFORMS) manifests = transform(manifests, options, notes);
  const untouched = new Set(rendered);
  return { manifests: manifests.map(m => (untouched.has(m) ? m : frozen(canonical(m) as KubeManifest))), notes };
}

function expandLists(manifests: KubeManifest[], _options: TransformOptions, notes: TransformNotes): KubeManifest[] {
  return manifests.flatMap(m => {
    if (!m.kind?.endsWith('List') || !Array.isArray(m.items)) return [m];
    notes.expandedLists.push(`${m.kind} of ${m.items.length} item(s)`);
    return (m.items as KubeManifest[]).filter(item => item && typeof item === 'object');
  });
}

const KEPT_HOOKS = new Set(['pre-install', 'post-install', 'pre-upgrade', 'post-upgrade']);

function applyHookPolicy(manifests: KubeManifest[], options: TransformOptions, notes: TransformNotes): KubeManifest[] {
  return manifests.flatMap(manifest => {
    const hook = manifest.metadata?.annotations?.['helm.sh/hook'];
    if (hook === undefined) return [manifest];
    const phases = hook.split(',').map(p => p.trim());
    if (options.hooks === HookPolicy.KEEP_INSTALL_HOOKS && phases.some(p => KEPT_HOOKS.has(p))) {
      const annotations = Object.fromEntries(Object.entries(manifest.metadata.annotations ?? {}).filter(([key]) => !key.startsWith('helm.sh/hook')));
      const metadata: KubeManifest['metadata'] = { ...manifest.metadata, annotations };
      if (Object.keys(annotations).length === 0) delete metadata.annotations;
      return [{ ...manifest, metadata }];
    }
    notes.droppedHooks.push({ object: `${manifest.kind}/${manifest.metadata.name}`, hook });
    return [];
  });
}

function settleNamespaces(manifests: KubeManifest[], options: TransformOptions): KubeManifest[] {
  const crds = manifests.filter(m => m.kind === 'CustomResourceDefinition');
  return manifests.map(manifest => {
    const clusterScoped = isClusterScoped(manifest, crds);
    if (clusterScoped ? manifest.metadata.namespace === undefined : manifest.metadata.namespace !== undefined) return manifest;
    const metadata = { ...manifest.metadata };
    if (clusterScoped) delete metadata.namespace;
    else metadata.namespace = options.namespace;
    return { ...manifest, metadata };
  });
}

/** Where the pod spec of a workload kind is. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Prometheus: ['spec'],
  Alertmanager: ['spec'],
  ThanosRuler: ['spec'],
};

const NOT_CONTROL_PLANE_NODE = { key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' };
const NOT_ON_CONTROL_PLANE = {
  requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [NOT_CONTROL_PLANE_NODE] }] },
};

/** Whether `manifest` is selected by `selector`. */
export function selects(selector: ObjectSelector, manifest: KubeManifest): boolean {
  return manifest.kind === selector.kind
    && Object.entries(selector.labels ?? {}).every(([k, v]) => manifest.metadata?.labels?.[k] === v);
}

/**
 * Worker-only AND whatever node affinity the chart values set: the control-plane term joins each of
 * their required terms (terms are alternatives, a term's expressions all hold), and their preferences stay.
 */
function keepOffControlPlane(manifests: KubeManifest[], options: TransformOptions): KubeManifest[] {
  const selectors = options.keepOffControlPlane ?? [];
  if (selectors.length === 0) return manifests;
  return manifests.map(manifest => {
    const podPath = POD_SPEC_PATHS[manifest.kind];
    if (!podPath || !selectors.some(s => selects(s, manifest))) return manifest;
    const podSpec = podPath.reduce<any>((node, key) => node?.[key], manifest) ?? {};
    const nodeAffinity = podSpec.affinity?.nodeAffinity ?? {};
    const terms: Array<{ matchExpressions?: unknown[] }> = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const required = terms.length === 0
      ? NOT_ON_CONTROL_PLANE.requiredDuringSchedulingIgnoredDuringExecution
      : { ...nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, nodeSelectorTerms: terms.map(t => ({ ...t, matchExpressions: [...(t.matchExpressions ?? []), NOT_CONTROL_PLANE_NODE] })) };
    return setIn(manifest, podPath, { ...podSpec, affinity: { ...podSpec.affinity, nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: required } } });
  });
}

function applyOverrides(manifests: KubeManifest[], options: TransformOptions): KubeManifest[] {
  let result = manifests;
  for (const override of options.overrides ?? []) {
    if (Object.keys(override.fields).length === 0) continue;
    const matches = result.filter(m => selects(override.select, m));
    if (matches.length !== 1) {
      throw new Error(`${override.prop} is set but the render has ${matches.length} ${override.select.kind} object(s), so there is ${matches.length === 0 ? 'nothing' : 'no single object'} to set it on; ${matches.length === 0 ? `enable ${override.select.kind} in the values or drop ${override.prop}` : 'report this as a bug'}`);
    }
    result = result.map(m => (m === matches[0] ? { ...m, spec: { ...(m.spec as object), ...override.fields } } : m));
  }
  return result;
}

/** A copy of `root` with the object at `path` replaced; everything off the path is shared. */
function setIn(root: KubeManifest, path: readonly string[], value: unknown): KubeManifest {
  const set = (node: any, i: number): any => (i === path.length ? value : { ...node, [path[i]]: set(node?.[path[i]], i + 1) });
  return set(root, 0);
}
