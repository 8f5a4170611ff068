// What a live API server says it serves, read two ways: its discovery documents (every group version, every
// resource and subresource) and `kubectl api-resources -o wide` (the preferred version of each group).
import { KubectlResult } from './control-plane';

/** Runs kubectl against one API server. */
export interface Kubectl {
  kubectl(args: readonly string[]): KubectlResult;
}

/** An apiVersion + kind that an API server serves, and whether as a namespaced resource. */
export interface ServedKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** The group version whose discovery lists it, e.g. `v1` for pods/eviction (which serves policy/v1 Eviction). */
  readonly groupVersion: string;
  /** The resource or subresource it is served as, e.g. `deployments` or `pods/eviction`. */
  readonly resource: string;
}

/**
 * Every apiVersion + kind in the discovery documents of every group version the server serves, resources and
 * subresources alike (a subresource such as `deployments/scale` serves its own kind, autoscaling/v1 Scale).
 * Sorted by apiVersion, kind and resource.
 */
export function discoveredKinds(server: Kubectl): ServedKind[] {
  const groupVersions = ['v1', ...run(server, ['api-versions']).split('\n').filter(gv => gv.includes('/'))];
  const served: ServedKind[] = [];
  for (const groupVersion of groupVersions) {
    const document = JSON.parse(run(server, ['get', '--raw', groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`])) as {
      resources: Array<{ name: string; kind: string; namespaced: boolean; group?: string; version?: string }>;
    };
    for (const r of document.resources) {
      // a subresource may serve a kind of another group version (pods/eviction: policy/v1 Eviction)
      const apiVersion = r.version ? (r.group ? `${r.group}/${r.version}` : r.version) : groupVersion;
      served.push({ apiVersion, kind: r.kind, namespaced: r.namespaced, groupVersion, resource: r.name });
    }
  }
  return served.sort((a, b) => compare(a.apiVersion, b.apiVersion) || compare(a.kind, b.kind)
    || compare(a.groupVersion, b.groupVersion) || compare(a.resource, b.resource));
}

/** The rows of `kubectl api-resources -o wide`: one per resource, in the preferred version of its group. */
export function apiResources(server: Kubectl): ServedKind[] {
  const [header, ...rows] = run(server, ['api-resources', '-o', 'wide']).split('\n').filter(line => line.trim());
  // columns are aligned under the header, and SHORTNAMES or CATEGORIES may be empty
  const column = (name: string) => {
    const start = header.search(new RegExp(`\\b${name}\\b`));
    if (start < 0) throw new Error(`kubectl api-resources printed no ${name} column: ${header}`);
    return (row: string) => row.slice(start).split(/\s+/)[0];
  };
  const [name, apiVersion, namespaced, kind] = ['NAME', 'APIVERSION', 'NAMESPACED', 'KIND'].map(column);
  return rows.map(row => {
    if (!['true', 'false'].includes(namespaced(row))) throw new Error(`cannot read NAMESPACED in kubectl api-resources row: ${row}`);
    return { apiVersion: apiVersion(row), kind: kind(row), namespaced: namespaced(row) === 'true', groupVersion: apiVersion(row), resource: name(row) };
  });
}

/** The server's version, e.g. `v1.35.4`. */
export function serverVersion(server: Kubectl): string {
  return (JSON.parse(run(server, ['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion;
}

/** Locale-independent string order, for output that is the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function run(server: Kubectl, args: readonly string[]): string {
  const result = server.kubectl(args);
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed with exit code ${result.status}: ${result.stderr}`);
  return result.stdout;
}
