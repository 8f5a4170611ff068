// deploy --adopt: taking over what `helm install` and a client-side `kubectl apply` made (the install guides' way),
// without deleting or recreating anything that holds data.
import { gunzipSync } from 'zlib';
import { FIELD_MANAGER } from './apply-plan';
import { groupOf, isBuiltInGroup, isClusterScoped } from '../render/kube-api';
import { KubeManifest, objectName, parseDocument, splitDocuments } from '../render/manifest-parse';
import { APPLYSET_FIELD_MANAGER, resourceOf } from './applyset';
import { KubectlRunner } from './kubectl';

/** The field managers of the tools a guide's cluster was made with: conflicts with them, and only them, are resolved. */
export const PREVIOUS_MANAGERS = ['helm', 'kubectl-client-side-apply'];
/** The annotations `helm install` puts on every object of a release. */
const HELM_ANNOTATIONS = ['meta.helm.sh/release-name', 'meta.helm.sh/release-namespace'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** The label helm install puts on every object it makes, `Helm`. */
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** An object as `kind namespace/name`, the key objects are matched by. */
type ObjectKey = string;

/** A Helm release found in the cluster: its newest release Secret, decoded. */
export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  /** `chart-version`. */
  readonly chart: string;
  readonly revision: number;
  /** Every `sh.helm.release.v1.<name>.v<revision>` Secret of it, oldest first. */
  readonly secrets: readonly string[];
  /** The objects of its manifest. */
  readonly objects: readonly KubeManifest[];
}

/** What a deploy of the output would take over from earlier tools. */
export interface Adoption {
  /** Releases some of whose objects the output has. */
  readonly releases: readonly HelmRelease[];
  /** Live objects the output has that the earlier tools manage: applied with conflicts on their fields resolved. */
  readonly adopted: readonly KubeManifest[];
  /** Of those, the output's objects (the same order), as they are applied. */
  readonly desired: readonly KubeManifest[];
  /** The releases' admission webhook configurations: they call a webhook the output does not run, so they go. */
  readonly webhooks: readonly KubeManifest[];
  /** Objects the releases have and the output does not: listed, left alone. */
  readonly leftAlone: readonly KubeManifest[];
}

/**
 * What the output would take over: the Helm releases that share objects with it (their release Secrets), the
 * output's objects that exist and are managed by helm or a client-side kubectl apply, the releases' webhook
 * configurations, and the releases' objects the output does not have. Empty when nothing is to be adopted.
 */
export function findAdoption(kubectl: KubectlRunner, output: readonly KubeManifest[], live: readonly KubeManifest[]): Adoption {
  const wanted = new Map(output.map(o => [keyOf(o), o]));
  const releases = helmReleases(kubectl).filter(r => r.objects.some(o => wanted.has(keyOf(o))));
  // Once this library applied an object (an earlier deploy, or adopted), it is no longer to adopt, whatever fields
  // helm or kubectl apply still hold of it.
  const adopted = live.filter(o => !managers(o).includes(FIELD_MANAGER) && (previousManagers(o).length > 0 || o.metadata.annotations?.[LAST_APPLIED] !== undefined));
  const webhooks = releases.flatMap(r => r.objects).filter(o => /^(Validating|Mutating)WebhookConfiguration$/.test(o.kind) && !wanted.has(keyOf(o)));
  const leftAlone = releases.flatMap(r => r.objects).filter(o => !wanted.has(keyOf(o)) && !webhooks.includes(o));
  return { releases, adopted, desired: adopted.map(o => wanted.get(keyOf(o))!), webhooks, leftAlone };
}

/** Whether there is anything to adopt. */
export function hasAdoption(a: Adoption): boolean {
  return a.releases.length > 0 || a.adopted.length > 0;
}

