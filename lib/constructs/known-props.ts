import { closest, distance } from 'fastest-levenshtein';

/**
 * The props of `P` for {@link checkProps}: each prop once, as
 * - `'boolean'` for a switch (checked to be one: 'false' is truthy);
 * - `[item]` for a list (checked to be one), `item` the shape of each of its items (`true` for items taken as they are);
 * - the shape of a plain object, whose own keys are checked too;
 * - a class, for a prop that must be one of its objects (`GrafanaAdminCredentials`: made by its factories);
 * - {@link oneOf} an enum, for a prop that must be one of its values (an app may pass any string);
 * - `true` for a prop taken as it is (a string, a number, a Duration, an object a factory made and checked).
 * The compiler refuses a missing or an unknown prop, so the shape stays the interface's.
 */
export type PropShape<P> = { readonly [K in keyof Required<P>]: ShapeOf<NonNullable<P[K]>> };
type ShapeOf<T> = [T] extends [boolean] ? 'boolean'
  : [T] extends [ReadonlyArray<infer I>] ? readonly [ShapeOf<NonNullable<I>>]
  : true | PropShape<T> | ClassOf<T> | EnumOf<T>;
/** A class (its constructor may be private: the prop's objects come from its factories). */
type ClassOf<T> = { readonly prototype: T; readonly name: string };

/**
 * {@link checkKnownProps} for `props` and every object and list its shape describes, at any depth (`at` grows to
 * `cluster.`, `rules[2].`): a misspelt key of a nested object is named as the user wrote it, with its path, and a value
 * where an object, a list or a switch belongs is named with what it must be.
 */
export function checkProps<P>(construct: string, props: P | undefined, shape: PropShape<P>, at = ''): void {
  if (props === undefined) return;
  // An object of a class (a Namespace construct where a namespace reference is asked for, props made by a class of the
  // app's) is its class's to check.
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    const fields = at ? ` ({ ${Object.keys(shape).join(', ')} })` : ' of props';
    throw new Error(`${construct} ${at ? at.slice(0, -1) : 'props'} is ${describeValue(props)} but must be an object${fields}`);
  }
  if (!isPlainObject(props)) return;
  checkKnownProps(construct, props, Object.keys(shape), at);
  for (const [key, inner] of Object.entries(shape) as Array<[string, Shape]>) {
    checkValue(construct, (props as Record<string, unknown>)[key], inner, `${at}${key}`);
  }
}

type Shape = true | 'boolean' | readonly [Shape] | PropShape<unknown> | ClassOf<unknown> | EnumOf<unknown>;

const ENUM = Symbol('enum');
/** A string enum and its name in the API, as a prop's shape. */
interface EnumOf<T> { readonly [ENUM]: { readonly values: Readonly<Record<string, T>>; readonly name: string } }

/** The shape of a prop that must be one of the string enum `values`, named `name` in the API (`oneOf(Placement, 'Placement')`). */
export function oneOf<T extends string>(values: Readonly<Record<string, T>>, name: string): EnumOf<T> {
  return { [ENUM]: { values, name } };
}

/** What a prop of the enum must be, as messages say it: `one of Placement.ANY_NODE, Placement.WORKERS_ONLY`. */
export function enumChoices(values: Readonly<Record<string, string>>, name: string): string {
  return `one of ${Object.keys(values).map(k => `${name}.${k}`).join(', ')}`;
}

function checkValue(construct: string, value: unknown, shape: Shape, path: string): void {
  if (shape === true || value === undefined) return;
  if (shape === 'boolean') {
    if (typeof value !== 'boolean') throw new Error(`${construct} ${path} is ${describeValue(value)} but must be true or false`);
  } else if (typeof shape === 'function') {
    const type = shape as ClassOf<unknown>;
    if (!(value instanceof (shape as unknown as new () => unknown))) {
      const factories = Object.getOwnPropertyNames(type).filter(name => typeof (type as unknown as Record<string, unknown>)[name] === 'function');
      throw new Error(`${construct} ${path} is ${describeValue(value)} but must be ${/^[AEIOU]/.test(type.name) ? 'an' : 'a'} ${type.name}${factories.length > 0 ? `, made by ${factories.map(f => `${type.name}.${f}(...)`).join(' or ')}` : ''}`);
    }
  } else if (ENUM in shape) {
    const { values, name } = (shape as EnumOf<unknown>)[ENUM];
    if (!Object.values(values).includes(value)) throw new Error(`${construct} ${path} is ${describeValue(value)} but must be ${enumChoices(values as Record<string, string>, name)}`);
  } else if (Array.isArray(shape)) {
    if (!Array.isArray(value)) {
      const wrapped = typeof value === 'string' ? `, e.g. ['${value}']` : typeof value === 'number' ? `, e.g. [${value}]` : '';
      throw new Error(`${construct} ${path} is ${describeValue(value)} but must be a list${wrapped}`);
    }
    value.forEach((item, i) => checkValue(construct, item, shape[0], `${path}[${i}]`));
  } else {
    checkProps(construct, value, shape as PropShape<unknown>, `${path}.`);
  }
}

