// The ApplySet that deploy prunes with (kubectl's `--prune --applyset`, KEP-3659).
//
// One set per stack, so that what a new output no longer has is deleted in every namespace at once. kubectl only
// lets a set span namespaces when its parent object is cluster-scoped, and a cluster-scoped parent must be a
// custom resource whose CRD carries `applyset.kubernetes.io/is-parent-type: "true"`. So deploy applies a tiny CRD
// of its own (MonitoringStack, no fields) and one object of it per stack, named after the stack: `kubectl get
// monitoringstacks` then lists what deploy manages in a cluster.
//
// CustomResourceDefinitions and Namespaces are never members: deleting one deletes everything of that kind or in
// that namespace (Longhorn volumes, Prometheus' data claim, the Grafana Secret). They are applied without the set and
// deploy only says which ones a new output no longer has.
import { createHash } from 'crypto';
import { groupOf } from '../render/kube-api';
import { KubeManifest } from '../render/manifest-parse';
import { KubectlRunner } from './kubectl';

/** API group of the parent type (`.internal` is reserved for private use: it can clash with no one's domain). */
export const PARENT_GROUP = 'cdk8s-monitoring-stack.internal';
/** Kind of the parent objects. */
export const PARENT_KIND = 'MonitoringStack';
/** The parent type's resource, for `--applyset=<resource>.<group>/<name>`. */
export const PARENT_RESOURCE = 'monitoringstacks';
/** The label kubectl puts on every member. */
export const PART_OF_LABEL = 'applyset.kubernetes.io/part-of';
/** The parent's label carrying the set's id. */
export const ID_LABEL = 'applyset.kubernetes.io/id';
/** kubectl's field manager for the parent's ApplySet annotations. */
export const APPLYSET_FIELD_MANAGER = 'kubectl-applyset';
/** Parent annotations in which deploy records the Namespaces and CRDs it applied beside the set. */
export const RECORDED_NAMESPACES = `${PARENT_GROUP}/namespaces`;
export const RECORDED_CRDS = `${PARENT_GROUP}/customresourcedefinitions`;

/** The CRD of the parent type, applied by deploy (it is no part of any synthesized output). */
export const PARENT_CRD: KubeManifest = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: `${PARENT_RESOURCE}.${PARENT_GROUP}`,
    labels: { 'applyset.kubernetes.io/is-parent-type': 'true' },
  },
  spec: {
    group: PARENT_GROUP,
    scope: 'Cluster',
    names: { kind: PARENT_KIND, listKind: `${PARENT_KIND}List`, plural: PARENT_RESOURCE, singular: PARENT_KIND.toLowerCase() },
    versions: [{
      name: 'v1alpha1',
      served: true,
      storage: true,
      schema: {
        openAPIV3Schema: {
          type: 'object',
          description: 'One stack applied by cdk8s-monitoring deploy: the parent of the kubectl ApplySet (its annotations) of everything deploy applied for it except CRDs and Namespaces, which it lists in its own annotations.',
        },
      },
    }],
  },
};

/** `--applyset=` value of a stack's set. */
export function applySetRef(stack: string): string {
  return `${PARENT_RESOURCE}.${PARENT_GROUP}/${stack}`;
}

/** The set's id as kubectl computes it (KEP-3659: base64url of sha256 of `<name>.<namespace>.<kind>.<group>`). */
export function applySetId(name: string, namespace: string, kind: string, group: string): string {
  return `applyset-${createHash('sha256').update(`${name}.${namespace}.${kind}.${group}`).digest('base64url')}-v1`;
}

/** The id of a stack's set. */
export function stackApplySetId(stack: string): string {
  return applySetId(stack, '', PARENT_KIND, PARENT_GROUP);
}

/**
 * A stack's parent object as kubectl expects to find one it did not create: its id label, the tooling
 * annotation and an empty list of kinds (kubectl fills in both on the first apply).
 */
export function parentObject(stack: string): KubeManifest {
  return {
    apiVersion: `${PARENT_GROUP}/v1alpha1`,
    kind: PARENT_KIND,
    metadata: {
      name: stack,
      labels: { [ID_LABEL]: stackApplySetId(stack) },
      annotations: { 'applyset.kubernetes.io/tooling': 'kubectl/v1', 'applyset.kubernetes.io/contains-group-kinds': '' },
    },
  };
}

