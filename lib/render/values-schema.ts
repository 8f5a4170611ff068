import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type Ajv2019 from 'ajv/dist/2019';
import type Ajv2020 from 'ajv/dist/2020';
import { BoundedMap } from './cache';

/** The keys a values.schema.json declares at one level, and whether it takes others. */
export interface SchemaShape {
  /** Declared keys. */
  readonly properties: Map<string, SchemaShape>;
  /** `forbidden`: additionalProperties is false; `allowed`: other keys are valid; `unspecified`: the schema does not say. */
  readonly additional: 'forbidden' | 'allowed' | 'unspecified';
}

type Schema = { [keyword: string]: unknown };

/** The shape of a chart's values.schema.json: which keys it declares, where it takes any key. */
export function schemaShape(schemaJson: string): SchemaShape {
  const root = JSON.parse(schemaJson) as Schema;
  return shapeOf(root, root, new Set());
}

function shapeOf(schema: unknown, root: Schema, seen: Set<unknown>): SchemaShape {
  const resolved = resolveRef(schema, root);
  if (!isSchema(resolved) || seen.has(resolved)) return { properties: new Map(), additional: 'unspecified' };
  const inside = new Set(seen).add(resolved);
  const properties = new Map<string, SchemaShape>();
  let additional: SchemaShape['additional'] = 'unspecified';
  if (isSchema(resolved.properties)) {
    for (const [key, sub] of Object.entries(resolved.properties)) properties.set(key, shapeOf(sub, root, inside));
  }
  if (resolved.additionalProperties === false) additional = 'forbidden';
  else if (resolved.additionalProperties !== undefined || isSchema(resolved.patternProperties)) additional = 'allowed';

  const branches = (['allOf', 'anyOf', 'oneOf'] as const).flatMap(k => (Array.isArray(resolved[k]) ? (resolved[k] as unknown[]).map(b => [k, shapeOf(b, root, inside)] as const) : []));
  for (const [combinator, branch] of branches) {
    for (const [key, sub] of branch.properties) if (!properties.has(key)) properties.set(key, sub);
    if (branch.additional === 'allowed' && combinator !== 'allOf') additional = 'allowed';
    if (branch.additional === 'forbidden' && combinator === 'allOf' && additional === 'unspecified') additional = 'forbidden';
  }
  return { properties, additional };
}

/** Follows a local `$ref` (`#/definitions/x`, `#/$defs/x`); remote ones are not fetched. */
function resolveRef(schema: unknown, root: Schema): unknown {
  let current = schema;
  for (let hops = 0; isSchema(current) && typeof current.$ref === 'string' && current.$ref.startsWith('#') && hops < 32; hops++) {
    current = current.$ref.slice(1).split('/').filter(Boolean)
      .reduce<unknown>((at, part) => (isSchema(at) ? at[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
  }
  return current;
}

const VALIDATORS = new BoundedMap<string, ValidateFunction>(64);

/**
 * Validates values (the chart's defaults with the user's values merged in, as Helm validates them)
 * against a values.schema.json. Compiled once per schema text per process.
 */
export function schemaErrors(schemaJson: string, values: unknown): ErrorObject[] {
  let validate = VALIDATORS.get(schemaJson);
  if (!validate) {
    const schema = withoutRemoteRefs(JSON.parse(schemaJson)) as Schema;
    const draft = typeof schema.$schema === 'string' ? schema.$schema : '';
    // Helm checks values with its own validator; formats and unknown keywords do not fail a render there.
    const options = { strict: false, allErrors: true, verbose: true, validateFormats: false, validateSchema: false };
    // The 2019-09 and 2020-12 flavours are loaded only for a chart whose schema asks for them.
    const ajv = draft.includes('2020-12') ? new (require('ajv/dist/2020').default as typeof Ajv2020)(options)
      : draft.includes('2019-09') ? new (require('ajv/dist/2019').default as typeof Ajv2019)(options)
        : new Ajv(options);
    if (!draft.includes('2020-12') && !draft.includes('2019-09')) delete schema.$schema;
    validate = ajv.compile(schema);
    VALIDATORS.set(schemaJson, validate);
  }
  return validate(values) ? [] : [...(validate.errors ?? [])];
}

/** A remote `$ref` (a Kubernetes JSON schema URL) would need the network: it accepts anything here. */
function withoutRemoteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRemoteRefs);
  if (!isSchema(schema)) return schema;
  if (typeof schema.$ref === 'string' && !schema.$ref.startsWith('#')) return {};
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withoutRemoteRefs(v)]));
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
