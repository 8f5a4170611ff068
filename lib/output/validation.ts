import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { OutputUnit, Validator } from '@cfworker/json-schema';
import { ClusterApi, DEFAULT_KUBERNETES_VERSION, groupOf, isBuiltInGroup, isClusterScoped, KubeApi, servedIn } from '../render/kube-api';

export { ClusterApi };
import { codeIdentity, DiskCache, MemoryCache, packageVersion, sha256 } from '../render/cache';
import { KubeManifest, objectName, parseDocument, parserIdentity, splitDocuments } from '../render/manifest-parse';

/** The objects of one synthesized file. */
export interface OutputFile {
  /** File name, relative to the output folder. */
  readonly file: string;
  /** Its objects, in order. */
  readonly objects: KubeManifest[];
  /**
   * Each object's content key (as the writer computes it), in the same order: objects with the same key are checked
   * against a schema once by validations that share their checks ({@link ValidateOptions.shared}).
   * @default - none: every object is checked
   */
  readonly keys?: readonly string[];
}

/** Something in the output that a cluster would reject or misplace. */
export interface OutputProblem {
  /** File the object is in. */
  readonly file: string;
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  /** JSON path of the failing field (`/spec/replicas`), or '' for the object as a whole. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

/** What validation covered. */
export interface OutputValidationSummary {
  /** Objects checked against the Kubernetes schemas. */
  readonly builtIn: number;
  /** The Kubernetes minors they were checked against. */
  readonly kubernetesVersions: string[];
  /** Custom resources checked against a CRD's `openAPIV3Schema` or a schema package. */
  readonly custom: number;
  /** Objects of cluster-provided APIs without a schema package: accepted unchecked, one line each. */
  readonly clusterProvided: string[];
  /** Everything that is wrong; empty when the output is fit to apply. */
  readonly problems: OutputProblem[];
}

/** Options of {@link validateOutput}. */
export interface ValidateOptions {
  /**
   * APIs the cluster serves whose CRDs are not in the output.
   * @default - none
   */
  readonly clusterApis?: readonly ClusterApi[];
  /**
   * The Kubernetes minor the output is for: its API and fields are what built-in objects are checked against.
   * @default - DEFAULT_KUBERNETES_VERSION, the newest supported
   */
  readonly kubernetesVersion?: string;
  /**
   * Schema checks shared with other validations (of the other folders of one app, whose clusters share most objects):
   * an object with a content key is checked once, and a CRD's schema prepared once.
   * @default - a new one: nothing shared
   */
  readonly shared?: SharedChecks;
}

// What a document's text parses to, kept by the text's digest: output read back (by deploy, diff and
// tests) is mostly documents read before, and v8's deserializer is ten times faster than a YAML parse.
const readCache = new DiskCache('read');

/**
 * Reads every `*.yaml` file of a synthesized output folder (not its subfolders), in name order. A
 * document read before (the same text) is not parsed again; each call returns objects of its own.
 */
export function readOutputDir(dir: string): OutputFile[] {
  return fs.readdirSync(dir).filter(f => f.endsWith('.yaml')).sort().map(file => ({ file, objects: readOutputObjects(fs.readFileSync(path.join(dir, file))) }));
}

// Files this process has read, by the digest of their bytes, with their objects serialized: a process
// that reads the same output again (the tests do, many times) copies the objects, which costs less than
// decoding the file (CRD descriptions are not ASCII, which makes UTF-8 decoding slow) and digesting each
// document again to find it in the disk cache (64 MB of them at most).
const readMemo = new MemoryCache(64 * 1024 * 1024);

/** The objects of one output file, from its bytes, as {@link readOutputDir} reads them (objects of their own). */
export function readOutputObjects(bytes: Buffer): KubeManifest[] {
  const key = sha256(bytes);
  const known = readMemo.get(key);
  if (known) return v8.deserialize(known);
  const objects = splitDocuments(bytes.toString('utf8')).map(d => readDocument(d.text)).filter((v): v is KubeManifest => v !== null && typeof v === 'object');
  readMemo.set(key, v8.serialize(objects));
  return objects;
}

function readDocument(text: string): unknown {
  const key = sha256(parserIdentity(), '\0', text);
  const known = readCache.get<unknown>(key);
  if (known !== undefined) return known;
  const { value } = parseDocument(text);
  readCache.put(key, value);
  return value;
}

const validationCache = new DiskCache('validation');
const KUBE_API_TABLES = fs.readdirSync(path.join(__dirname, '..', 'render', 'kube-api')).map(f => path.join(__dirname, '..', 'render', 'kube-api', f));
let validatorIdentity: string | undefined;

/**
 * {@link validateOutput}, kept by what it depends on: every object's content key (as the writer
 * computed it), the declared cluster APIs, and the validator itself (the source of this module and
 * of the API tables, and the versions of the schema packages). An output that was checked before is
 * not checked again.
 */
export function validateOutputOnce(files: ReadonlyArray<OutputFile & { readonly keys: readonly string[] }>, options: ValidateOptions = {}): OutputValidationSummary {
  // (Objects are known by their text's digest where they are written as helm wrote them: the parser is part of what they are.)
  validatorIdentity ??= sha256(`${codeIdentity([__filename, require.resolve('../render/kube-api'), ...KUBE_API_TABLES], ['kubernetes-models', '@kubernetes-models/validate', '@kubernetes-models/base', '@kubernetes-models/apimachinery', 'ajv', '@cfworker/json-schema', '@kubernetes-models/argo-cd', '@kubernetes-models/flux-cd'])}\0${parserIdentity()}`);
  const schemaPackages = (options.clusterApis ?? []).flatMap(a => a.schemaPackage ?? []).map(p => `${p}@${packageVersion(p)}`);
  const key = sha256(JSON.stringify([validatorIdentity, options.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION, schemaPackages, (options.clusterApis ?? []).map(a => a.apiVersion), files.map(f => [f.file, f.keys])]));
  const known = validationCache.get<OutputValidationSummary>(key);
  if (known) return known;
  const summary = validateOutput(files, options);
  validationCache.put(key, summary);
  return summary;
}

/**
 * Checks every object the way an API server would before anything is applied: built-in kinds
 * against the API of the Kubernetes minor the output is for (kinds and fields) and the kubernetes-models schemas, custom resources against the
 * `openAPIV3Schema` of their CRD in the same output (or a declared cluster API), namespaces against
 * each kind's scope, and no object twice.
 */
export function validateOutput(files: readonly OutputFile[], options: ValidateOptions = {}): OutputValidationSummary {
  const problems: OutputProblem[] = [];
  const clusterProvided: string[] = [];
  const crds = files.flatMap(f => f.objects).filter(o => o.kind === 'CustomResourceDefinition');
  const keyOf = new Map(files.flatMap(f => (f.keys ?? []).map((key, i) => [f.objects[i], key] as const)));
  const shared = options.shared ?? new SharedChecks();
  const crdSchemas = new CrdSchemas(crds, keyOf, shared.crdChecks);
  const api = KubeApi.of(options.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  const seen = new Map<string, string>();
  let builtIn = 0;
  let custom = 0;

  for (const { file, objects } of files) {
    for (const object of objects) {
      const objectKey = keyOf.get(object);
      const id = objectName(object);
      const report = (problemPath: string, message: string) => problems.push({ file, object: id, path: problemPath, message });
      if (!object?.apiVersion || !object.kind || !object.metadata?.name) {
        report('', 'apiVersion, kind and metadata.name are required');
        continue;
      }
      const group = groupOf(object.apiVersion);
      const key = `${group} ${id}`;
      const earlier = seen.get(key);
      if (earlier) report('', `defined twice (also in ${earlier}); the second apply would overwrite the first`);
      seen.set(key, file);

      const builtInGroup = isBuiltInGroup(group);
      if (builtInGroup && !api.serves(object.apiVersion, object.kind)) {
        builtIn++;
        report('/apiVersion', `Kubernetes ${api.version} does not serve ${object.apiVersion} ${object.kind} (served in ${servedIn(object.apiVersion, object.kind)}); `
          + 'set cluster.kubernetesVersion to the minor your cluster runs, or use an apiVersion it serves');
        continue;
      }
      if (isClusterScoped(object, crds)) {
        if (object.metadata.namespace !== undefined) report('/metadata/namespace', `${object.kind} is cluster-scoped but has namespace '${object.metadata.namespace}'; remove it (is it in a Chart with a namespace?)`);
      } else if (!object.metadata.namespace) {
        report('/metadata/namespace', `${object.kind} is namespaced but has no namespace, so it would land in whatever namespace kubectl's context selects`);
      }

      if (builtInGroup) {
        builtIn++;
        for (const error of shared.errorsOf(objectKey && `kubernetes-models ${objectKey}`, () => modelSchemaErrors('kubernetes-models', object))) report(error.path, error.message);
        for (const field of api.absentFields(object)) {
          report(`/${field.replace(/\[\]/g, '/*').replace(/\./g, '/')}`, `Kubernetes ${api.version} has no field ${field} in ${object.apiVersion} ${object.kind} `
            + `(it is in ${servedIn(object.apiVersion, object.kind, field)}); the server would drop or refuse it: set cluster.kubernetesVersion to the minor your cluster runs, or leave the field out`);
        }
        continue;
      }
      custom++;
      const controllerModels = CONTROLLER_MODELS[group];
      if (controllerModels) {
        for (const error of modelSchemaErrors(controllerModels, object)) report(error.path, error.message);
        continue;
      }
      const check = crdSchemas.validator(object);
      if (check) {
        for (const error of shared.errorsOf(objectKey && check.key && `${check.key} ${objectKey}`, () => check(object))) report(error.path, error.message);
        continue;
      }
      const declared = options.clusterApis?.find(api => api.apiVersion === object.apiVersion);
      if (declared?.schemaPackage) {
        for (const error of modelSchemaErrors(declared.schemaPackage, object)) report(error.path, error.message);
      } else if (declared) {
        clusterProvided.push(`${id} (${object.apiVersion}): the cluster serves it; no schema to check it against`);
      } else {
        report('/apiVersion', crdSchemas.whyNone(object));
      }
    }
  }
  return { builtIn, kubernetesVersions: [api.version], custom, clusterProvided, problems };
}

/** A readable, multi-line account of problems, one per line, for error messages. */
export function formatProblems(problems: readonly OutputProblem[]): string {
  return problems.map(p => `${p.file}: ${p.object}${p.path ? ` at ${p.path}` : ''}: ${p.message}`).join('\n');
}

function isInstalled(name: string): boolean {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch (e) {
    // A package whose exports hide package.json is installed all the same.
    return (e as { code?: string }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

type ModelClass = { readonly prototype: { validate(this: object): void } };

/** Schema errors of `object` by its model in a kubernetes-models package (laid out as <apiVersion>/<Kind>). */
function modelSchemaErrors(modelPackage: string, object: KubeManifest): Array<{ path: string; message: string }> {
  let model: ModelClass | undefined;
  try {
    model = require(`${modelPackage}/${object.apiVersion}/${object.kind}`)[object.kind];
  } catch (e) {
    if (!['MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED'].includes((e as { code?: string }).code ?? '')) throw e;
    if (modelPackage === 'kubernetes-models') return []; // served by the minor but not modelled by kubernetes-models (1.27): kinds and fields already checked
    if (!isInstalled(modelPackage)) {
      return [{ path: '/apiVersion', message: `checking ${object.apiVersion} ${object.kind} needs the schema package ${modelPackage}, an optional peer of this library: npm install --save-dev ${modelPackage}` }];
    }
    return [{ path: '/apiVersion', message: `${modelPackage} has no schema for ${object.apiVersion} ${object.kind}` }];
  }
  try {
    // A model of the object's own fields (shared, not copied): the model's constructor copies them at every depth,
    // without undefined values (which these plain objects do not have), adding the kind's apiVersion and kind (which
    // they have). That copy was 30 of the 160 ms a cold synth of the reference stack spends here (CPU profile, 2-core
    // machine, 2026-12-07). The model's prototype stays: older model packages keep the schema's id there.
    model!.prototype.validate.call(Object.assign(Object.create(model!.prototype), object));
    return [];
  } catch (e) {
    // kubernetes-models throws its validator's ValidationError, which carries that validator's (ajv's) error list.
    const errors = (e as { errors?: Array<{ instancePath: string; message?: string; params?: object }> }).errors;
    if (!Array.isArray(errors)) throw e;
    return errors.map(d => ({ path: d.instancePath, message: `${d.message}${d.params && Object.keys(d.params).length > 0 ? ` (${JSON.stringify(d.params)})` : ''}` }));
  }
}

/**
 * Groups whose CRDs come with a GitOps controller rather than with this output (the bootstrap
 * objects), and the kubernetes-models package that holds their schemas.
 */
const CONTROLLER_MODELS: Record<string, string> = {
  'argoproj.io': '@kubernetes-models/argo-cd',
  'source.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
  'kustomize.toolkit.fluxcd.io': '@kubernetes-models/flux-cd',
};

type SchemaErrors = Array<{ path: string; message: string }>;
/** A custom resource's check by its CRD's schema, and the CRD's content key with the version (when known). */
type SchemaCheck = ((object: KubeManifest) => SchemaErrors) & { readonly key?: string };

/**
 * Schema checks of objects by their content keys, shared by the validations of one app's folders (see
 * {@link ValidateOptions.shared}), and dropped with them. With 16 clusters in one app, checking each cluster's equal
 * objects again was about 400 of the synth's 3,100 ms (2-core machine, 2026-12-07).
 */
export class SharedChecks {
  private readonly errors = new Map<string, SchemaErrors>();
  /** Prepared CRD schemas by the CRD's content key and version (preparing one costs more than a check). */
  public readonly crdChecks = new Map<string, SchemaCheck>();

  /** The errors `check` finds, made once per `key` (each check with the object's content key); `check()` itself without a key. */
  public errorsOf(key: string | undefined, check: () => SchemaErrors): SchemaErrors {
    if (!key) return check();
    let errors = this.errors.get(key);
    if (!errors) {
      errors = check();
      this.errors.set(key, errors);
    }
    return errors;
  }
}

interface CrdVersion {
  name: string;
  served: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
}

/**
 * Checks custom resources against their CRD's schema with an interpreting validator: nothing to
 * compile, so the prometheus-operator's 800 KB schemas cost milliseconds, not seconds.
 */
class CrdSchemas {
  private readonly prepared = new Map<string, SchemaCheck>();

  constructor(private readonly crds: readonly KubeManifest[], private readonly keyOf: ReadonlyMap<KubeManifest, string> = new Map(), private readonly byCrdKey = new Map<string, SchemaCheck>()) {}

  /** The check for `object`'s kind and version, or undefined when no CRD here serves it. */
  public validator(object: KubeManifest): SchemaCheck | undefined {
    const crd = this.crdOf(object);
    const version = object.apiVersion.split('/')[1];
    const served = (crd?.spec as { versions?: CrdVersion[] } | undefined)?.versions?.find(v => v.name === version && v.served);
    if (!crd || !served) return undefined;
    const key = `${crd.metadata.name} ${version}`;
    const crdKey = this.keyOf.get(crd);
    const sharedKey = crdKey ? `${crdKey} ${version}` : undefined;
    let check = this.prepared.get(key) ?? (sharedKey ? this.byCrdKey.get(sharedKey) : undefined);
    if (!check) {
      const validator = new Validator(prepareSchema(served.schema?.openAPIV3Schema ?? {}, true) as object, '4', false);
      check = Object.assign((o: KubeManifest) => readableErrors(validator.validate(o).errors), { key: sharedKey });
      if (sharedKey) this.byCrdKey.set(sharedKey, check);
    }
    this.prepared.set(key, check);
    return check;
  }

  /** Why no CRD here serves `object`, with the fix. */
  public whyNone(object: KubeManifest): string {
    const group = groupOf(object.apiVersion);
    const crd = this.crdOf(object);
    if (crd) {
      const versions = (crd.spec as { versions: CrdVersion[] }).versions;
      return `CRD ${crd.metadata.name} does not serve version ${object.apiVersion.split('/')[1]}; served: ${versions.filter(v => v.served).map(v => v.name).join(', ')}`;
    }
    const known = ClusterApi.known().find(api => api.apiVersion === object.apiVersion);
    const declaration = known ? `ClusterApi.${known.constantName}` : `ClusterApi.of('${object.apiVersion}')`;
    return `no CustomResourceDefinition in this output defines ${object.kind} in ${group}; a fresh cluster would answer 'no matches for kind ${object.kind}': add the construct that ships the CRD, or, if the cluster already serves ${object.apiVersion} (installed by another tool), declare it: clusterApis: [${declaration}] on the MonitoringStack (or ClusterApi.declare(app, ${declaration}))`;
  }

  private crdOf(object: KubeManifest): KubeManifest | undefined {
    const group = groupOf(object.apiVersion);
    return this.crds.find(c => {
      const spec = c.spec as { group?: string; names?: { kind?: string } } | undefined;
      return spec?.group === group && spec?.names?.kind === object.kind;
    });
  }
}

/**
 * A CRD's structural schema as JSON Schema the validator reads the way the API server does:
 * - objects that list `properties` are closed (strict server-side apply rejects unknown fields),
 *   except below `x-kubernetes-preserve-unknown-fields`; at the root `apiVersion`, `kind` and
 *   `metadata` are always allowed, declared or not;
 * - `nullable` admits null;
 * - `format` is not checked (Kubernetes formats such as `int-or-string` or Go durations differ from JSON Schema's);
 * - patterns are Go RE2: `(?i)` becomes case-insensitive classes, and a pattern JavaScript cannot
 *   read is left to the API server rather than failing the synth.
 */
function prepareSchema(schema: Record<string, any>, root = false): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'format' || key.startsWith('x-kubernetes-validations')) continue;
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, any>).map(([k, v]) => [k, prepareSchema(v)]));
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = typeof value === 'object' && value !== null ? (Array.isArray(value) ? value.map(v => prepareSchema(v)) : prepareSchema(value)) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as Array<Record<string, any>>).map(v => prepareSchema(v));
    } else if (key === 'pattern') {
      const pattern = jsPattern(value as string);
      if (pattern !== undefined) out.pattern = pattern;
    } else {
      out[key] = value;
    }
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (out['x-kubernetes-preserve-unknown-fields'] === true) return out;
  if (root) {
    out.properties = { ...out.properties, apiVersion: out.properties?.apiVersion ?? { type: 'string' }, kind: out.properties?.kind ?? { type: 'string' }, metadata: { type: 'object' } };
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** A Go RE2 pattern as a JavaScript (unicode) one, or undefined when JavaScript cannot express it. */
function jsPattern(re2: string): string | undefined {
  let pattern = re2;
  if (pattern.includes('(?i)')) {
    // Case-insensitive from the flag on; applied to the whole pattern, which only ever admits more.
    pattern = caseless(pattern.replace(/\(\?i\)/g, ''));
  }
  try {
    new RegExp(pattern, 'u');
    return pattern;
  } catch {
    return undefined;
  }
}

function caseless(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      out += c + (pattern[i + 1] ?? '');
      i++;
    } else if (c === '[' && !inClass) {
      inClass = true;
      out += c;
    } else if (c === ']' && inClass) {
      inClass = false;
      out += c;
    } else if (/[a-zA-Z]/.test(c)) {
      const both = `${c.toLowerCase()}${c.toUpperCase()}`;
      out += inClass ? both : `[${both}]`;
    } else {
      out += c;
    }
  }
  return out;
}

/** The validator's errors, reduced to the failing fields themselves, in words a person reads. */
function readableErrors(units: readonly OutputUnit[]): Array<{ path: string; message: string }> {
  const leaves = units.filter(u => !['properties', 'additionalProperties', 'items', 'allOf', '$ref'].includes(u.keyword)
    && !/\/(anyOf|oneOf)\/\d+/.test(u.keywordLocation));
  return leaves.map(u => {
    const at = u.instanceLocation.replace(/^#/, '');
    switch (u.keyword) {
      case 'false': return { path: at, message: 'is not a field of this schema; strict server-side apply rejects unknown fields (a typo?)' };
      case 'type': {
        const [, actual, expected] = /Instance type "(.*)" is invalid\. Expected "(.*)"/.exec(u.error) ?? [];
        return { path: at, message: expected ? `must be ${expected}, not ${actual}` : u.error };
      }
      case 'required': {
        const [, name] = /required property "(.*)"/.exec(u.error) ?? [];
        return { path: at, message: name ? `must have required property '${name}'` : u.error };
      }
      default: return { path: at, message: u.error };
    }
  });
}
