import T128 from './kube-api/1.28.json';
import T129 from './kube-api/1.29.json';
import T130 from './kube-api/1.30.json';
import T131 from './kube-api/1.31.json';
import T132 from './kube-api/1.32.json';
import T133 from './kube-api/1.33.json';
import T134 from './kube-api/1.34.json';
import T135 from './kube-api/1.35.json';
import { IConstruct } from 'constructs';
import { describeValue } from '../constructs/known-props';
import { clusterOf } from './cluster-boundary';
import { KubeManifest } from './manifest-parse';

/**
 * The API of each supported Kubernetes minor: every apiVersion and kind its kube-apiserver serves, whether each is
 * namespaced, and the fields other supported minors have that its objects do not. Generated (`npm run kube-api`)
 * from the discovery and OpenAPI documents upstream recorded from a real kube-apiserver of each release; never
 * edited by hand. Oldest first.
 */
const TABLES = [T128, T129, T130, T131, T132, T133, T134, T135] as Array<{
  kubernetesVersion: string;
  kinds: Array<{ apiVersion: string; kind: string; namespaced: boolean }>;
  absentFields: Record<string, string[]>;
}>;

/** The Kubernetes minor versions output can be made for, oldest first ('1.28', ...). */
export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = TABLES.map(t => t.kubernetesVersion);
/** The minor made for when none is set: the newest supported. */
export const DEFAULT_KUBERNETES_VERSION = SUPPORTED_KUBERNETES_VERSIONS[SUPPORTED_KUBERNETES_VERSIONS.length - 1];
const RANGE = `${SUPPORTED_KUBERNETES_VERSIONS[0]} to ${DEFAULT_KUBERNETES_VERSION}`;

/**
 * The annotation on every Namespace this library writes that says which Kubernetes minor the output was made for:
 * deploy and diff compare it with the server's version before they change anything.
 */
export const KUBERNETES_VERSION_ANNOTATION = 'cdk8s-monitoring-stack/kubernetes-version';

/** `value` as a supported minor ('1.34'); throws naming `prop`, the value and the supported range. */
export function checkKubernetesVersion(prop: string, value: unknown): string {
  if (typeof value !== 'string') {
    const example = SUPPORTED_KUBERNETES_VERSIONS.includes(String(value)) ? String(value) : DEFAULT_KUBERNETES_VERSION;
    throw new Error(`${prop} is ${describeValue(value)} but must be a string such as '${example}'${typeof value === 'number' ? ' (as a number, 1.30 would be 1.3)' : ''}`);
  }
  const minor = /^v?(\d+\.\d+)(\.\d+)?$/.exec(value)?.[1];
  if (minor && SUPPORTED_KUBERNETES_VERSIONS.includes(minor)) return minor;
  throw new Error(`${prop} is ${JSON.stringify(value)} but this library makes output for Kubernetes ${RANGE} (a minor version such as '${DEFAULT_KUBERNETES_VERSION}'); `
    + `set the minor your cluster runs ('kubectl version' shows it)${minor && Number(minor.split('.')[1]) < Number(SUPPORTED_KUBERNETES_VERSIONS[0].split('.')[1]) ? `, after upgrading it to ${SUPPORTED_KUBERNETES_VERSIONS[0]} or newer` : ''}`);
}

const versions = new WeakMap<IConstruct, { version: string; prop: string; readBy?: string }>();

/**
 * Sets the Kubernetes minor of the cluster `scope` belongs to (its MonitoringStack, or the app): what charts are
 * rendered for, what the output is validated against, the Pod Security labels' version, and what deploy expects of
 * the server. `prop` names where it was set, for messages. Set it before the first construct that renders a chart.
 */
export function setKubernetesVersion(scope: IConstruct, value: unknown, prop: string): string {
  const version = checkKubernetesVersion(prop, value);
  const cluster = clusterOf(scope);
  const known = versions.get(cluster);
  if (known && known.version !== version) {
    const why = known.readBy ? `${known.readBy} was already made for ${known.version}` : `${known.prop} already set ${known.version}`;
    throw new Error(`${prop} is '${version}' but ${why}: one cluster has one Kubernetes version; set it once, on the first construct of the cluster (or leave the others unset)`);
  }
  if (!known) versions.set(cluster, { version, prop });
  return version;
}

