// The API tables (lib/render/kube-api/<minor>.json, `npm run kube-api`) against a live server: the newest table
// against the run's shared Kubernetes 1.35 control plane, here; the oldest against a 1.28 one in
// kubernetes-oldest.integration.test.ts. The tables come from the discovery and OpenAPI documents upstream recorded
// from a kube-apiserver of each release with every API group on; a live server with its default groups serves a part
// of that, which must agree with the table.
import { groupOf, isBuiltInGroup } from '../lib/render/kube-api';
import table from '../lib/render/kube-api/1.35.json';
import { apiResources, compare, discoveredKinds, serverVersion, ServedKind } from './support/api-discovery';
import { describeWithControlPlane, SHARED_CONTROL_PLANE_TIMEOUT_MS, sharedControlPlane } from './support/shared-control-plane';

const key = (k: { apiVersion: string; kind: string }) => `${k.apiVersion} ${k.kind}`;

describe('lib/render/kube-api/1.35.json', () => {
  test('lists each kind once, sorted by apiVersion and kind, as the generator writes it', () => {
    const keys = table.kinds.map(key);
    expect(keys).toEqual([...new Set(keys)].sort((a, b) => compare(a.split(' ')[0], b.split(' ')[0]) || compare(a.split(' ')[1], b.split(' ')[1])));
  });

  test('has the cluster-scoped kinds, and no PodSecurityPolicy (gone since 1.25)', () => {
    const clusterScoped = new Set(table.kinds.filter(k => !k.namespaced).map(k => k.kind));
    for (const kind of ['IPAddress', 'ClusterTrustBundle', 'DeviceClass', 'StorageVersion', 'Namespace', 'StorageClass', 'VolumeAttributesClass']) {
      expect([kind, clusterScoped.has(kind)]).toEqual([kind, true]);
    }
    expect(table.kinds.some(k => k.kind === 'PodSecurityPolicy')).toBe(false);
  });
});

describeWithControlPlane('lib/render/kube-api/1.35.json against the live Kubernetes 1.35 API server', () => {
  let discovered: ServedKind[];
  let preferred: ServedKind[];
  beforeAll(async () => {
    const controlPlane = await sharedControlPlane();
    expect(serverVersion(controlPlane)).toMatch(/^v1\.35\.\d+$/);
    discovered = discoveredKinds(controlPlane);
    preferred = apiResources(controlPlane);
  }, SHARED_CONTROL_PLANE_TIMEOUT_MS);

  /**
   * What `served` has that the table lacks, and where the two disagree on scope (a kind's own resource only). Only
   * Kubernetes' own groups: the run's earlier tests have installed CRDs on this server.
   */
  function compareWith(all: readonly ServedKind[]): { missing: string[]; differing: string[] } {
    const served = all.filter(s => isBuiltInGroup(groupOf(s.apiVersion)));
    const rows = new Map(table.kinds.map(k => [key(k), k.namespaced]));
    return {
      missing: [...new Set(served.filter(s => !rows.has(key(s))).map(key))],
      differing: served.filter(s => rows.has(key(s)) && !s.resource.includes('/') && rows.get(key(s)) !== s.namespaced).map(s => `${key(s)}: table ${rows.get(key(s))}, server ${s.namespaced}`),
    };
  }

  test('has every kind of discovery (all served versions, subresources too), with its scope', () => {
    expect(compareWith(discovered)).toEqual({ missing: [], differing: [] });
    expect(discovered.length).toBeGreaterThanOrEqual(50);
  });

  test('has every kind of `kubectl api-resources -o wide`, with its scope', () => {
    expect(compareWith(preferred)).toEqual({ missing: [], differing: [] });
  });

  test('every GA kind of the table is served (alpha and beta groups are off by default)', () => {
    const served = new Set(discovered.map(key));
    const ga = table.kinds.filter(k => /^(.*\/)?v\d+$/.test(k.apiVersion));
    expect(ga.filter(k => !served.has(key(k))).map(key)).toEqual([]);
  });

  test('a group\'s kinds keep their scope in every version the server serves', () => {
    const differing = table.kinds.flatMap(k => discovered
      .filter(s => groupOf(s.apiVersion) === groupOf(k.apiVersion) && s.kind === k.kind && !s.resource.includes('/') && s.namespaced !== k.namespaced)
      .map(s => `${key(k)} (${k.namespaced}) vs ${key(s)} (${s.namespaced})`));
    expect(differing).toEqual([]);
  });
});
