import { Duration } from 'cdk8s';
import { describeValue } from './known-props';
import { isDuration } from './quantity';

/** Prometheus' duration syntax, as the prometheus-operator CRDs spell it (`1h30m`, `5m`, `30s`, `0`). */
const PROMETHEUS_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** The units a fix for a bare number is shown in: the cdk8s Duration factory and Prometheus' unit. */
const EXAMPLE_UNITS = { seconds: 's', minutes: 'm', hours: 'h', days: 'd' } as const;

/**
 * A duration in Prometheus' syntax: a cdk8s Duration (whole milliseconds, written in the largest units
 * that divide it, e.g. `1h30m`), or a string already in that syntax. `prop` names the field for errors;
 * `unit` is the prop's usual unit, in which the fix for a bare number is shown (default 'days', as for retention).
 */
export function prometheusDuration(prop: string, value: Duration | string, options: { allowZero?: boolean; unit?: keyof typeof EXAMPLE_UNITS } = {}): string {
  let text: string;
  if (typeof value === 'string') {
    if (value === '' || !PROMETHEUS_DURATION.test(value)) {
      throw new Error(`${prop} is '${value}' but must be a Prometheus duration such as '5m', '1h30m' or '30s' (units y, w, d, h, m, s, ms, largest first), or a cdk8s Duration`);
    }
    text = value;
  } else if (!isDuration(value)) {
    // Apps loaded without type-checking pass numbers.
    const unit = options.unit ?? 'days';
    const count = Number.isInteger(value) && (value as unknown as number) > 0 ? value : 10;
    throw new Error(`${prop} is ${describeValue(value)} but must be a cdk8s Duration such as Duration.${unit}(${count}), or a Prometheus duration string such as '${count}${EXAMPLE_UNITS[unit]}'`);
  } else {
    const millis = value.toMilliseconds();
    if (!Number.isInteger(millis) || millis < 0) {
      throw new Error(`${prop} is ${millis} ms but must be a whole, non-negative number of milliseconds`);
    }
    text = millis === 0 ? '0' : formatMillis(millis);
  }
  if (!options.allowZero && totalMillis(text) === 0) {
    throw new Error(`${prop} is '${text}' but must be longer than zero`);
  }
  return text;
}

const UNIT_MILLIS: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

function totalMillis(text: string): number {
  return [...text.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g)].reduce((sum, [, count, unit]) => sum + Number(count) * UNIT_MILLIS[unit], 0);
}

const UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

function formatMillis(millis: number): string {
  let rest = millis;
  let text = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
