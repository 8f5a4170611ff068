// Regenerates lib/render/kube-api/<minor>.json, one table per supported Kubernetes minor: every apiVersion + kind
// that minor's kube-apiserver serves, whether it is namespaced, and the fields (of the newest fields any supported
// minor has) that this minor's objects do not have.
//
// Source: the k8s.io/kubernetes module of each minor's newest patch, from the Go module proxy. Its api/discovery/
// and api/openapi-spec/swagger.json are what upstream's hack/update-openapi-spec.sh recorded from a real
// kube-apiserver of that release, started with --runtime-config=api/all=true and every alpha feature gate on: every
// group version and every field the release has. test/kube-api.integration.test.ts checks the tables of the oldest
// and the newest minor against the live API servers the cluster harness builds of those versions.
//
// Run: npm run kube-api  (needs Go and the Go module proxy: `go mod download`, no build)
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compare } from '../test/support/api-discovery';

/** The newest patch of each supported minor (the k8s.io/kubernetes module versions the tables come from). */
const SOURCES: Record<string, string> = {
  '1.28': 'v1.28.15', '1.29': 'v1.29.15', '1.30': 'v1.30.14', '1.31': 'v1.31.14',
  '1.32': 'v1.32.13', '1.33': 'v1.33.13', '1.34': 'v1.34.4', '1.35': 'v1.35.4',
};
const TABLE_DIR = path.resolve(__dirname, '../lib/render/kube-api');

