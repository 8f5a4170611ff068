import { groupOf } from '../lib/render/kube-api';
import table from '../lib/render/kube-api-1.28.json';
import { apiResources, compare, discoveredKinds, ServedKind } from './support/api-discovery';
import { KUBERNETES_1_28_KINDS } from './support/kubernetes-1-28-kinds';
import { describeWithControlPlane, SHARED_CONTROL_PLANE_TIMEOUT_MS, sharedControlPlane } from './support/shared-control-plane';

const key = (k: { apiVersion: string; kind: string }) => `${k.apiVersion} ${k.kind}`;

describe('kube-api-1.28.json', () => {
  test('lists every kind Kubernetes 1.28 serves exactly once, as a kind with a scope or as no object', () => {
    const listed = [...table.kinds, ...table.notObjects].map(key);
    expect(listed.sort(compare)).toEqual(KUBERNETES_1_28_KINDS);
  });

  test('is sorted by apiVersion and kind, as the generator writes it', () => {
    const sorted = (keys: string[]) => [...keys].sort(compare);
    expect(table.kinds.map(key)).toEqual(sorted(table.kinds.map(key)));
    expect(table.notObjects.map(key)).toEqual(sorted(table.notObjects.map(key)));
  });

  test('has the 1.28 cluster-scoped kinds a hand-written list missed, and no PodSecurityPolicy (gone since 1.25)', () => {
    const clusterScoped = new Set(table.kinds.filter(k => !k.namespaced).map(k => k.kind));
    for (const kind of ['IPAddress', 'ClusterCIDR', 'ClusterTrustBundle', 'ResourceClass', 'StorageVersion', 'Namespace', 'StorageClass']) {
      expect([kind, clusterScoped.has(kind)]).toEqual([kind, true]);
    }
    expect(table.kinds.some(k => k.kind === 'PodSecurityPolicy')).toBe(false);
  });
});

describeWithControlPlane('kube-api-1.28.json against the live Kubernetes 1.35 API server', () => {
  let discovered: ServedKind[];
  let preferred: ServedKind[];
  beforeAll(async () => {
    const controlPlane = await sharedControlPlane();
    discovered = discoveredKinds(controlPlane);
    preferred = apiResources(controlPlane);
  }, SHARED_CONTROL_PLANE_TIMEOUT_MS);

  /** Rows of the table whose scope differs from what `served` says for the same apiVersion and kind; and how many were compared. */
  function compareWith(served: readonly ServedKind[]): { compared: number; differing: string[] } {
    const both = table.kinds.filter(k => served.some(s => key(s) === key(k)));
    const differing = both.filter(k => served.some(s => key(s) === key(k) && s.namespaced !== k.namespaced))
      .map(k => `${key(k)}: table ${k.namespaced}, server ${!k.namespaced}`);
    return { compared: both.length, differing };
  }

  test('has the scope of discovery for every apiVersion and kind both serve (all versions, subresources too)', () => {
    const { compared, differing } = compareWith(discovered);
    expect(differing).toEqual([]);
    // the shared server runs with its default API groups, so 1.28's alpha kinds are not compared here (the generator
    // compares them against a server with all groups on); the GA and beta kinds are most of the table
    expect(compared).toBeGreaterThanOrEqual(50);
  });

  test('has the scope of `kubectl api-resources -o wide` for every apiVersion and kind both list', () => {
    const { compared, differing } = compareWith(preferred);
    expect(differing).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(50);
  });

  test('has the scope the server gives the same group and kind where it serves another version', () => {
    const differing = table.kinds.flatMap(k => discovered
      .filter(s => groupOf(s.apiVersion) === groupOf(k.apiVersion) && s.kind === k.kind && s.namespaced !== k.namespaced)
      .map(s => `${key(k)} (${k.namespaced}) vs ${key(s)} (${s.namespaced})`));
    expect(differing).toEqual([]);
  });
});