/** An object literal (not a class instance such as a Duration, whose keys are not props). */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Throws on a prop `known` does not list, naming it as the user wrote it (`at` is the path of a nested
 * object, e.g. 'cluster.'), with the nearest known name. Type-checking catches these, but apps loaded
 * without it (`npm run synth`, ts-node's transpile-only mode, JavaScript) would ignore a misspelt prop
 * without a word and ship the default.
 */
export function checkKnownProps(construct: string, props: object | undefined, known: readonly string[], at = ''): void {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || known.includes(key)) continue;
    const renamed = RENAMED[key];
    if (renamed && known.includes(renamed.to)) {
      throw new Error(`${construct} has no prop ${at}${key} any more, so it would be ignored; it is ${at}${renamed.to} now: ${at}${renamed.to}: ${renamed.example(value)}`);
    }
    // A name spelt alike, or one that holds it (replicaCount -> defaultReplicaCount).
    const spelt = closest(key, [...known]);
    const holding = known.find(k => k.toLowerCase().includes(key.toLowerCase()));
    const nearest = distance(key.toLowerCase(), spelt.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3)) ? spelt : holding;
    const near = nearest !== undefined;
    throw new Error(`${construct} has no prop ${at}${key}, so it would be ignored; ${near ? `did you mean ${at}${nearest}?` : `its props are ${known.map(k => at + k).join(', ')}`}`);
  }
}

/** Props an earlier version of this library had, by their name then and now, and how the value is written now. */
const RENAMED: { readonly [old: string]: { readonly to: string; readonly example: (value: unknown) => string } } = {
  defaultReplicaCount: { to: 'replicaCount', example: value => JSON.stringify(value) },
  numberOfReplicas: { to: 'replicaCount', example: value => JSON.stringify(value) },
  retentionDays: { to: 'retention', example: value => `Duration.days(${JSON.stringify(value)})` },
  staleReplicaTimeoutMinutes: { to: 'staleReplicaTimeout', example: value => `Duration.minutes(${JSON.stringify(value)})` },
};

/** A value as an error message shows it: a string quoted (so '2' is not taken for 2), anything else with its type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value} (a ${typeof value})`;
  if (value === null || value === undefined) return String(value);
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  if (!Array.isArray(value) && name && name !== 'Object') return `a ${name}`;
  // Short values whole; a long one (a whole dashboard) or one that cannot be written (a construct inside) in short.
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  const short = json !== undefined && json.length <= 120 ? json : undefined;
  if (Array.isArray(value)) return `a list (${short ?? `${value.length} items`})`;
  return `an object (${short ?? `{ ${Object.keys(value).join(', ')} }`})`;
}

/**
 * `converted`, the JSON that a generated converter of imports/ made of `given` (the prop `prop`, typed from a CRD),
 * unless it dropped a key of `given` at any depth: the converters copy the fields they know and drop the rest without
 * a word, so such a key is an error, as a misspelt prop is. Keys compare case aside (enableAdminApi is enableAdminAPI).
 * `explain` is the resource path `kubectl explain` documents (`prometheus.spec`).
 */
export function checkConverted<T>(construct: string, prop: string, given: unknown, converted: T, explain: string): T {
  const [dropped] = droppedKeys(given, converted, prop);
  if (dropped) {
    throw new Error(`${construct} has no prop ${dropped}, so it would be ignored: the custom resource has no such field ('kubectl explain ${explain}' lists them)`);
  }
  return converted;
}

function droppedKeys(given: unknown, converted: unknown, at: string): string[] {
  if (Array.isArray(given)) return Array.isArray(converted) ? given.flatMap((item, i) => droppedKeys(item, converted[i], `${at}[${i}]`)) : [];
  if (typeof given !== 'object' || given === null || typeof converted !== 'object' || converted === null) return [];
  const kept = new Map(Object.keys(converted).map(k => [k.toLowerCase(), (converted as Record<string, unknown>)[k]]));
  return Object.entries(given).filter(([, value]) => value !== undefined).flatMap(([key, value]) => (kept.has(key.toLowerCase())
    ? droppedKeys(value, kept.get(key.toLowerCase()), `${at}.${key}`)
    : [`${at}.${key}`]));
}