/** Why a deploy without --adopt stops on this cluster, with what --adopt would do. */
export function adoptionNeeded(a: Adoption): string {
  const releases = a.releases.map(r => `the Helm release '${r.name}' in ${r.namespace} (${r.chart}, revision ${r.revision})`);
  const clientSide = a.adopted.filter(o => o.metadata.annotations?.[LAST_APPLIED] !== undefined && !previousManagers(o).includes('helm'));
  const namespaces = [...new Set(clientSide.map(o => o.metadata.namespace ?? '(cluster-wide)'))];
  return `nothing was applied: this cluster already has ${[...releases, ...(clientSide.length > 0 ? [`${clientSide.length} object(s) made with a client-side kubectl apply (${namespaces.join(', ')}), e.g. ${objectName(clientSide[0])}`] : [])].join(' and ')}, `
    + `which the output also has; deploying over them would fail on field conflicts, and a later 'helm uninstall' would delete what deploy manages.\n`
    + `Take them over with: npm run deploy -- --adopt (add your other options). It applies the output's objects over theirs, resolving conflicts only with helm and kubectl-client-side-apply, `
    + `deletes nothing that holds data (volume claims and volumes stay as they are), removes Helm's ownership marks, removes the release's admission webhook configurations, `
    + `lists what the release has and the output does not (left alone), and removes the release record (${a.releases.flatMap(r => r.secrets).join(', ') || 'none'}) only once everything is applied. `
    + 'Check first with: npm run diff';
}

/**
 * The Helm releases in the cluster (release Secrets, `owner=helm`), each from its newest revision. Reading one
 * needs the Secret's data: base64, then helm's own base64 of gzipped JSON.
 */
export function helmReleases(kubectl: KubectlRunner): HelmRelease[] {
  const result = kubectl.run(['get', 'secrets', '--all-namespaces', '--selector=owner=helm', '--output=json']);
  if (result.status !== 0) throw new Error(`listing Helm's release Secrets: ${result.stderr.trim()}`);
  const secrets = (JSON.parse(result.stdout || '{"items":[]}') as { items: Array<KubeManifest & { data?: { release?: string } }> }).items;
  const byRelease = new Map<string, typeof secrets>();
  for (const s of secrets) {
    const key = `${s.metadata.namespace}/${s.metadata.labels?.name}`;
    byRelease.set(key, [...(byRelease.get(key) ?? []), s]);
  }
  return [...byRelease.values()].map(all => {
    const sorted = [...all].sort((a, b) => Number(a.metadata.labels?.version) - Number(b.metadata.labels?.version));
    const newest = sorted[sorted.length - 1];
    const release = decodeRelease(newest.data?.release ?? '', objectName(newest));
    return {
      name: release.name, namespace: release.namespace, revision: release.version,
      chart: `${release.chart?.metadata?.name}-${release.chart?.metadata?.version}`,
      secrets: sorted.map(s => s.metadata.name),
      // a release manifest leaves a namespaced object's namespace out when it is the release's
      objects: splitDocuments(release.manifest ?? '').map(d => parseDocument(d.text).value as KubeManifest)
        .filter(o => o && o.kind && o.metadata?.name)
        .map(o => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? (isClusterScoped(o, []) ? undefined : release.namespace) } })),
    };
  });
}

interface ReleaseRecord {
  name: string;
  namespace: string;
  version: number;
  manifest?: string;
  chart?: { metadata?: { name?: string; version?: string } };
}

function decodeRelease(data: string, where: string): ReleaseRecord {
  try {
    const inner = Buffer.from(Buffer.from(data, 'base64').toString('utf8'), 'base64');
    const json = inner[0] === 0x1f && inner[1] === 0x8b ? gunzipSync(inner) : inner;
    return JSON.parse(json.toString('utf8')) as ReleaseRecord;
  } catch (e) {
    throw new Error(`cannot read the Helm release in ${where}: ${(e as Error).message}`);
  }
}

/**
 * The live objects the output has, with their managed fields (one `kubectl get` for all their kinds): what deploy and
 * diff compare the output with, for what earlier tools made ({@link findAdoption}) and for changes Kubernetes forbids
 * in place (`replacements`).
 */
