import TABLE_IMPORT from './kube-api-1.28.json';
import { IConstruct } from 'constructs';
import { clusterOf } from './cluster-boundary';
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
      throw new Error(`ClusterApi.of('${apiVersion}'): ${groupOf(apiVersion)} is built into Kubernetes ${TARGET_KUBERNETES}; declare only APIs that come from CRDs`);
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

