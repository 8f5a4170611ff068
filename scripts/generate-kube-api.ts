// Regenerates lib/render/kube-api-1.28.json: every apiVersion + kind that Kubernetes 1.28 serves (the GVKs of
// cdk8s-plus-28's generated k8s module) and whether it is namespaced, as a real API server reports it.
//
// Scope comes from, in this order:
//   1. the same apiVersion + kind in the discovery of the cluster harness's kube-apiserver (test/cluster, 1.35; the
//      table in the repository was last generated with 1.32, as its "scope" line says), started with
//      every API group version and feature gate on, so that it serves its alpha and beta APIs too;
//   2. the same group + kind in another version that server serves: a resource keeps its scope across versions
//      (all versions of a resource share one storage and one REST path shape);
//   3. for kinds that server no longer serves in any version, the Kubernetes 1.28 OpenAPI document: a kind is namespaced
//      when its create operation's path is under /namespaces/{namespace}/. That document is read from
//      @kubernetes/client-node 0.20.0, generated from it (release-1.28), fetched with `npm pack`.
// Where 1.28's OpenAPI also knows a kind that the server decided, the two must agree, or this fails.
// List kinds and meta/v1 Status are no objects with a scope; they are listed apart, with the reason.
//
// Run: node -r ./scripts/register-ts.js scripts/generate-kube-api.ts  (needs the harness of
// test/support/control-plane.ts and the npm registry)
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { groupOf } from '../lib/render/kube-api';
import { apiResources, compare, discoveredKinds, serverVersion, ServedKind } from '../test/support/api-discovery';
import { ControlPlane, formatStopReport } from '../test/support/control-plane';
import { KUBERNETES_1_28_KINDS } from '../test/support/kubernetes-1-28-kinds';

const TABLE_FILE = path.resolve(__dirname, '../lib/render/kube-api-1.28.json');

/** kube-apiserver flags that serve every API group version the server has, alpha ones included. */
const ALL_APIS = ['--runtime-config=api/all=true', '--feature-gates=AllAlpha=true,AllBeta=true'];

/** The Kubernetes 1.28 OpenAPI document, as @kubernetes/client-node 0.20.0 was generated from it. */
const OPENAPI_1_28 = {
  package: '@kubernetes/client-node@0.20.0',
  integrity: 'sha512-xxlv5GLX4FVR/dDKEsmi4SPeuB49aRc35stndyxcC73XnUEEwF39vXbROpHOirmDse8WE9vxOjABnSVS+jb7EA==',
  documentVersion: 'release-1.28',
};

/** A row of the table. */
interface KubeApiKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** What decided `namespaced`: the server and the resource it serves the kind as, or the 1.28 OpenAPI path. */
  readonly scopeFrom: string;
}

/** A 1.28 kind that is no object with a scope (a list, or the API's Status response). */
interface NotAnObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly why: string;
}

/** Where the OpenAPI document of 1.28 puts a kind's create operation. */
interface OpenApiScope {
  readonly namespaced: boolean;
  readonly path: string;
}

