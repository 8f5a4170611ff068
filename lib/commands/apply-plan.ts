import * as path from 'path';
import { isBootstrapFile } from '../constructs/gitops';
import { KubeManifest } from '../render/manifest-parse';
import { RequiredSecret, requiredSecretsOf } from '../output/secret-references';
import { OutputFile } from '../output/validation';
import * as YAML from 'yaml';
import { APPLYSET_FIELD_MANAGER, applySetRef, PARENT_CRD, PARENT_GROUP, PARENT_KIND, PARENT_RESOURCE, parentObject, RECORDED_CRDS, RECORDED_NAMESPACES } from './applyset';

/** The field manager every apply uses, so ownership of each field is stable across applies. */
export const FIELD_MANAGER = 'cdk8s-monitoring-stack';

/** What a step does; deploy runs each kind its own way. */
export enum StepAction {
  /** `kubectl apply --server-side` of files, or of `input`. */
  APPLY = 'apply',
  /** `kubectl wait` until CRDs are Established. */
  WAIT = 'wait',
  /** A Secret the output reads and does not ship: found, or created from a password the user gives. */
  ENSURE_SECRET = 'ensure-secret',
  /** The stack's ApplySet parent: created when missing, never changed (kubectl keeps its annotations). */
  ENSURE_PARENT = 'ensure-parent',
  /** `kubectl apply --server-side --prune --applyset`: the rest, deleting members the output no longer has. */
  APPLY_AND_PRUNE = 'apply-and-prune',
  /** Records on the parent which Namespaces and CRDs were applied beside the set, to say later which ones are gone. */
  RECORD = 'record',
}

/** One step of applying a synthesized output to a cluster. */
export interface ApplyStep {
  readonly action: StepAction;
  /** What the step does, as a failure names it, e.g. 'apply dist/lab/0000-crds.k8s.yaml'. */
  readonly title: string;
  /** Why this step is here. */
  readonly why: string;
  /** kubectl arguments (without `--context`). */
  readonly kubectl: string[];
  /**
   * Manifests for kubectl's standard input (`-f -`).
   * @default - none
   */
  readonly input?: string;
  /** The objects the step sends, to name the ones a failure is about. */
  readonly objects: readonly KubeManifest[];
  /**
   * For ENSURE_SECRET: the Secret.
   * @default - none
   */
  readonly secret?: RequiredSecret;
}

export type { RequiredSecret, SecretReader } from '../output/secret-references';

/** Who reads a Secret, in a few words: "pods", "the Alertmanager", or both. */
function readersOf(secret: RequiredSecret): string {
  const kinds = [...new Set((secret.readers ?? []).map(r => r.what.split(' ')[0]))];
  return kinds.length === 0 ? 'pods' : kinds.join(', ');
}

/** How keys a Secret lacks can be added by hand, keeping the keys it has. */
export function addSecretKeysHint(secret: RequiredSecret, keys: readonly string[]): string {
  return `kubectl --namespace ${secret.namespace} patch secret ${secret.name} --type merge -p '${JSON.stringify({ stringData: Object.fromEntries(keys.map(k => [k, '...'])) })}'`;
}

/** How a Secret the output needs can be created by hand. */
export function createSecretHint(secret: RequiredSecret, afterNamespaces = true): string {
  // deploy checks Secrets before it applies anything, namespaces included
  const namespaceFirst = afterNamespaces ? '' : `(on a fresh cluster first: kubectl create namespace ${secret.namespace}) `;
  return `${namespaceFirst}kubectl --namespace ${secret.namespace} create secret generic ${secret.name} ${secret.keys.map(k => `--from-literal=${k}=...`).join(' ')}`;
}

/**
 * The one way to apply a stack's output to a cluster, fresh or not, in order:
 * 1. CRD files with server-side apply (the prometheus-operator CRDs are too large for the last-applied
 *    annotation of a client-side apply; and kube-prometheus-stack's upgrade notes put its CRDs first), and the
 *    ApplySet parent type; then wait until each is Established, so custom resources later do not fail with
 *    "no matches for kind";
 * 2. namespace files;
 * 3. each Secret the pods need but the output does not ship: found, or created (the Grafana admin Secret from a
 *    password the user gives);
 * 4. the stack's ApplySet parent, when missing;
 * 5. every other file in name order (the order cdk8s gave from dependencies), in one server-side apply with
 *    `--prune --applyset`: members of the set the output no longer has are deleted. CRDs and Namespaces are not
 *    members (deleting one deletes all its objects); step 6 records them, so deploy can say which are gone;
 *    a file of GitOps bootstrap objects (known by its objects, not its name) is left out.
 * @param stack the stack's name: its ApplySet parent's name (default: the folder's name)
 */
