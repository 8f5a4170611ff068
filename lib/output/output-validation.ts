import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { parseManifests } from '../render/helm-render';
import { groupOf, isBuiltInGroup, isClusterScoped, KUBE_1_28_KINDS, KubeManifest } from './kube-scope';

/** The objects of one synthesized file. */
export interface OutputFile {
  /** File name, relative to the output folder. */
  readonly file: string;
  /** Its objects, in order. */
  readonly objects: KubeManifest[];
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
  /** Custom resources checked against their CRD's `openAPIV3Schema`. */
  readonly custom: number;
  /** Everything that is wrong; empty when the output is fit to apply. */
  readonly problems: OutputProblem[];
}

/** Reads every `*.yaml` file of a synthesized output folder, in name order. */
export function readOutputDir(dir: string): OutputFile[] {
  return fs.readdirSync(dir).filter(f => f.endsWith('.yaml')).sort()
    .map(file => ({ file, objects: parseManifests(fs.readFileSync(path.join(dir, file), 'utf8')) }));
}

/**
 * Checks every object the way an API server would before anything is applied: built-in kinds
 * against the Kubernetes 1.28 API surface and schemas, custom resources against the
 * `openAPIV3Schema` of their CRD in the same output, namespaces against each kind's scope,
 * and no object twice.
 */
export function validateOutput(files: readonly OutputFile[]): OutputValidationSummary {
  const problems: OutputProblem[] = [];
  const crds = files.flatMap(f => f.objects).filter(o => o.kind === 'CustomResourceDefinition');
  const crdSchemas = new CrdSchemas(crds);
  const seen = new Map<string, string>();
  let builtIn = 0;
  let custom = 0;

  for (const { file, objects } of files) {
    for (const object of objects) {
      const id = describe(object);
      const report = (problemPath: string, message: string) => problems.push({ file, object: id, path: problemPath, message });
      if (!object.apiVersion || !object.kind || !object.metadata?.name) {
        report('', 'apiVersion, kind and metadata.name are required');
        continue;
      }
      const group = groupOf(object.apiVersion);
      const key = `${group} ${id}`;
      const earlier = seen.get(key);
      if (earlier) report('', `defined twice (also in ${earlier}); the second apply would overwrite the first`);
      seen.set(key, file);

      if (isClusterScoped(object, crds)) {
        if (object.metadata.namespace !== undefined) report('/metadata/namespace', `${object.kind} is cluster-scoped but has namespace '${object.metadata.namespace}'; remove it (is it in a Chart with a namespace?)`);
      } else if (!object.metadata.namespace) {
        report('/metadata/namespace', `${object.kind} is namespaced but has no namespace, so it would land in whatever namespace kubectl's context selects`);
      }

      if (isBuiltInGroup(group)) {
        builtIn++;
        if (!KUBE_1_28_KINDS.has(`${object.apiVersion} ${object.kind}`)) {
          report('/apiVersion', `Kubernetes 1.28 does not serve ${object.apiVersion} ${object.kind}`);
          continue;
        }
        for (const error of modelSchemaErrors('kubernetes-models', object)) report(error.path, error.message);
      } else {
        custom++;
        const controllerModels = CONTROLLER_MODELS[group];
        if (controllerModels) {
          for (const error of modelSchemaErrors(controllerModels, object)) report(error.path, error.message);
          continue;
        }
        const validate = crdSchemas.validator(object);
        if (typeof validate === 'string') {
          report('/apiVersion', validate);
        } else if (!validate(object)) {
          for (const e of validate.errors ?? []) report(e.instancePath, ajvMessage(e));
        }
      }
    }
  }
  return { builtIn, custom, problems };
}

/** A readable, multi-line account of problems, one per line, for error messages. */
export function formatProblems(problems: readonly OutputProblem[]): string {
  return problems.map(p => `${p.file}: ${p.object}${p.path ? ` at ${p.path}` : ''}: ${p.message}`).join('\n');
}