async function main(): Promise<void> {
  const controlPlane = await ControlPlane.start({ extraApiServerFlags: ALL_APIS });
  let served: ServedKind[];
  let preferred: ServedKind[];
  let version: string;
  try {
    await controlPlane.ready();
    served = discoveredKinds(controlPlane);
    preferred = apiResources(controlPlane);
    version = serverVersion(controlPlane);
  } finally {
    console.log(formatStopReport(controlPlane.stop()));
  }
  checkApiResourcesAgree(preferred, served);
  const openApi = openApi128Scopes();
  const kinds: KubeApiKind[] = [];
  const notObjects: NotAnObject[] = [];
  const decidedBy = { server: 0, otherVersion: [] as string[], openApi: [] as string[] };
  const unresolved: string[] = [];
  for (const key of KUBERNETES_1_28_KINDS) {
    const [apiVersion, kind] = key.split(' ');
    const why = whyNotAnObject(apiVersion, kind);
    if (why) {
      notObjects.push({ apiVersion, kind, why });
      continue;
    }
    const exact = served.filter(s => s.apiVersion === apiVersion && s.kind === kind);
    const otherVersions = served.filter(s => groupOf(s.apiVersion) === groupOf(apiVersion) && s.kind === kind);
    const fromServer = exact.length > 0 ? exact : otherVersions;
    if (fromServer.length > 0) {
      kinds.push({ apiVersion, kind, namespaced: sameScope(key, fromServer), scopeFrom: `kube-apiserver ${version} ${mainResource(fromServer)}` });
      if (exact.length > 0) decidedBy.server++; else decidedBy.otherVersion.push(`${key} (${mainResource(fromServer)})`);
    } else if (openApi.has(key)) {
      const { namespaced, path: apiPath } = openApi.get(key)!;
      kinds.push({ apiVersion, kind, namespaced, scopeFrom: `OpenAPI ${OPENAPI_1_28.documentVersion} ${apiPath}` });
      decidedBy.openApi.push(`${key} (${namespaced ? 'namespaced' : 'cluster'})`);
    } else {
      unresolved.push(key);
    }
  }
  if (unresolved.length > 0) {
    throw new Error(`no source says whether these 1.28 kinds are namespaced: ${unresolved.join(', ')}; `
      + `kube-apiserver ${version} serves them in no version and OpenAPI ${OPENAPI_1_28.documentVersion} has no create path for them`);
  }
  const disagreements = kinds.filter(k => openApi.has(`${k.apiVersion} ${k.kind}`) && openApi.get(`${k.apiVersion} ${k.kind}`)!.namespaced !== k.namespaced);
  if (disagreements.length > 0) {
    throw new Error(`kube-apiserver ${version} and OpenAPI ${OPENAPI_1_28.documentVersion} disagree on the scope of `
      + `${disagreements.map(k => `${k.apiVersion} ${k.kind}`).join(', ')}: decide by hand which holds for 1.28`);
  }
  const table = {
    kubernetesVersion: '1.28',
    sources: {
      kinds: `cdk8s-plus-28 ${packageVersion('cdk8s-plus-28')}: the GVK of every class of its generated k8s module`,
      scope: `discovery of kube-apiserver ${version} started with ${ALL_APIS.join(' ')}; the same group and kind in another `
        + `version where ${version} no longer serves the 1.28 one`,
      scopeOfKindsNoLongerServed: `OpenAPI ${OPENAPI_1_28.documentVersion} (as in ${OPENAPI_1_28.package}): the path of the kind's create operation`,
    },
    kinds,
    notObjects,
  };
  fs.writeFileSync(TABLE_FILE, `${JSON.stringify(table, null, 2)}\n`);
  console.log(`${path.relative(process.cwd(), TABLE_FILE)}: ${kinds.length} kinds `
    + `(${kinds.filter(k => !k.namespaced).length} cluster-scoped), ${notObjects.length} lists and responses set apart`);
  console.log(`  scope from kube-apiserver ${version}, same apiVersion: ${decidedBy.server}`);
  console.log(`  scope from kube-apiserver ${version}, same group and kind in another version: ${decidedBy.otherVersion.length}\n    ${decidedBy.otherVersion.join('\n    ')}`);
  console.log(`  scope from OpenAPI ${OPENAPI_1_28.documentVersion} (served by ${version} in no version): ${decidedBy.openApi.length}\n    ${decidedBy.openApi.join('\n    ')}`);
  console.log(`  cross-checked against OpenAPI ${OPENAPI_1_28.documentVersion}: ${kinds.filter(k => openApi.has(`${k.apiVersion} ${k.kind}`)).length} kinds agree`);
}

/** Why a 1.28 kind is no object with a scope, or undefined when it is one. */
function whyNotAnObject(apiVersion: string, kind: string): string | undefined {
  if (apiVersion === 'v1' && kind === 'Status') return 'the API\'s response to a failed or a delete request, never stored';
  const item = kind.endsWith('List') ? kind.slice(0, -'List'.length) : undefined;
  if (item && KUBERNETES_1_28_KINDS.includes(`${apiVersion} ${item}`)) return `the response to a list of ${item}`;
  return undefined;
}

