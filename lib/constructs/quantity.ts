import { Duration, Size } from 'cdk8s';
import { describeValue } from './known-props';

/** A size checked once: the text that goes into the output and what it means in bytes. */
export interface ParsedSize {
  /** As written into the output. */
  readonly text: string;
  /** Bytes (or, for CPU quantities, cores). */
  readonly value: number;
}

// The Kubernetes resource.Quantity grammar: a signed decimal number with a binary (Ki..Ei), decimal
// (n, u, m, '', k, M, G, T, P, E) or exponent (e3, E-2) suffix.
const KUBE_QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const KUBE_FACTORS: Record<string, number> = {
  '': 1, 'n': 1e-9, 'u': 1e-6, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15, 'E': 1e18,
  'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60,
};

/** A Kubernetes quantity ('10Gi', '500m', '1e10'), or throws naming `prop`. The one parser for them. */
export function parseKubeQuantity(prop: string, text: string, example = "'10Gi'"): ParsedSize {
  const match = typeof text === 'string' ? KUBE_QUANTITY.exec(text) : null;
  if (!match) {
    throw new Error(`${prop} is ${describeValue(text)} but must be a Kubernetes quantity such as ${example} (suffixes Ki, Mi, Gi, Ti for powers of 2; k, M, G, T for powers of 10; m for thousandths)`);
  }
  const suffix = match[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : KUBE_FACTORS[suffix];
  return { text, value: Number(match[1]) * factor };
}

/** A storage size as a positive Kubernetes quantity, from a cdk8s Size or a string; throws naming `prop`. */
export function storageSize(prop: string, value: Size | string): ParsedSize {
  const text = value instanceof Size ? value.asString() : value;
  const message = `${prop} is ${describeValue(text)} but must be a positive Kubernetes quantity such as '10Gi' (binary units Ki, Mi, Gi, Ti) or Size.gibibytes(10)`;
  let parsed: ParsedSize;
  try {
    parsed = parseKubeQuantity(prop, text);
  } catch {
    throw new Error(message);
  }
  if (!(parsed.value >= 1)) throw new Error(message);
  return parsed;
}

/** Throws, naming `prop`, unless `value` is a CPU or memory quantity (e.g. '500m', '512Mi'). */
export function checkResourceQuantity(prop: string, value: string): string {
  const parsed = parseKubeQuantity(prop, value, "'500m' (CPU) or '512Mi' (memory)");
  // The quantity syntax has a sign; the API server refuses a negative request or limit.
  if (parsed.value < 0) throw new Error(`${prop} is '${value}' but must not be negative, e.g. '500m' (CPU) or '512Mi' (memory)`);
  return parsed.text;
}

// Prometheus' size notation, as the Prometheus CRD's retentionSize pattern has it: a number and
// B, KB, MB, GB, TB, PB or EB (optionally KiB, MiB, ...), all in powers of 2.
const PROMETHEUS_SIZE = /^(([0-9]*[.])?[0-9]+)((K|M|G|T|P|E)i?)?B$/;

/** A size in Prometheus' notation ('8GB' = 8 GiB), from a cdk8s Size or a string; throws naming `prop`. The one parser for them. */
export function prometheusSize(prop: string, value: Size | string): ParsedSize {
  const text = value instanceof Size ? `${value.toMebibytes()}MB` : value;
  const match = typeof text === 'string' ? PROMETHEUS_SIZE.exec(text) : null;
  if (!match) {
    throw new Error(`${prop} is ${describeValue(text)} but must be a size in Prometheus' units such as '8GB' (B, KB, MB, GB, TB; powers of 2) or Size.gibibytes(8)`);
  }
  return { text, value: Number.parseFloat(match[1]) * 1024 ** (match[4] ? 'KMGTPE'.indexOf(match[4]) + 1 : 0) };
}

/** Throws, naming `prop`, unless `value` is a whole number within [min, max]. */
export function checkWholeNumber(prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
    throw new Error(`${prop} is ${asNumber(value)} but must be ${range}`);
  }
  return value;
}

/** A value where a number belongs, as a message shows it: a number as it is, anything else (the string '2') by {@link describeValue}. */
export function asNumber(value: unknown): string {
  return typeof value === 'number' ? String(value) : describeValue(value);
}

/**
 * Throws, naming `prop`, unless `value` is a cdk8s Duration (an app loaded without type-checking may pass a number);
 * the fix shows it in `unit`, Longhorn's unit for the prop, with the number given or `example`.
 */
export function checkDuration(prop: string, value: Duration, unit: 'seconds' | 'minutes', example: number): Duration {
  if (isDuration(value)) return value;
  throw new Error(`${prop} is ${describeValue(value)} but must be a cdk8s Duration such as Duration.${unit}(${typeof value === 'number' ? value : example})`);
}

/** Whether `value` is a cdk8s Duration: by shape, not instanceof, as an app may load its own copy of cdk8s. */
export function isDuration(value: unknown): value is Duration {
  return typeof (value as Partial<Duration> | undefined)?.toMilliseconds === 'function';
}

/** Throws, naming `prop`, unless `value` is a Duration of whole minutes, at least one; returns the minutes. */
export function wholeMinutes(prop: string, value: Duration): number {
  const duration = checkDuration(prop, value, 'minutes', 30);
  const minutes = duration.toMilliseconds({ integral: false }) / 60_000;
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new Error(`${prop} is ${duration.toHumanString()} but must be a whole number of minutes, at least one (e.g. Duration.minutes(30))`);
  }
  return minutes;
}