/** The Kubernetes minor of the cluster `scope` belongs to; `reader` (for messages) is what now depends on it. */
export function kubernetesVersionOf(scope: IConstruct, reader?: string): string {
  const cluster = clusterOf(scope);
  let known = versions.get(cluster);
  if (!known) {
    known = { version: DEFAULT_KUBERNETES_VERSION, prop: 'the default' };
    versions.set(cluster, known);
  }
  if (reader && !known.readBy) known.readBy = reader;
  return known.version;
}

/** The API of one supported Kubernetes minor. */
export class KubeApi {
  /** The API of `version` (a supported minor, '1.28'). */
  public static of(version: string): KubeApi {
    const table = TABLES.find(t => t.kubernetesVersion === version);
    if (!table) throw new Error(checkKubernetesVersion('the Kubernetes version', version));
    let api = KubeApi.made.get(version);
    if (!api) {
      api = new KubeApi(table);
      KubeApi.made.set(version, api);
    }
    return api;
  }

  private static readonly made = new Map<string, KubeApi>();

  /** The minor, '1.28'. */
  public readonly version: string;
  private readonly served: Set<string>;
  private readonly absent: Map<string, string[]>;

  private constructor(table: (typeof TABLES)[number]) {
    this.version = table.kubernetesVersion;
    this.served = new Set(table.kinds.map(k => `${k.apiVersion} ${k.kind}`));
    this.absent = new Map(Object.entries(table.absentFields));
  }

  /** Whether this minor serves `kind` at `apiVersion` (a `<Kind>List` is served where its kind is). */
  public serves(apiVersion: string, kind: string): boolean {
    return this.served.has(`${apiVersion} ${kind}`) || (kind.endsWith('List') && this.served.has(`${apiVersion} ${kind.slice(0, -4)}`));
  }

  /** Whether this minor's `kind` at `apiVersion` lacks the field at `path` (one of another minor's). */
  public lacks(apiVersion: string, kind: string, path: string): boolean {
    return this.absent.get(`${apiVersion} ${kind}`)?.includes(path) ?? false;
  }

  /** The fields `manifest` sets that this minor's objects of its kind do not have, as `spec.x[].y` paths. */
  public absentFields(manifest: KubeManifest): string[] {
    return (this.absent.get(`${manifest.apiVersion} ${manifest.kind}`) ?? []).filter(p => isSet(manifest, p));
  }
}

/** The supported minors that serve `kind` at `apiVersion` (or that have field `path` of it), e.g. '1.30 to 1.35'. */
export function servedIn(apiVersion: string, kind: string, path?: string): string {
  const minors = SUPPORTED_KUBERNETES_VERSIONS.filter(v => {
    const api = KubeApi.of(v);
    return api.serves(apiVersion, kind) && !(path && api.lacks(apiVersion, kind, path));
  });
  if (minors.length === 0) return 'no supported minor';
  return minors.length === 1 ? minors[0] : `${minors[0]} to ${minors[minors.length - 1]}`;
}

/** Whether `object` has a value at `path` (`a.b[].c`: any element of the list `b`). */
function isSet(object: unknown, path: string): boolean {
  const [head, ...rest] = path.split('.');
  const list = head.endsWith('[]');
  const value = (object as Record<string, unknown> | null)?.[list ? head.slice(0, -2) : head];
  if (value === undefined || value === null) return false;
  if (rest.length === 0) return true;
  if (list) return Array.isArray(value) && value.some(v => isSet(v, rest.join('.')));
  return typeof value === 'object' && isSet(value, rest.join('.'));
}

/** Whether a kind is namespaced or cluster-scoped, in the words of a CRD's `spec.scope`. */
export enum KindScope {
  /** Objects live in a namespace. */
  NAMESPACED = 'Namespaced',
  /** Objects are cluster-wide. */
  CLUSTER = 'Cluster',
}