/** The one scope all these served resources report for `key`; fails if they disagree. */
function sameScope(key: string, resources: readonly ServedKind[]): boolean {
  const scopes = new Set(resources.map(r => r.namespaced));
  if (scopes.size > 1) {
    throw new Error(`the server reports ${key} both namespaced and not: ${resources.map(r => `${r.groupVersion}/${r.resource} ${r.namespaced}`).join(', ')}`);
  }
  return resources[0].namespaced;
}

/** Where a kind is served, `<group version>/<resource>`, preferring a resource to a subresource (`bindings` to `pods/binding`). */
function mainResource(resources: readonly ServedKind[]): string {
  const isSubresource = (r: ServedKind) => (r.resource.includes('/') ? 1 : 0);
  const main = [...resources].sort((a, b) => isSubresource(a) - isSubresource(b) || compare(a.groupVersion, b.groupVersion)
    || compare(a.resource, b.resource))[0];
  return `${main.groupVersion}/${main.resource}`;
}

/** `kubectl api-resources -o wide` and the discovery documents are two readings of one server: they must agree. */
function checkApiResourcesAgree(rows: readonly ServedKind[], served: readonly ServedKind[]): void {
  const differing = rows.filter(row => !served.some(s => s.groupVersion === row.groupVersion && s.resource === row.resource
    && s.kind === row.kind && s.namespaced === row.namespaced));
  if (differing.length > 0) {
    throw new Error('kubectl api-resources -o wide disagrees with discovery on: '
      + `${differing.map(r => `${r.groupVersion}/${r.resource} ${r.kind} ${r.namespaced}`).join(', ')}`);
  }
}

/**
 * Scope of every kind that has a create operation in the 1.28 OpenAPI document, keyed `apiVersion kind`: read
 * from the generated API classes of @kubernetes/client-node 0.20.0, whose method `create[Namespaced]<Kind>`
 * posts to the kind's collection path.
 */
function openApi128Scopes(): Map<string, OpenApiScope> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-1.28-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', OPENAPI_1_28.package, '--pack-destination', work, '--json'], {
      cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
    })) as Array<{ filename: string; integrity: string }>;
    if (packed.integrity !== OPENAPI_1_28.integrity) {
      throw new Error(`${OPENAPI_1_28.package} has integrity ${packed.integrity} but ${OPENAPI_1_28.integrity} is pinned`);
    }
    execFileSync('tar', ['-xzf', path.join(work, path.basename(packed.filename)), '-C', work, 'package/dist/gen/api']);
    const apiDir = path.join(work, 'package', 'dist', 'gen', 'api');
    const scopes = new Map<string, OpenApiScope>();
    for (const file of fs.readdirSync(apiDir).filter(f => f.endsWith('Api.js')).sort(compare)) {
      const source = fs.readFileSync(path.join(apiDir, file), 'utf8');
      const operations = /async create(Namespaced)?(\w+)\([^)]*\)\s*\{\s*const localVarPath = this\.basePath \+ '([^']+)'/g;
      for (const [, namespacedName, kind, apiPath] of source.matchAll(operations)) {
        if (!source.includes(`The version of the OpenAPI document: ${OPENAPI_1_28.documentVersion}`)) {
          throw new Error(`${OPENAPI_1_28.package} ${file} was not generated from OpenAPI ${OPENAPI_1_28.documentVersion}`);
        }
        if (apiPath.includes('{name}')) continue; // a subresource, such as pods/{name}/eviction
        const groupVersion = apiPath.match(/^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))\//);
        if (!groupVersion) throw new Error(`cannot read the group version of ${apiPath} in ${file}`);
        const namespaced = apiPath.includes('/namespaces/{namespace}/');
        if (namespaced !== Boolean(namespacedName)) throw new Error(`${file}: create${namespacedName ?? ''}${kind} posts to ${apiPath}`);
        scopes.set(`${groupVersion[1] ?? groupVersion[2]} ${kind}`, { namespaced, path: apiPath });
      }
    }
    if (scopes.size === 0) throw new Error(`found no create operations in ${OPENAPI_1_28.package}`);
    return scopes;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function packageVersion(name: string): string {
  const file = path.join(path.dirname(require.resolve(name)), '..', 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name: string; version: string }).version;
}

main().catch(e => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