function describe(o: KubeManifest): string {
  return `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** Schema errors of `object` by its model in a kubernetes-models package (laid out as <apiVersion>/<Kind>). */
function modelSchemaErrors(modelPackage: string, object: KubeManifest): Array<{ path: string; message: string }> {
  let model: ModelClass | undefined;
  try {
    model = require(`${modelPackage}/${object.apiVersion}/${object.kind}`)[object.kind];
  } catch (e) {
    if (!['MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED'].includes((e as { code?: string }).code ?? '')) throw e;
    if (modelPackage === 'kubernetes-models') return []; // served by 1.28 but no longer modelled (a removed beta): surface already checked
    return [{ path: '/apiVersion', message: `${modelPackage} has no schema for ${object.apiVersion} ${object.kind}` }];
  }
  try {
    new model!(object).validate();
    return [];
  } catch (e) {
    // kubernetes-models throws ajv's ValidationError, which carries ajv's error list.
    const errors = (e as { errors?: ErrorObject[] }).errors;
    if (!Array.isArray(errors)) throw e;
    return errors.map(d => ({ path: d.instancePath, message: ajvMessage(d) }));
  }
}

/** An ajv error as one line: its message and, where it has any, its parameters (the field or type at fault). */
function ajvMessage(error: ErrorObject): string {
  return `${error.message}${error.params && Object.keys(error.params).length > 0 ? ` (${JSON.stringify(error.params)})` : ''}`;
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

/** Compiles each served CRD version's schema once, on first use. */
class CrdSchemas {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: re2Pattern } });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly crds: readonly KubeManifest[]) {}

  /** The validator for `object`'s kind and version, or why there is none. */
  public validator(object: KubeManifest): ValidateFunction | string {
    const [group, version] = object.apiVersion.split('/');
    const crd = this.crds.find(c => {
      const spec = c.spec as { group: string; names: { kind: string } };
      return spec.group === group && spec.names.kind === object.kind;
    });
    if (!crd) {
      return `no CustomResourceDefinition in this output defines ${object.kind} in ${group}; a fresh cluster would answer 'no matches for kind ${object.kind}': add the construct that ships the CRD`;
    }
    const key = `${crd.metadata.name} ${version}`;
    const existing = this.compiled.get(key);
    if (existing) return existing;
    const versions = (crd.spec as { versions: Array<{ name: string; served: boolean; schema?: { openAPIV3Schema?: object } }> }).versions;
    const served = versions.find(v => v.name === version && v.served);
    if (!served) {
      return `CRD ${crd.metadata.name} does not serve version ${version}; served: ${versions.filter(v => v.served).map(v => v.name).join(', ')}`;
    }
    const validate = this.ajv.compile(rejectUnknownFields(structuredClone(served.schema?.openAPIV3Schema ?? {})));
    this.compiled.set(key, validate);
    return validate;
  }
}

/**
 * `kubectl apply --server-side` validates fields strictly: a field the CRD schema does not declare is
 * an error, except below `x-kubernetes-preserve-unknown-fields`. A schema object that lists
 * `properties` and says nothing of `additionalProperties` gets `additionalProperties: false` to match.
 */
function rejectUnknownFields(schema: Record<string, any>): Record<string, any> {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return schema;
  if (schema.properties) {
    if (schema.additionalProperties === undefined) schema.additionalProperties = false;
    for (const property of Object.values(schema.properties)) rejectUnknownFields(property as Record<string, any>);
  }
  if (schema.items && typeof schema.items === 'object') rejectUnknownFields(schema.items);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') rejectUnknownFields(schema.additionalProperties);
  return schema;
}

/**
 * CRD patterns are Go RE2. A leading `(?i)` becomes JavaScript's `i` flag; a pattern JavaScript
 * cannot express is not checked here (the API server still checks it) rather than failing the synth.
 */
function re2Pattern(source: string, flags: string): { test: (s: string) => boolean } {
  const caseless = source.startsWith('(?i)');
  try {
    return new RegExp(caseless ? source.slice(4) : source, caseless ? `${flags}i` : flags);
  } catch {
    return { test: () => true };
  }
}
re2Pattern.code = 'new RegExp';