// Scope does not change between minors (the generator's tables agree); the newest minor that serves a kind says it.
const ALL_KINDS = [...TABLES].reverse().flatMap(t => t.kinds);
const SCOPES = new Map([...ALL_KINDS].reverse().map(k => [`${k.apiVersion} ${k.kind}`, k.namespaced ? KindScope.NAMESPACED : KindScope.CLUSTER]));
const BUILT_IN_GROUPS = new Set(ALL_KINDS.map(k => groupOf(k.apiVersion)));

/** The scope a supported minor gives `kind` at `apiVersion`; undefined when none serves such an object. */
export function builtInKindScope(apiVersion: string, kind: string): KindScope | undefined {
  return SCOPES.get(`${apiVersion} ${kind}`);
}

/**
 * Whether `manifest`'s kind is cluster-scoped: by the API tables for built-in groups (a kind a group
 * no longer serves at that version keeps the scope it has in the group's other versions), or by the
 * `scope` of its CRD among `crds`. Unknown kinds are taken as namespaced.
 */
export function isClusterScoped(manifest: KubeManifest, crds: readonly KubeManifest[]): boolean {
  const group = groupOf(manifest.apiVersion);
  if (isBuiltInGroup(group)) {
    const inOtherVersion = ALL_KINDS.find(k => k.kind === manifest.kind && groupOf(k.apiVersion) === group);
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

const declared = new WeakMap<IConstruct, ClusterApi[]>();

/**
 * An API the target cluster already serves, whose CRDs come with something else (a Gateway API
 * implementation, cert-manager, another tool): objects of it are accepted without their CRD in the
 * output, checked against a schema package where one exists, and deploy checks the cluster serves it.
 */
export class ClusterApi {
  /** Gateway API v1 (HTTPRoute, Gateway, GatewayClass, GRPCRoute), schemas from @kubernetes-models/gateway-api. */
  public static readonly GATEWAY_API_V1 = new ClusterApi('gateway.networking.k8s.io/v1', '@kubernetes-models/gateway-api', 'GATEWAY_API_V1');
  /** cert-manager v1 (Certificate, Issuer, ClusterIssuer), schemas from @kubernetes-models/cert-manager. */
  public static readonly CERT_MANAGER_V1 = new ClusterApi('cert-manager.io/v1', '@kubernetes-models/cert-manager', 'CERT_MANAGER_V1');

  /** The APIs with a constant here (and a schema package). */
  public static known(): readonly ClusterApi[] {
    return [ClusterApi.GATEWAY_API_V1, ClusterApi.CERT_MANAGER_V1];
  }

  /** Any other API group and version (`group/version`), accepted without a schema check. */
  public static of(apiVersion: string): ClusterApi {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) {
      throw new Error(`ClusterApi.of('${apiVersion}') needs a group/version such as 'gateway.networking.k8s.io/v1'`);
    }
    if (isBuiltInGroup(groupOf(apiVersion))) {
      throw new Error(`ClusterApi.of('${apiVersion}'): ${groupOf(apiVersion)} is built into Kubernetes; declare only APIs that come from CRDs`);
    }
    return new ClusterApi(apiVersion);
  }

  /**
   * Declares that the cluster `scope` belongs to (its MonitoringStack, or the app) serves `apis`:
   * renders get them as helm's `--api-versions`, validation accepts their objects, and deploy checks the
   * cluster really serves them. Call it before adding the constructs that render charts.
   */
  public static declare(scope: IConstruct, ...apis: ClusterApi[]): void {
    const cluster = clusterOf(scope);
    declared.set(cluster, [...(declared.get(cluster) ?? []), ...apis.filter(a => !(declared.get(cluster) ?? []).includes(a))]);
  }

  /** The APIs declared for the cluster `scope` belongs to. */
  public static declaredFor(scope: IConstruct): readonly ClusterApi[] {
    return declared.get(clusterOf(scope)) ?? [];
  }

  private constructor(
    /** `group/version`. */
    public readonly apiVersion: string,
    /** The kubernetes-models package with its schemas, if any. */
    public readonly schemaPackage?: string,
    /** The name of its constant on ClusterApi, if it has one. */
    public readonly constantName?: string,
  ) {}
}