export function applyPlan(files: readonly OutputFile[], outdir: string, stack: string = path.basename(path.resolve(outdir))): ApplyStep[] {
  const ofKind = (f: OutputFile, kind: string) => f.objects.length > 0 && f.objects.every(o => o.kind === kind);
  const mixed = files.filter(f => f.objects.some(o => o.kind === 'CustomResourceDefinition') && !ofKind(f, 'CustomResourceDefinition'));
  if (mixed.length > 0) {
    throw new Error(`${mixed.map(f => f.file).join(', ')} mix CustomResourceDefinitions with other objects, so the CRDs cannot be applied and waited for first (a fresh cluster answers 'no matches for kind'); give the constructs a crdScope: a Chart of its own that the others depend on`);
  }
  const crdFiles = files.filter(f => ofKind(f, 'CustomResourceDefinition'));
  const namespaceFiles = files.filter(f => ofKind(f, 'Namespace'));
  // GitOps bootstrap objects are applied once by hand, not with the stack.
  const rest = files.filter(f => !crdFiles.includes(f) && !namespaceFiles.includes(f) && !isBootstrapFile(f.objects));
  // A Namespace inside another file (a construct that makes its own) is applied with the namespaces, never pruned.
  const strayNamespaces = rest.flatMap(f => f.objects.filter(o => o.kind === 'Namespace'));
  const restObjects = rest.flatMap(f => f.objects.filter(o => o.kind !== 'Namespace'));
  const at = (f: OutputFile) => path.join(outdir, f.file);
  const serverSide = ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`];
  const apply = (f: OutputFile, why: string): ApplyStep => ({ action: StepAction.APPLY, title: `apply ${at(f)}`, why, kubectl: [...serverSide, '-f', at(f)], objects: f.objects });
  const parentType = PARENT_CRD.metadata.name;
  const namespaces = [...namespaceFiles.flatMap(f => f.objects), ...strayNamespaces].map(o => o.metadata.name);
  const crds = crdFiles.flatMap(f => f.objects.map(o => o.metadata.name));

  return [
    ...crdFiles.map(f => apply(f, 'CRDs first, server-side: the largest are too big for a client-side apply')),
    {
      action: StepAction.APPLY, title: `apply the ApplySet parent type ${parentType}`, why: 'the kind of the object that records what deploy applied, for pruning',
      kubectl: [...serverSide, '-f', '-'], input: manifestText([PARENT_CRD]), objects: [PARENT_CRD],
    },
    ...crdFiles.map(f => ({ action: StepAction.WAIT, title: `wait for the CRDs of ${at(f)}`, why: 'wait until the API server serves every CRD', kubectl: ['wait', '--for=condition=Established', '--timeout=120s', '-f', at(f)], objects: f.objects })),
    { action: StepAction.WAIT, title: `wait for ${parentType}`, why: 'wait until the API server serves the parent type', kubectl: ['wait', '--for=condition=Established', '--timeout=120s', `customresourcedefinition/${parentType}`], objects: [PARENT_CRD] },
    ...namespaceFiles.map(f => apply(f, 'namespaces before what lives in them')),
    ...(strayNamespaces.length === 0 ? [] : [{
      action: StepAction.APPLY, title: `apply the Namespaces of ${rest.filter(f => f.objects.some(o => o.kind === 'Namespace')).map(at).join(', ')}`,
      why: 'namespaces before what lives in them', kubectl: [...serverSide, '-f', '-'], input: manifestText(strayNamespaces), objects: strayNamespaces,
    }]),
    ...requiredSecrets(files).map(s => ({
      action: StepAction.ENSURE_SECRET, title: `find Secret ${s.namespace}/${s.name}`, why: `${readersOf(s)} read Secret ${s.namespace}/${s.name}, which dist/ does not contain`,
      kubectl: ['get', 'secret', s.name, '--namespace', s.namespace, '--ignore-not-found', '--output=name'], objects: [], secret: s,
    })),
    ...(rest.length === 0 ? [] : [
      {
        action: StepAction.ENSURE_PARENT, title: `create the ApplySet parent ${PARENT_KIND} ${stack} if it is missing`, why: 'kubectl records the ApplySet on it; it never changes it otherwise',
        kubectl: ['apply', '--server-side', `--field-manager=${APPLYSET_FIELD_MANAGER}`, '-f', '-'], input: manifestText([parentObject(stack)]), objects: [parentObject(stack)],
      },
      {
        action: StepAction.APPLY_AND_PRUNE, title: `apply ${rest.map(at).join(', ')}`, why: 'the rest, in dependency order; deletes what an earlier deploy applied and the output no longer has',
        kubectl: [...serverSide, '--prune', `--applyset=${applySetRef(stack)}`, ...(strayNamespaces.length === 0 ? rest.flatMap(f => ['-f', at(f)]) : ['-f', '-'])],
        input: strayNamespaces.length === 0 ? undefined : manifestText(restObjects),
        objects: restObjects,
      },
      {
        action: StepAction.RECORD, title: `record the Namespaces and CRDs on ${PARENT_KIND} ${stack}`, why: 'so a later deploy can say which ones the output no longer has (they are never pruned)',
        kubectl: ['annotate', '--overwrite', `${PARENT_RESOURCE}.${PARENT_GROUP}/${stack}`, `${RECORDED_NAMESPACES}=${namespaces.join(',')}`, `${RECORDED_CRDS}=${crds.join(',')}`], objects: [],
      },
    ] satisfies ApplyStep[]),
  ];
}

/** Manifests as one YAML stream, for kubectl's standard input. */
export function manifestText(objects: readonly KubeManifest[]): string {
  return objects.map(o => YAML.stringify(o)).join('---\n');
}

/** Secrets that objects in the output read (not marked optional) and that the output does not ship: see {@link requiredSecretsOf}. */
export function requiredSecrets(files: readonly OutputFile[]): RequiredSecret[] {
  return requiredSecretsOf(files.flatMap(f => f.objects));
}
