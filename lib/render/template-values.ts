/** What a chart's templates do with its values. */
export interface TemplateValueUses {
  /** Values paths the templates read (`.Values.prometheus.prometheusSpec.retention`). */
  readonly read: ReadonlyArray<readonly string[]>;
  /**
   * Values paths whose whole value the templates hand on without looking at its keys: given to
   * `toYaml`/`toJson` (a Kubernetes field, an application's config) or iterated with `range`
   * (keys the user chooses). Any key below them is the user's to pick.
   */
  readonly passedOn: ReadonlyArray<{ readonly path: readonly string[]; readonly file: string }>;
}

/** Where `.` points inside a block: the root context, a values path, or something else. */
type Dot = 'root' | readonly string[] | undefined;

const ACTION = /\{\{-?([\s\S]*?)-?\}\}/g;
const TOKEN = /"(?:[^"\\]|\\.)*"|`[^`]*`|:=|[()|,=]|[^\s()|,="`]+/g;
const SERIALIZERS = new Set(['toYaml', 'toJson', 'toPrettyJson', 'toRawJson', 'toToml']);
const BLOCKS = new Set(['if', 'with', 'range', 'define', 'block']);
// Sprig functions that hand on (most of) a map as it is.
const MAP_KEEPERS = new Set(['omit', 'deepCopy', 'mustDeepCopy', 'merge', 'mustMerge', 'mergeOverwrite', 'mustMergeOverwrite', 'default']);

/**
 * Reads the Go templates of a chart for the values they use. Follows `.Values.a.b`, `$.Values`,
 * `index .Values "a.b"`, `with` blocks (`.b` inside `with .Values.a`) and variables assigned a
 * values path; anything more dynamic is not followed, so this finds a lower bound of what is read.
 */
export function templateValueUses(templates: Readonly<Record<string, string>>): TemplateValueUses {
  const read = new Map<string, string[]>();
  const passedOn: Array<{ path: string[]; file: string }> = [];
  for (const file of Object.keys(templates).sort()) {
    const stack: Dot[] = [];
    let dot: Dot = 'root';
    const variables = new Map<string, readonly string[]>();
    for (const match of templates[file].matchAll(ACTION)) {
      const action = match[1].trim();
      if (action.startsWith('/*')) continue;
      const tokens = action.match(TOKEN) ?? [];
      const head = tokens[0];
      if (head === 'end') {
        dot = stack.pop() ?? 'root';
        continue;
      }
      const uses = pathsIn(tokens, dot, variables);
      for (const use of uses) {
        read.set(use.path.join('\0'), use.path);
        if (use.serialized || (head === 'range' && use === uses[uses.length - 1])) passedOn.push({ path: use.path, file });
      }
      if (tokens[0]?.startsWith('$') && tokens[1] === ':=' && uses.length === 1 && uses[0].start === 2) variables.set(tokens[0], uses[0].path);
      if (head === 'else' && tokens[1] === 'with') {
        dot = uses[0]?.path;
      } else if (head && BLOCKS.has(head)) {
        stack.push(dot);
        if (head === 'with') dot = uses.length === 1 ? uses[0].path : undefined;
        else if (head !== 'if') dot = undefined;
      }
    }
  }
  return { read: [...read.values()], passedOn };
}

interface PathUse {
  readonly path: string[];
  /** Token index where the expression starts. */
  readonly start: number;
  /** Whether it is handed to toYaml/toJson whole. */
  readonly serialized: boolean;
}

/** Values paths in one action's tokens, with `index X "a" "b"` and `get X "a"` resolved. */
function pathsIn(tokens: string[], dot: Dot, variables: Map<string, readonly string[]>): PathUse[] {
  const uses: PathUse[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const lookup = tokens[i] === 'index' || tokens[i] === 'get';
    const at = lookup ? i + 1 : i;
    const base = resolve(tokens[at], dot, variables);
    if (!base) continue;
    const path = [...base];
    let next = at + 1;
    if (lookup) {
      while (next < tokens.length && /^["`]/.test(tokens[next])) path.push(tokens[next++].slice(1, -1));
      if (tokens[i - 1] === '(' && tokens[next] === ')' && tokens[next + 1]?.startsWith('.')) {
        // `(index .Values "grafana.ini").paths` reads below the looked-up key.
        path.push(...tokens[next + 1].split('.').filter(Boolean));
      }
    }
    const start = lookup ? i : at;
    uses.push({ path, start, serialized: isSerialized(tokens, start, next) });
    i = next - 1;
  }
  return uses;
}

/** The values path a token names, if it names one: `.Values.a`, `$.Values.a`, `.a` inside `with .Values.x`, `$var.a`. */
function resolve(token: string | undefined, dot: Dot, variables: Map<string, readonly string[]>): readonly string[] | undefined {
  if (!token || (token[0] !== '.' && token[0] !== '$') || !/^(\$[\w]*)?(\.[A-Za-z_]\w*)+$|^\.$/.test(token)) return undefined;
  const [head, ...fields] = token.split('.');
  if (fields[0] === 'Values') return fields.slice(1);
  if (head === '') {
    if (dot === 'root' || dot === undefined) return undefined;
    return [...dot, ...fields.filter(Boolean)];
  }
  const variable = variables.get(head);
  return variable && [...variable, ...fields];
}

/**
 * Whether the expression at tokens[start, end) goes out whole through toYaml/toJson: `toYaml X`,
 * `X | toYaml`, and through functions that keep the map: `toYaml (omit X "enabled")`,
 * `default Y X | toYaml`, `toYaml (X | default Y)`.
 */
function isSerialized(tokens: string[], start: number, end: number): boolean {
  let [from, to] = [start, end];
  for (;;) {
    const [open, close] = groupAround(tokens, from, to);
    const stages = splitStages(tokens, open + 1, close);
    const at = stages.findIndex(([s, e]) => s <= from && to <= e);
    if (at < 0) return false;
    const head = tokens[stages[at][0]];
    if (stages[at][0] !== from) {
      if (SERIALIZERS.has(head)) return true;
      if (!MAP_KEEPERS.has(head)) return false;
    }
    for (const [s] of stages.slice(at + 1)) {
      if (SERIALIZERS.has(tokens[s])) return true;
      if (!MAP_KEEPERS.has(tokens[s])) return false;
    }
    if (open < 0) return false;
    [from, to] = [open, close + 1];
  }
}

/** The innermost parentheses around tokens[from, to): their indexes, or [-1, length] at the top. */
function groupAround(tokens: string[], from: number, to: number): [number, number] {
  let open = from - 1;
  for (let depth = 0; open >= 0; open--) {
    if (tokens[open] === ')') depth++;
    else if (tokens[open] === '(' && depth-- === 0) break;
  }
  let close = to;
  for (let depth = 0; close < tokens.length; close++) {
    if (tokens[close] === '(') depth++;
    else if (tokens[close] === ')' && depth-- === 0) break;
  }
  return [open, close];
}

/** The pipeline stages of tokens[from, to): `a b | c | d e` -> [[a, b], [c], [d, e]] as index ranges. */
function splitStages(tokens: string[], from: number, to: number): Array<[number, number]> {
  const stages: Array<[number, number]> = [];
  let stageStart = from;
  for (let i = from, depth = 0; i < to; i++) {
    if (tokens[i] === '(') depth++;
    else if (tokens[i] === ')') depth--;
    else if (tokens[i] === '|' && depth === 0) {
      stages.push([stageStart, i]);
      stageStart = i + 1;
    }
  }
  stages.push([stageStart, to]);
  return stages;
}
