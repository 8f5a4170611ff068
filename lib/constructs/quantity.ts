import { Size } from 'cdk8s';

// The Kubernetes resource.Quantity grammar: a decimal number with an optional binary (Ki..Ei),
// decimal (n, u, m, k, M, G, T, P, E) or exponent suffix.
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/**
 * A storage amount as a Kubernetes quantity string, from a cdk8s `Size` or a quantity string.
 * Throws, naming `prop`, when the string is not a quantity (e.g. '10GB').
 */
export function storageQuantity(prop: string, value: Size | string): string {
  if (value instanceof Size) return value.asString();
  if (!QUANTITY.test(value) || Number.parseFloat(value) <= 0) {
    throw new Error(`${prop} is '${value}' but must be a positive Kubernetes quantity such as '10Gi' (binary units Ki, Mi, Gi, Ti) or Size.gibibytes(10)`);
  }
  return value;
}

/** Bytes in a storage quantity string (binary and decimal suffixes), for comparing sizes. */
export function quantityBytes(quantity: string): number {
  const match = /^([+]?(?:\d+(?:\.\d*)?|\.\d+))([A-Za-z]*)$/.exec(quantity);
  if (!match) throw new Error(`'${quantity}' is not a Kubernetes quantity`);
  const factors: Record<string, number> = {
    '': 1, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
    'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
  };
  const factor = factors[match[2]];
  if (factor === undefined) throw new Error(`'${quantity}' has a unit that is not a storage unit`);
  return Number.parseFloat(match[1]) * factor;
}

/** Throws, naming `prop`, unless `value` is a CPU or memory quantity (e.g. '500m', '512Mi'). */
export function checkResourceQuantity(prop: string, value: string): string {
  if (!QUANTITY.test(value)) {
    throw new Error(`${prop} is '${value}' but must be a Kubernetes quantity such as '500m' (CPU) or '512Mi' (memory)`);
  }
  return value;
}

/** Throws, naming `prop`, unless `value` is a whole number within [min, max]. */
export function checkWholeNumber(prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw new Error(`${prop} is ${value} but must be ${range}`);
  }
  return value;
}
