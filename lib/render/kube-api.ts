import TABLE_IMPORT from './kube-api-1.28.json';
import { KubeManifest } from './manifest-parse';

/**
 * The Kubernetes 1.28 API: every apiVersion and kind it serves, and whether each is namespaced.
 * Generated (`npm run kube-api`) from cdk8s-plus-28's 1.28 API and a real API server's discovery;
 * never edited by hand. List kinds and Status are kept apart: they are not objects with a scope.
 */
const TABLE = TABLE_IMPORT as {
  kubernetesVersion: string;
  kinds: Array<{ apiVersion: string; kind: string; namespaced: boolean }>;
  notObjects: Array<{ apiVersion: string; kind: string }>;
};

/** The Kubernetes minor version output is validated for. */
export const TARGET_KUBERNETES = TABLE.kubernetesVersion;

/** Whether a kind is namespaced or cluster-scoped, in the words of a CRD's `spec.scope`. */
export enum KindScope {
  /** Objects live in a namespace. */
  NAMESPACED = 'Namespaced',
  /** Objects are cluster-wide. */
  CLUSTER = 'Cluster',
}

const SCOPES = new Map(TABLE.kinds.map(k => [`${k.apiVersion} ${k.kind}`, k.namespaced ? KindScope.NAMESPACED : KindScope.CLUSTER]));
const SERVED = new Set([...SCOPES.keys(), ...TABLE.notObjects.map(k => `${k.apiVersion} ${k.kind}`)]);
const BUILT_IN_GROUPS = new Set([...SERVED].map(k => groupOf(k.split(' ')[0])));

/** The scope Kubernetes 1.28 gives `kind` at `apiVersion`; undefined when 1.28 serves no such object. */
export function builtInKindScope(apiVersion: string, kind: string): KindScope | undefined {
  return SCOPES.get(`${apiVersion} ${kind}`);
}

/** Whether Kubernetes {@link TARGET_KUBERNETES} serves `kind` at `apiVersion`. */
export function servesBuiltIn(apiVersion: string, kind: string): boolean {
  return SERVED.has(`${apiVersion} ${kind}`);
}

/**
 * Whether `manifest`'s kind is cluster-scoped: by the 1.28 table for built-in groups (a kind a group
 * no longer serves at that version keeps the scope it has in the group's other versions), or by the
 * `scope` of its CRD among `crds`. Unknown kinds are taken as namespaced.
 */
export function isClusterScoped(manifest: KubeManifest, crds: readonly KubeManifest[]): boolean {
  const group = groupOf(manifest.apiVersion);
  if (isBuiltInGroup(group)) {
    const inOtherVersion = TABLE.kinds.find(k => k.kind === manifest.kind && groupOf(k.apiVersion) === group);
    const scope = builtInKindScope(manifest.apiVersion, manifest.kind) ?? (inOtherVersion && builtInKindScope(inOtherVersion.apiVersion, inOtherVersion.kind));
    return scope === KindScope.CLUSTER;
  }
  const crd = crds.find(c => {
    const spec = c.spec as { group?: string; names?: { kind?: string } } | undefined;
    return spec?.group === group && spec?.names?.kind === manifest.kind;
  });
  return (crd?.spec as { scope?: string } | undefined)?.scope === KindScope.CLUSTER;
}

/** The API group of an apiVersion ('' for the core group). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/**
 * Whether Kubernetes itself serves `group` (core, apps, storage.k8s.io, ...). Groups that merely end
 * in `.k8s.io`, such as snapshot.storage.k8s.io or gateway.networking.k8s.io, come from CRDs.
 */
export function isBuiltInGroup(group: string): boolean {
  return BUILT_IN_GROUPS.has(group);
}
