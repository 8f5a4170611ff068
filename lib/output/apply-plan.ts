import * as path from 'path';
import { isBootstrapFile } from '../constructs/gitops';
import { KubeManifest } from '../render/manifest-parse';
import { OutputFile } from './validation';

/** The field manager every apply uses, so ownership of each field is stable across applies. */
export const FIELD_MANAGER = 'cdk8s-monitoring-stack';

/** One step of applying a synthesized output to a cluster. */
export interface ApplyStep {
  /** Why this step is here. */
  readonly why: string;
  /** kubectl arguments (without `--context`). */
  readonly kubectl: string[];
  /**
   * When set, the step only checks something, and its failure means this has to be done first.
   * @default - an apply or wait: its failure stops the deploy with kubectl's own message
   */
  readonly ifMissing?: string;
}

/** A Secret that pods in the output read but that the output does not contain. */
export interface RequiredSecret {
  /** Namespace. */
  readonly namespace: string;
  /** Secret name. */
  readonly name: string;
  /** Keys the pods read from it. */
  readonly keys: string[];
}

/**
 * The one way to apply an output to a fresh cluster, in order:
 * 1. CRD files with server-side apply (the prometheus-operator CRDs are too large for the
 *    last-applied annotation of a client-side apply), then wait until each CRD is Established,
 *    so custom resources later do not fail with "no matches for kind";
 * 2. namespace files;
 * 3. a check that each Secret the pods need but dist/ does not ship exists;
 * 4. every other file in name order (the order cdk8s gave from dependencies), except a file of GitOps
 *    bootstrap objects (known by its objects, not its name).
 */
export function applyPlan(files: readonly OutputFile[], outdir: string): ApplyStep[] {
  const ofKind = (f: OutputFile, kind: string) => f.objects.length > 0 && f.objects.every(o => o.kind === kind);
  const mixed = files.filter(f => f.objects.some(o => o.kind === 'CustomResourceDefinition') && !ofKind(f, 'CustomResourceDefinition'));
  if (mixed.length > 0) {
    throw new Error(`${mixed.map(f => f.file).join(', ')} mix CustomResourceDefinitions with other objects, so the CRDs cannot be applied and waited for first (a fresh cluster answers 'no matches for kind'); give the constructs a crdScope: a Chart of its own that the others depend on`);
  }
  const crdFiles = files.filter(f => ofKind(f, 'CustomResourceDefinition'));
  const namespaceFiles = files.filter(f => ofKind(f, 'Namespace'));
  // GitOps bootstrap objects are applied once by hand, not with the stack.
  const rest = files.filter(f => !crdFiles.includes(f) && !namespaceFiles.includes(f) && !isBootstrapFile(f.objects));
  const namespacesApplied = new Set(namespaceFiles.flatMap(f => f.objects.map(o => o.metadata.name)));
  const at = (f: OutputFile) => path.join(outdir, f.file);
  const apply = (f: OutputFile, why: string): ApplyStep => ({ why, kubectl: ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', at(f)] });

  return [
    ...crdFiles.map(f => apply(f, 'CRDs first, server-side: the largest are too big for a client-side apply')),
    ...crdFiles.map(f => ({ why: 'wait until the API server serves every CRD', kubectl: ['wait', '--for=condition=Established', '--timeout=120s', '-f', at(f)] })),
    ...namespaceFiles.map(f => apply(f, 'namespaces before what lives in them')),
    ...requiredSecrets(files).map(s => {
      // Where the namespace is not applied before this check, it has to be created by hand too.
      const namespaceFirst = namespacesApplied.has(s.namespace) ? '' : `kubectl create namespace ${s.namespace} && `;
      return {
        why: `pods read Secret ${s.namespace}/${s.name}, which dist/ does not contain`,
        kubectl: ['get', 'secret', s.name, '--namespace', s.namespace, '--output=name'],
        ifMissing: `create it first: ${namespaceFirst}kubectl --namespace ${s.namespace} create secret generic ${s.name} ${s.keys.map(k => `--from-literal=${k}=...`).join(' ')}`,
      };
    }),
    ...rest.map(f => apply(f, 'the rest, in dependency order')),
  ];
}

/** Secrets that pod templates in the output read (not marked optional) and that the output does not ship. */
export function requiredSecrets(files: readonly OutputFile[]): RequiredSecret[] {
  const objects = files.flatMap(f => f.objects);
  const shipped = new Set(objects.filter(o => o.kind === 'Secret').map(o => `${o.metadata.namespace}/${o.metadata.name}`));
  const needed = new Map<string, RequiredSecret>();
  const need = (namespace: string, name: string, key?: string) => {
    if (shipped.has(`${namespace}/${name}`)) return;
    const entry = needed.get(`${namespace}/${name}`) ?? { namespace, name, keys: [] };
    if (key && !entry.keys.includes(key)) entry.keys.push(key);
    needed.set(`${namespace}/${name}`, entry);
  };
  for (const object of objects) {
    const pod = podSpec(object);
    if (!pod) continue;
    const namespace = object.metadata.namespace ?? 'default';
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      for (const env of container.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (ref && !ref.optional) need(namespace, ref.name, ref.key);
      }
      for (const from of container.envFrom ?? []) {
        if (from.secretRef && !from.secretRef.optional) need(namespace, from.secretRef.name);
      }
    }
    for (const volume of pod.volumes ?? []) {
      if (volume.secret && !volume.secret.optional) need(namespace, volume.secret.secretName);
    }
  }
  return [...needed.values()];
}

interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: Array<{ secret?: { secretName: string; optional?: boolean } }>;
}
interface ContainerLike {
  env?: Array<{ valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }>;
  envFrom?: Array<{ secretRef?: { name: string; optional?: boolean } }>;
}

function podSpec(object: KubeManifest): PodSpecLike | undefined {
  const spec = object.spec as { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } } } | undefined;
  if (object.kind === 'Pod') return object.spec as PodSpecLike;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}