export function liveObjectsOf(kubectl: KubectlRunner, output: readonly KubeManifest[], served = servedCustomKinds(kubectl)): KubeManifest[] {
  // Custom kinds only where their CRD is served already (on a fresh cluster it is not, and kubectl would refuse the list).
  const resources = [...new Set(output.filter(o => isServed(o, served))
    .map(o => `${o.kind}${o.apiVersion.includes('/') ? `.${groupOf(o.apiVersion)}` : ''}`))];
  if (resources.length === 0) return [];
  const result = kubectl.run(['get', resources.join(','), '--all-namespaces', '--show-managed-fields', '--ignore-not-found', '--output=json']);
  if (result.status !== 0) throw new Error(`reading the output's live objects (to find what earlier tools made and changes Kubernetes forbids in place): ${result.stderr.trim()}`);
  const wanted = new Set(output.map(keyOf));
  const items = (JSON.parse(result.stdout || '{"items":[]}') as { items: KubeManifest[] }).items;
  return items.filter(o => wanted.has(keyOf(o)));
}

/**
 * The custom kinds the cluster serves: `group/Kind` of each CRD whose Established condition is True. Only those
 * columns are printed (the CRDs themselves are megabytes of schema).
 */
export function servedCustomKinds(kubectl: KubectlRunner): Set<string> {
  const crds = kubectl.run(['get', 'customresourcedefinitions', '--output=jsonpath={range .items[*]}{.spec.group}/{.spec.names.kind} {.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}']);
  if (crds.status !== 0) throw new Error(`listing the cluster's CRDs: ${crds.stderr.trim()}`);
  return new Set(crds.stdout.split('\n').filter(line => line.endsWith(' True')).map(line => line.split(' ')[0]));
}

/** Whether the cluster serves the kind of `o`: a built-in kind, or a custom kind in `served` ({@link servedCustomKinds}). */
export function isServed(o: KubeManifest, served: ReadonlySet<string>): boolean {
  const group = groupOf(o.apiVersion);
  return isBuiltInGroup(group) || served.has(`${group}/${o.kind}`);
}

/** The object's field managers (status updates aside). */
function managers(o: KubeManifest): string[] {
  const fields = ((o.metadata as { managedFields?: Array<{ manager: string; subresource?: string }> }).managedFields ?? []);
  return [...new Set(fields.filter(f => !f.subresource).map(f => f.manager))];
}

/** The earlier tools among the object's managers. */
export function previousManagers(o: KubeManifest): string[] {
  return managers(o).filter(m => PREVIOUS_MANAGERS.includes(m));
}

/**
 * The managers besides the earlier tools, this library and kubectl's ApplySet (status updates aside): an object
 * with any is not forced, so a conflict with one of them stops the deploy, naming it.
 */
export function otherManagers(o: KubeManifest): string[] {
  return managers(o).filter(m => ![...PREVIOUS_MANAGERS, FIELD_MANAGER, APPLYSET_FIELD_MANAGER].includes(m));
}

/**
 * The kubectl calls that take the earlier tools' marks off the live object `o`: Helm's release annotations and the
 * last-applied configuration a later client-side `kubectl apply` would merge against (`annotate`), and the
 * `app.kubernetes.io/managed-by: Helm` label that helm install puts on every object, where the output's object
 * (`desired`) does not set that label itself (`label`). Empty when it has none.
 */
export function earlierMarksRemoval(o: KubeManifest, desired: KubeManifest): string[][] {
  const where = [resourceOf(o), o.metadata.name, ...(o.metadata.namespace ? ['--namespace', o.metadata.namespace] : [])];
  const annotations = [...HELM_ANNOTATIONS, LAST_APPLIED].filter(a => o.metadata.annotations?.[a] !== undefined);
  const label = o.metadata.labels?.[MANAGED_BY_LABEL] === 'Helm' && desired.metadata.labels?.[MANAGED_BY_LABEL] === undefined;
  return [
    ...(annotations.length > 0 ? [['annotate', ...where, ...annotations.map(a => `${a}-`)]] : []),
    ...(label ? [['label', ...where, `${MANAGED_BY_LABEL}-`]] : []),
  ];
}

/** An object's identity: its API group, kind, namespace and name. */
export function keyOf(o: KubeManifest): ObjectKey {
  return `${groupOf(o.apiVersion)}/${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
