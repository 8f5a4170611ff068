import { Validator } from '@cfworker/json-schema';
import { BoundedMap } from './cache';
import { isMap } from './values-yaml';

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
    current = pointerKeys(current.$ref).filter(Boolean).reduce<unknown>((at, key) => (isSchema(at) ? at[key] : undefined), root);
  }
  return current;
}

const VALIDATORS = new BoundedMap<string, { validator: Validator; schema: Schema }>(64);

/** One way values break a values.schema.json. */
export interface SchemaError {
  /** Where in the values: keys, and list positions as numbers. */
  readonly path: ReadonlyArray<string | number>;
  /** What is wrong, after the path: `must be integer`. */
  readonly message: string;
  /** For a key the schema allows no other keys beside: the key, and the keys the schema declares there. */
  readonly unknownKey?: { readonly key: string; readonly declared: readonly string[] };
}

/** Keywords whose errors only say that something inside failed; the error inside says what. */
const AGGREGATE_KEYWORDS = new Set(['properties', 'patternProperties', 'items', 'prefixItems', 'additionalItems', 'contains', 'allOf', '$ref', '$dynamicRef', 'dependentSchemas', 'if', 'then', 'else', 'false', 'unevaluatedProperties', 'unevaluatedItems']);

/**
 * Validates values (the chart's defaults with the user's values merged in, as Helm validates them)
 * against a values.schema.json, with the JSON Schema library output validation uses. Compiled once per
 * schema text per process.
 */
export function schemaErrors(schemaJson: string, values: unknown): SchemaError[] {
  let entry = VALIDATORS.get(schemaJson);
  if (!entry) {
    const schema = withoutRemoteRefs(JSON.parse(schemaJson)) as Schema;
    const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
    const draft = declared.includes('2020-12') ? '2020-12' : declared.includes('2019-09') ? '2019-09' : declared.includes('draft-04') ? '4' : '7';
    // Helm checks values with its own validator; formats do not fail a render there.
    const { $schema: _ignored, ...rest } = schema;
    entry = { validator: new Validator(rest, draft, false), schema: rest };
    VALIDATORS.set(schemaJson, entry);
  }
  const { schema } = entry;
  // As helm sees them: JSON, where a key with no value is no key.
  values = JSON.parse(JSON.stringify(values ?? null));
  return entry.validator.validate(values).errors.flatMap(error => {
    const at = instancePath(error.instanceLocation, values);
    const keywordPath = pointerKeys(error.keywordLocation);
    const node = resolveRef(valueAtKeys(schema, keywordPath), schema);
    if (error.keyword === 'additionalProperties' && node === false) {
      const key = /^Property "(.*)" does not match/.exec(error.error)?.[1];
      if (key === undefined) return [];
      const parent = valueAtKeys(schema, keywordPath.slice(0, -1));
      return [{ path: [...at, key], message: 'is not allowed', unknownKey: { key, declared: isSchema(parent) && isSchema(parent.properties) ? Object.keys(parent.properties) : [] } }];
    }
    if (AGGREGATE_KEYWORDS.has(error.keyword) || error.keyword === 'additionalProperties') return [];
    const message = error.keyword === 'type' ? `must be ${[node].flat().join(' or ')}`
      : error.keyword === 'enum' && Array.isArray(node) ? `must be one of ${node.map(v => JSON.stringify(v)).join(', ')}`
        : error.keyword === 'const' ? `must be ${JSON.stringify(node)}`
          : `breaks ${error.keyword}: ${error.error.replace(/\.$/, '')}`;
    return [{ path: at, message }];
  });
}

/** The keys of a JSON pointer in a URI fragment: `#/a~1b/0` -> ['a/b', '0']. */
function pointerKeys(location: string): string[] {
  return location.replace(/^#/, '').split('/').slice(1).map(raw => decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** What `keys` lead to in `root`, through objects and lists. */
function valueAtKeys(root: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), root);
}

/** `#/ports/0/name` -> ['ports', 0, 'name'] (positions as numbers where the value at that point is a list). */
function instancePath(location: string, root: unknown): Array<string | number> {
  const keys = pointerKeys(location);
  return keys.map((key, i) => (Array.isArray(valueAtKeys(root, keys.slice(0, i))) && /^\d+$/.test(key) ? Number(key) : key));
}

/** A remote `$ref` (a Kubernetes JSON schema URL) would need the network: it accepts anything here. */
function withoutRemoteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRemoteRefs);
  if (!isSchema(schema)) return schema;
  if (typeof schema.$ref === 'string' && !schema.$ref.startsWith('#')) return {};
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, withoutRemoteRefs(v)]));
}

const isSchema = isMap as (value: unknown) => value is Schema;