interface Kind { apiVersion: string; kind: string; namespaced: boolean }
interface Schema { $ref?: string; type?: string; items?: Schema; properties?: Record<string, Schema>; additionalProperties?: unknown; allOf?: Schema[] }
interface Swagger { definitions: Record<string, Schema & { 'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }> }> }

function main(): void {
  const minors = Object.keys(SOURCES);
  const read = new Map(minors.map(minor => [minor, readRelease(SOURCES[minor])]));
  // Every field any supported minor has, per kind: what a minor lacks is what it does not have of these.
  const union = new Map<string, Set<string>>();
  for (const { fields } of read.values()) {
    for (const [key, paths] of fields) {
      const all = union.get(key) ?? new Set<string>();
      for (const p of paths) all.add(p);
      union.set(key, all);
    }
  }
  fs.mkdirSync(TABLE_DIR, { recursive: true });
  for (const minor of minors) {
    const { kinds, fields } = read.get(minor)!;
    const absentFields: Record<string, string[]> = {};
    for (const k of kinds) {
      const key = `${k.apiVersion} ${k.kind}`;
      const own = fields.get(key) ?? new Set<string>();
      // Only the outermost absent field: `spec.ordinals`, not also `spec.ordinals.start`.
      const absent = [...union.get(key) ?? []].filter(p => !own.has(p)).sort(compare);
      const outermost = absent.filter(p => !absent.some(q => q !== p && (p.startsWith(`${q}.`) || p.startsWith(`${q}[]`))));
      if (outermost.length > 0) absentFields[key] = outermost;
    }
    const table = {
      kubernetesVersion: minor,
      source: `k8s.io/kubernetes ${SOURCES[minor]} api/discovery and api/openapi-spec/swagger.json, as upstream's hack/update-openapi-spec.sh `
        + 'recorded them from a kube-apiserver started with --runtime-config=api/all=true and every alpha feature gate on',
      kinds,
      absentFields,
    };
    const file = path.join(TABLE_DIR, `${minor}.json`);
    fs.writeFileSync(file, `${JSON.stringify(table, null, 1)}\n`);
    console.log(`${path.relative(process.cwd(), file)}: ${kinds.length} kinds (${kinds.filter(k => !k.namespaced).length} cluster-scoped), `
      + `${Object.values(absentFields).reduce((n, a) => n + a.length, 0)} fields of ${Object.keys(absentFields).length} kinds that other minors have and ${minor} does not`);
  }
}

/** One release's served kinds (from its discovery documents) and each kind's field paths (from its OpenAPI document). */
function readRelease(version: string): { kinds: Kind[]; fields: Map<string, Set<string>> } {
  const dir = moduleDir(version);
  const discovery = path.join(dir, 'api', 'discovery');
  const byKey = new Map<string, Kind & { subresource: boolean }>();
  // api__v1.json and apis__<group>__<version>.json: one per group version (apis__<group>.json lists a group's versions)
  for (const file of fs.readdirSync(discovery).filter(f => f === 'api__v1.json' || /^apis__[^_]+(?:_[^_]+)*__[^_]+\.json$/.test(f)).sort(compare)) {
    const document = JSON.parse(fs.readFileSync(path.join(discovery, file), 'utf8')) as {
      groupVersion: string; resources: Array<{ name: string; kind: string; namespaced: boolean; group?: string; version?: string }>;
    };
    for (const r of document.resources) {
      // a subresource may serve a kind of another group version (pods/eviction: policy/v1 Eviction)
      const apiVersion = r.version ? (r.group ? `${r.group}/${r.version}` : r.version) : document.groupVersion;
      const key = `${apiVersion} ${r.kind}`;
      const subresource = r.name.includes('/');
      const known = byKey.get(key);
      // A kind's scope is its own resource's; a subresource's counts only where it has none (Scale, Eviction).
      if (!known || (known.subresource && !subresource)) byKey.set(key, { apiVersion, kind: r.kind, namespaced: r.namespaced, subresource });
    }
  }
  if (byKey.size < 50) throw new Error(`k8s.io/kubernetes ${version} has only ${byKey.size} kinds in api/discovery: not the recorded discovery this reads`);
  const kinds = [...byKey.values()].map(({ apiVersion, kind, namespaced }) => ({ apiVersion, kind, namespaced }))
    .sort((a, b) => compare(a.apiVersion, b.apiVersion) || compare(a.kind, b.kind));
  const swagger = JSON.parse(fs.readFileSync(path.join(dir, 'api', 'openapi-spec', 'swagger.json'), 'utf8')) as Swagger;
  const fields = new Map<string, Set<string>>();
  for (const [name, definition] of Object.entries(swagger.definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      const key = `${gvk.group ? `${gvk.group}/` : ''}${gvk.version} ${gvk.kind}`;
      if (!byKey.has(key) || fields.has(key)) continue;
      const paths = new Set<string>();
      walk(swagger, definition, '', [name], paths, true);
      fields.set(key, paths);
    }
  }
  return { kinds, fields };
}

/** Adds the path of every field below `schema` (objects through $ref, lists as `[]`; maps end a path). */
function walk(swagger: Swagger, schema: Schema, prefix: string, chain: string[], out: Set<string>, root = false): void {
  for (const [field, value] of Object.entries(schema.properties ?? {})) {
    if (root && ['apiVersion', 'kind', 'metadata', 'status'].includes(field)) continue;
    const here = prefix ? `${prefix}.${field}` : field;
    out.add(here);
    let target: Schema = value;
    let at = here;
    if (target.type === 'array' && target.items) {
      target = target.items;
      at = `${here}[]`;
    }
    const ref = target.$ref ?? target.allOf?.[0]?.$ref;
    if (!ref) continue;
    const name = ref.replace('#/definitions/', '');
    if (chain.includes(name)) continue; // recursive types (JSONSchemaProps) end at their first repetition
    walk(swagger, swagger.definitions[name], at, [...chain, name], out);
  }
}

/** The folder of k8s.io/kubernetes@version in the Go module cache, downloaded from the proxy when missing. */
function moduleDir(version: string): string {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-api-'));
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], { cwd: empty, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const { Dir, Error: error } = JSON.parse(out) as { Dir?: string; Error?: string };
    if (!Dir) throw new Error(`go mod download k8s.io/kubernetes@${version}: ${error}`);
    return Dir;
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
}

main();
