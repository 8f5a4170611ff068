/**
 * The form cdk8s gives every object it synthesizes (`sanitizeValue` in cdk8s' `_util`): keys sorted,
 * `null` and `undefined` map values dropped, array elements kept in place (a `null` element becomes
 * `undefined`). Computing it once per rendered object, instead of on every `toJson()`, is what makes
 * large renders cheap; a test holds it equal to cdk8s' own result.
 */
export function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(canonical);
  if ((value as object).constructor?.name !== 'Object') {
    throw new Error(`can't render non-simple object of type '${(value as object).constructor?.name}'`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = canonical((value as Record<string, unknown>)[key]);
    if (v !== null && v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * `value`, frozen at every depth: rendered manifests are shared by every construct rendered from the same text (and
 * by the public `manifests` of each), so a change by one would show in the others; frozen, it throws instead. About
 * 4 ms for the reference stack's 21,000 objects (2-core machine, 2026-12-07).
 */
export function frozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) frozen((value as Record<string, unknown>)[key]);
  }
  return value;
}
