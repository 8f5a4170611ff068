import { constructFromEvents, Event, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, ScalarEvent } from 'js-yaml';
import { BoundedMap } from './cache';

/** A key of values.yaml, where it stands and what its value is. */
export interface KeyLine {
  /** Column of the key (0-based). */
  readonly indent: number;
  /** Keys from the root; undefined inside a list. */
  readonly path?: readonly string[];
  /** How the value is left empty (`{}`, `[]`, `~` or nothing), if it is. */
  readonly empty?: 'map' | 'list' | 'null';
  /** What the value holds when it is not empty. */
  readonly holds?: 'scalar' | 'list' | 'map';
}

/** A values.yaml, parsed once: its defaults and the layout its comments are read against. */
export interface ValuesYaml {
  /** The file's text. */
  readonly text: string;
  /** The values, as Helm would load them (the last of duplicate keys wins). */
  readonly defaults: unknown;
  /** Every key, by 0-based line. */
  readonly keyLines: ReadonlyMap<number, KeyLine>;
  /** 0-based lines inside multi-line scalars (a `#` there is text, not a comment). */
  readonly scalarLines: ReadonlySet<number>;
}

const PARSED = new BoundedMap<string, ValuesYaml>(256);

/**
 * Parses a values.yaml with js-yaml's event parser: one pass gives both the defaults and the
 * source offsets of every key. (The `yaml` package, used elsewhere in this project, builds a full
 * document model first and takes about ten times as long on kube-prometheus-stack's 200 KB file.)
 * Kept per text for the process.
 */
export function parseValuesYaml(text: string): ValuesYaml {
  const cached = PARSED.get(text);
  if (cached) return cached;
  const events = parseEvents(text, { filename: 'values.yaml' });
  const defaults = constructFromEvents(events, { source: text, json: true })[0] ?? {};
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const keyLines = new Map<number, KeyLine>();
  const scalarLines = new Set<number>();
  const lineOf = (offset: number) => {
    let [low, high] = [0, lineStarts.length - 1];
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  };

  // Walks one node's events from `i`; returns the index after them.
  const walk = (i: number, path: readonly string[] | undefined): number => {
    const event = events[i];
    if (event.type === EVENT_ID.MAPPING) {
      i++;
      while (events[i].type !== EVENT_ID.POP) {
        const key = events[i];
        if (key.type !== EVENT_ID.SCALAR || key.valueStart < 0) {
          i = walk(walk(i, undefined), undefined);
          continue;
        }
        const line = lineOf(key.valueStart);
        const quoted = key.style === SCALAR_STYLE.SINGLE_QUOTED || key.style === SCALAR_STYLE.DOUBLE_QUOTED ? 1 : 0;
        const childPath = path && [...path, getScalarValue(text, key)];
        keyLines.set(line, { indent: key.valueStart - lineStarts[line] - quoted, path: childPath, ...describe(events, i + 1, text) });
        i = walk(i + 1, childPath);
      }
      return i + 1;
    }
    if (event.type === EVENT_ID.SEQUENCE) {
      i++;
      while (events[i].type !== EVENT_ID.POP) i = walk(i, undefined);
      return i + 1;
    }
    if (event.type === EVENT_ID.SCALAR && event.valueStart >= 0) {
      const block = event.style === SCALAR_STYLE.LITERAL_BLOCK || event.style === SCALAR_STYLE.FOLDED_BLOCK;
      const last = lineOf(Math.max(event.valueStart, event.valueEnd - 1));
      for (let line = lineOf(event.valueStart) + (block ? 0 : 1); line <= last; line++) scalarLines.add(line);
    }
    return i + 1;
  };
  const start = events.findIndex(e => e.type !== EVENT_ID.DOCUMENT);
  if (start >= 0 && events[start].type !== EVENT_ID.POP) walk(start, []);

  const parsed = { text, defaults, keyLines, scalarLines };
  PARSED.set(text, parsed);
  return parsed;
}

/** Whether the value whose events start at `i` is empty, and what it holds. */
function describe(events: Event[], i: number, text: string): Pick<KeyLine, 'empty' | 'holds'> {
  const event = events[i];
  if (event.type === EVENT_ID.MAPPING) return events[i + 1].type === EVENT_ID.POP ? { empty: 'map' } : { holds: 'map' };
  if (event.type === EVENT_ID.SEQUENCE) return events[i + 1].type === EVENT_ID.POP ? { empty: 'list' } : { holds: 'list' };
  if (event.type === EVENT_ID.SCALAR && isNull(event, text)) return { empty: 'null' };
  return { holds: 'scalar' };
}

function isNull(event: ScalarEvent, text: string): boolean {
  if (event.tagStart >= 0 || event.style !== SCALAR_STYLE.PLAIN) return false;
  return event.valueStart < 0 || /^(~|null|Null|NULL)?$/.test(text.slice(event.valueStart, event.valueEnd));
}

/** Whether `value` is a YAML map (an object, not an array or null). */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
