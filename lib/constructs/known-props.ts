import { closest, distance } from 'fastest-levenshtein';

/**
 * The prop names of `P`, each listed once as `name: true`: the compiler refuses a missing or an unknown
 * one, so the list at run time stays the interface's.
 */
export function propNamesOf<P>(names: { readonly [K in keyof Required<P>]: true }): readonly string[] {
  return Object.keys(names);
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
