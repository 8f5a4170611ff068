import { k8s } from 'cdk8s-plus-28';
import { KubeManifest } from './manifest-parse';

/** Built-in kinds (Kubernetes 1.28) that are cluster-scoped; every other built-in kind is namespaced. */
const CLUSTER_SCOPED_BUILTIN_KINDS = new Set([
  'APIService', 'CertificateSigningRequest', 'ClusterRole', 'ClusterRoleBinding', 'ComponentStatus',
  'CSIDriver', 'CSINode', 'CustomResourceDefinition', 'FlowSchema', 'IngressClass', 'MutatingWebhookConfiguration',
  'Namespace', 'Node', 'PersistentVolume', 'PodSecurityPolicy', 'PriorityClass', 'PriorityLevelConfiguration',
  'RuntimeClass', 'SelfSubjectAccessReview', 'SelfSubjectReview', 'SelfSubjectRulesReview', 'StorageClass',
  'SubjectAccessReview', 'TokenReview', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration', 'VolumeAttachment',
]);

/**
 * Whether `kind` is cluster-scoped: a built-in cluster-scoped kind, or a custom kind whose CRD
 * (among `crds`) declares `scope: Cluster`. Unknown kinds are taken as namespaced.
 */
export function isClusterScoped(manifest: KubeManifest, crds: readonly KubeManifest[]): boolean {
  const group = groupOf(manifest.apiVersion);
  if (isBuiltInGroup(group)) {
    return CLUSTER_SCOPED_BUILTIN_KINDS.has(manifest.kind);
  }
  const crd = crds.find(c => {
    const spec = c.spec as { group?: string; names?: { kind?: string } } | undefined;
    return spec?.group === group && spec?.names?.kind === manifest.kind;
  });
  return (crd?.spec as { scope?: string } | undefined)?.scope === 'Cluster';
}

/** The Kubernetes minor version output is validated for. */
export const TARGET_KUBERNETES = '1.28';

/** Whether Kubernetes {@link TARGET_KUBERNETES} serves `kind` at `apiVersion`. */
export function servesBuiltIn(apiVersion: string, kind: string): boolean {
  return KUBE_1_28_KINDS.has(`${apiVersion} ${kind}`);
}

/** `apiVersion kind` pairs Kubernetes 1.28 serves, from cdk8s-plus-28's generated 1.28 API. */
const KUBE_1_28_KINDS: ReadonlySet<string> = new Set(
  Object.values(k8s as unknown as Record<string, { GVK?: { apiVersion: string; kind: string } }>)
    .filter(c => c && c.GVK)
    .map(c => `${c.GVK!.apiVersion} ${c.GVK!.kind}`),
);

const BUILT_IN_GROUPS = new Set([...KUBE_1_28_KINDS].map(k => groupOf(k.split(' ')[0])));

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
