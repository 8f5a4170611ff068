import { constructFromEvents, parseEvents, YAMLException } from 'js-yaml';
import { isMap, KeyLine, parseValuesYaml, ValuesYaml } from './values-yaml';

/**
 * A value a chart's values.yaml shows only in comments: a commented-out key (`# maxUnavailable: ""`
 * beside `minAvailable: 1`), or an example of what goes into a key it leaves empty
 * (`nodeSelector: {}` followed by `#  label-key1: "label-value1"`).
 */
export interface CommentedValue {
  /**
   * `key`: a value for the key at `path`, which values.yaml leaves out (or sets to something else).
   * `content`: an example of what goes into the key at `path`, which values.yaml leaves empty.
   */
  readonly kind: 'key' | 'content';
  /** Keys from the values root. */
  readonly path: readonly string[];
  /** The example, as YAML parses it. */
  readonly value: unknown;
  /** 1-based line in values.yaml where the example starts. */
  readonly line: number;
}

/** A run of uncommented lines that reads as one YAML value, or a prose comment line. */
type CommentPiece =
  | { readonly prose: true }
  | { readonly prose: false; readonly indent: number; readonly kind: 'map' | 'list'; readonly lines: string[]; readonly line: number };

// `# foo: bar`, `# "a.b/c": x`, `# - name: x` once the `#` is gone. Keys have no spaces.
const KEY_LINE = /^\s*(?:-\s+)?("[^"]+"|'[^']+'|[\w$@./][\w$@./-]*):(?:\s+(.*))?$/;
const ITEM_LINE = /^\s*-(?:\s|$)/;
// Single words that open prose rather than name a value ("Example:", "Note: ...", "ref: https://...").
const PROSE_KEY = /^(?:[A-Z][a-z]+|ref|note|e\.g|i\.e|see)$/;
const WORD = /^[A-Za-z][a-z'’,.;:()-]*$/;

/**
 * The values a chart's values.yaml documents in comments, placed by indentation relative to the
 * real keys around them. Prose comments (`## ...`, helm-docs' `# -- ...`, sentences) are skipped;
 * a commented block that does not parse as YAML is skipped too.
 */
export function commentedValues(values: string | ValuesYaml): CommentedValue[] {
  const { text, keyLines, scalarLines } = typeof values === 'string' ? parseValuesYaml(values) : values;
  const lines = text.split('\n');
  const isComment = (i: number) => /^\s*#/.test(lines[i]) && !scalarLines.has(i) && !keyLines.has(i);
  const found: CommentedValue[] = [];
  const stack: KeyLine[] = [];
  // The last real key, and what came between it and the current comment.
  let lastKey: KeyLine | undefined;
  let blankSince = false;
  let proseSince = false;
  let contentIndent = Infinity;
  let i = 0;
  while (i < lines.length) {
    const key = keyLines.get(i);
    if (key) {
      popTo(stack, key.indent);
      stack.push(key);
      [lastKey, blankSince, proseSince, contentIndent] = [key, false, false, Infinity];
      i++;
      continue;
    }
    if (!isComment(i)) {
      if (lines[i].trim() === '') blankSince = true;
      i++;
      continue;
    }
    let end = i;
    while (end < lines.length && isComment(end)) end++;
    for (const piece of commentPieces(lines.slice(i, end), i)) {
      if (piece.prose) {
        proseSince = true;
        continue;
      }
      const value = parseSegment(piece);
      if (value === undefined) continue;
      const example = (kind: CommentedValue['kind'], path: readonly string[], v: unknown) => found.push({ kind, path, value: v, line: piece.line + 1 });

      // `affinity: {}` then `# affinity:` with an alternative: an example of that same key.
      const selfName = lastKey?.path && singleKey(value);
      if (lastKey?.path && !blankSince && selfName === lastKey.path[lastKey.path.length - 1] && piece.indent >= lastKey.indent) {
        example('key', lastKey.path, (value as Record<string, unknown>)[selfName]);
        continue;
      }
      if (lastKey?.path && lastKey.empty && !blankSince && isContentOf(lastKey, piece, proseSince, contentIndent)) {
        example('content', lastKey.path, value);
        contentIndent = Math.min(contentIndent, piece.indent);
        // Anything nested deeper after this belongs to the example, not to the values.
        popTo(stack, lastKey.indent + 1);
        stack.push({ indent: piece.indent });
        continue;
      }
      popTo(stack, piece.indent);
      // A key holding a scalar cannot have commented keys below it: `kubernetes.io/os: linux` then
      // `#  kubernetes.io/arch: amd64` is a sibling, whatever the extra space says.
      while (stack.length && stack[stack.length - 1].holds === 'scalar') stack.pop();
      const parent: KeyLine = stack.length ? stack[stack.length - 1] : { indent: -1, path: [] };
      if (!parent.path) continue;
      if (piece.kind === 'list') {
        if (parent.holds === 'list') example('content', parent.path, value);
        stack.push({ indent: piece.indent });
        continue;
      }
      if (!isMap(value)) continue;
      const parentName = parent.path[parent.path.length - 1];
      if (parent.path.length && singleKey(value) === parentName) {
        // `global:` then `# global:` with an alternative below it.
        example('key', parent.path, value[parentName]);
        continue;
      }
      for (const [name, v] of Object.entries(value)) example('key', [...parent.path, name], v);
      const last = Object.keys(value).pop()!;
      stack.push({ indent: piece.indent, path: [...parent.path, last], holds: holds(value[last]) });
    }
    i = end;
  }
  return found;
}

/**
 * Whether a comment right after an empty key (`nodeSelector: {}`) shows its content. Deeper
 * indentation says so; at the key's own indentation only a block of the right shape directly below
 * it does (after prose, `# foo: x` is more likely a commented-out sibling).
 */
function isContentOf(key: KeyLine, piece: { indent: number; kind: 'map' | 'list' }, proseSince: boolean, contentIndent: number): boolean {
  const fits = key.empty === 'null' || (key.empty === 'map' ? piece.kind === 'map' : piece.kind === 'list');
  if (!fits || piece.indent < key.indent || (contentIndent !== Infinity && piece.indent < contentIndent)) return false;
  return piece.indent > key.indent || piece.kind === 'list' || !proseSince;
}

function popTo(stack: KeyLine[], indent: number): void {
  while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
}

function holds(value: unknown): KeyLine['holds'] {
  if (Array.isArray(value)) return 'list';
  if (isMap(value)) return 'map';
  return value === null || value === undefined ? undefined : 'scalar';
}

/**
 * Splits a run of comment lines into YAML-looking segments and prose. A segment starts at a key
 * or list item and takes every following line indented deeper, and sibling keys or items at its
 * own indentation; anything else is prose and ends it.
 */
function commentPieces(comments: string[], firstLine: number): CommentPiece[] {
  const out: CommentPiece[] = [];
  let current: { prose: false; indent: number; kind: 'map' | 'list'; lines: string[]; line: number } | undefined;
  const close = () => {
    if (current) out.push(current);
    current = undefined;
  };
  comments.forEach((comment, offset) => {
    const text = comment.replace(/^(\s*)# ?/, '$1');
    const body = text.trim();
    if (body === '') {
      current?.lines.push('');
      return;
    }
    const indent = text.length - text.trimStart().length;
    if (current && indent > current.indent && !body.startsWith('#')) {
      current.lines.push(text);
      return;
    }
    const isKey = KEY_LINE.test(text) && !readsAsProse(text);
    const isItem = ITEM_LINE.test(text) && !body.startsWith('--');
    if (current && indent === current.indent && (isKey || isItem) && (current.kind === 'map' || isItem)) {
      current.lines.push(text);
      return;
    }
    close();
    if (isKey || isItem) {
      current = { prose: false, indent, kind: isItem ? 'list' : 'map', lines: [text], line: firstLine + offset };
    } else {
      out.push({ prose: true });
    }
  });
  close();
  return out;
}

/** `Note: this is ...`, `ref: https://...`, `timeout: is a client-side timeout, ...`. */
function readsAsProse(keyLine: string): boolean {
  const [, rawKey, rawValue] = KEY_LINE.exec(keyLine)!;
  if (PROSE_KEY.test(rawKey)) return true;
  const value = (rawValue ?? '').trim();
  if (/^["'[{|>&*!]/.test(value)) return false;
  const words = value.split(/\s+/).filter(Boolean);
  return words.length >= 4 && words.filter(w => WORD.test(w)).length >= 3;
}

/** The segment's value, or undefined when it is not YAML. */
function parseSegment(segment: { indent: number; kind: 'map' | 'list'; lines: string[] }): unknown {
  const text = segment.lines.map(l => l.slice(Math.min(segment.indent, l.length - l.trimStart().length))).join('\n');
  let value: unknown;
  try {
    value = constructFromEvents(parseEvents(text, {}), { source: text, json: true })[0];
  } catch (error) {
    // Trying is how a commented block is told apart from prose: one that is not YAML (a
    // half-edited example) documents no value.
    if (error instanceof YAMLException) return undefined;
    throw error;
  }
  if (segment.kind === 'map' && !isMap(value)) return undefined;
  return value;
}

function singleKey(value: unknown): string | undefined {
  if (!isMap(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 ? keys[0] : undefined;
}
