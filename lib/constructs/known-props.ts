import { closest, distance } from 'fastest-levenshtein';

/**
 * The props of `P` for {@link checkProps}: each prop once, `'boolean'` for a switch (checked to be one), `true` for one
 * taken as it is (a string, a number, a Duration, an object made by a factory that checks its own), or the shape of a plain object (or of each item of a
 * list) whose own keys are checked too. The compiler refuses a missing or an unknown prop, so the shape stays the
 * interface's.
 */
export type PropShape<P> = {
  readonly [K in keyof Required<P>]: NonNullable<P[K]> extends boolean ? 'boolean' : true | PropShape<ItemOf<NonNullable<P[K]>>>
};
type ItemOf<T> = T extends ReadonlyArray<infer I> ? I : T;

/**
 * {@link checkKnownProps} for `props` and every plain object its shape describes, at any depth (`at` grows to
 * `cluster.`, `rules[2].`): a misspelt key of a nested object is named as the user wrote it, with its path.
 */
export function checkProps<P>(construct: string, props: P | undefined, shape: PropShape<P>, at = ''): void {
  if (!isPlainObject(props)) return;
  checkKnownProps(construct, props, Object.keys(shape), at);
  for (const [key, inner] of Object.entries(shape) as Array<[string, true | 'boolean' | PropShape<unknown>]>) {
    if (inner === true) continue;
    const value = (props as Record<string, unknown>)[key];
    if (inner === 'boolean') {
      // ('false' is truthy: a string here would turn the setting on.)
      if (value !== undefined && typeof value !== 'boolean') throw new Error(`${construct} ${at}${key} is ${describeValue(value)} but must be true or false`);
      continue;
    }
    if (Array.isArray(value)) value.forEach((item, i) => checkProps(construct, item, inner, `${at}${key}[${i}].`));
    else checkProps(construct, value, inner, `${at}${key}.`);
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

/**
 * Throws unless `value` (the prop `prop`, as the user wrote it) is one of the string enum `values` (named `enumName`
 * in the API): an app loaded without type-checking may pass any string, which would otherwise be read as the default.
 */
export function checkEnum<E extends string>(prop: string, value: E | undefined, values: Record<string, E>, enumName: string): void {
  if (value === undefined || Object.values(values).includes(value)) return;
  throw new Error(`${prop} is ${describeValue(value)} but must be one of ${Object.keys(values).map(k => `${enumName}.${k}`).join(', ')}`);
}

/** A value as an error message shows it: a string quoted (so '2' is not taken for 2), anything else with its type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value} (a ${typeof value})`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `a list (${JSON.stringify(value)})`;
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : `an object (${JSON.stringify(value)})`;
}