/** Objects with the set's label added, as kubectl labels them when it applies them (for `kubectl diff`). */
export function withMembership(objects: readonly KubeManifest[], stack: string): KubeManifest[] {
  const id = stackApplySetId(stack);
  return objects.map(o => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [PART_OF_LABEL]: id } } }));
}

/** `Kind.group/namespace/name` of an object, the way members are compared. */
function identity(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${kind}.${groupOf(apiVersion)}/${namespace ?? ''}/${name}`;
}

/** An object's `kind.group`, as kubectl takes it and names it in its output (`deployment.apps`, `service`). */
export function resourceOf(o: { apiVersion: string; kind: string }): string {
  const group = groupOf(o.apiVersion);
  return group ? `${o.kind.toLowerCase()}.${group}` : o.kind.toLowerCase();
}

/** A live object of the set. */
export interface Member {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly ownerReferences?: ReadonlyArray<{ kind: string; name: string; controller?: boolean }>;
  };
}

/** The parent of a stack's set as the cluster has it. */
export interface LiveParent {
  /** Group kinds kubectl recorded (`applyset.kubernetes.io/contains-group-kinds`), e.g. `Ingress.networking.k8s.io`. */
  readonly groupKinds: string[];
  /** Namespaces and CRDs deploy recorded beside the set. */
  readonly namespaces: string[];
  readonly crds: string[];
}

/** The stack's parent, or undefined before the first deploy (or before the parent type exists). */
export function readParent(kubectl: KubectlRunner, stack: string): LiveParent | undefined {
  const result = kubectl.run(['get', `${PARENT_RESOURCE}.${PARENT_GROUP}`, stack, '--ignore-not-found', '--output=json']);
  if (result.status !== 0) {
    // Before the first deploy the type itself is unknown: there is no set yet.
    if (/the server doesn't have a resource type|no matches for kind/.test(result.stderr)) return undefined;
    throw new Error(`reading the ApplySet parent ${PARENT_KIND} ${stack}: ${result.stderr.trim()}`);
  }
  if (!result.stdout.trim()) return undefined;
  const annotations = (JSON.parse(result.stdout).metadata?.annotations ?? {}) as Record<string, string>;
  const list = (key: string) => (annotations[key] ?? '').split(',').filter(Boolean);
  return { groupKinds: list('applyset.kubernetes.io/contains-group-kinds'), namespaces: list(RECORDED_NAMESPACES), crds: list(RECORDED_CRDS) };
}

/** What a prune with the set would do, and why some members are kept. */
export interface PrunePlan {
  /** Members the output no longer has: kubectl deletes them. */
  readonly prune: Member[];
  /** Members the output no longer has that a controller made (it copied the set's label from its owner): never deleted. */
  readonly ownedByController: Member[];
}

/**
 * The members of the set that `files` no longer have: live objects with the set's label, of the kinds
 * kubectl recorded or the output has (the kinds kubectl itself looks through when it prunes).
 */
export function prunePlan(kubectl: KubectlRunner, stack: string, parent: LiveParent, desired: readonly KubeManifest[]): PrunePlan {
  const groupKinds = new Set([...parent.groupKinds, ...desired.map(o => `${o.kind}${groupOf(o.apiVersion) ? `.${groupOf(o.apiVersion)}` : ''}`)]);
  if (groupKinds.size === 0) return { prune: [], ownedByController: [] };
  const result = kubectl.run(['get', [...groupKinds].sort().join(','), '--all-namespaces', `--selector=${PART_OF_LABEL}=${stackApplySetId(stack)}`, '--output=json']);
  if (result.status !== 0) throw new Error(`listing the members of ApplySet ${applySetRef(stack)}: ${result.stderr.trim()}`);
  const live = (JSON.parse(result.stdout).items ?? []) as Member[];
  const wanted = new Set(desired.map(o => identity(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name)));
  const gone = live.filter(m => !wanted.has(identity(m.apiVersion, m.kind, m.metadata.namespace, m.metadata.name)));
  const isOwned = (m: Member) => (m.metadata.ownerReferences ?? []).some(r => r.controller);
  return { prune: gone.filter(m => !isOwned(m)), ownedByController: gone.filter(isOwned) };
}

/** The controller that made a member, e.g. `Prometheus kube-prometheus-stack-prometheus`. */
export function controllerOf(member: Member): string {
  const owner = (member.metadata.ownerReferences ?? []).find(r => r.controller);
  return owner ? `${owner.kind} ${owner.name}` : 'its controller';
}
