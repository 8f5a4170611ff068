/** A Kubernetes object as plain data, the way a render or `kubectl` sees it. */
export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

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
  const group = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/')[0] : '';
  if (isBuiltinGroup(group)) {
    return CLUSTER_SCOPED_BUILTIN_KINDS.has(manifest.kind);
  }
  const crd = crds.find(c => {
    const spec = c.spec as { group?: string; names?: { kind?: string } } | undefined;
    return spec?.group === group && spec?.names?.kind === manifest.kind;
  });
  return (crd?.spec as { scope?: string } | undefined)?.scope === 'Cluster';
}

/** The core group, `*.k8s.io` groups and dot-less groups (apps, batch, policy, ...) are built in. */
function isBuiltinGroup(group: string): boolean {
  return group === '' || group.endsWith('.k8s.io') || !group.includes('.');
}
