import * as jsYaml from 'js-yaml';
import * as YAML from 'yaml';
import { codeIdentity } from './cache';

/** A Kubernetes object as plain data, the way a render or `kubectl` sees it. */
export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** A key that appears twice in one mapping: Kubernetes (and helm, and kubectl) keep the last value. */
export interface DuplicateKey {
  /** JSON path of the mapping's key, e.g. `/spec/logFormat`. */
  readonly path: string;
  /** The value that is dropped, as YAML text. */
  readonly dropped: string;
  /** The value that is kept, as YAML text. */
  readonly kept: string;
}

/** One YAML document of a multi-document stream. */
export interface ParsedDocument extends DocumentText {
  /** The document's value (null for an empty document). */
  readonly value: unknown;
  /** Keys given twice in one mapping. */
  readonly duplicates: DuplicateKey[];
}

// YAML the way Kubernetes reads it (sigs.k8s.io/yaml on go-yaml v2): YAML 1.1 booleans (yes/no/on/off),
// numbers (0644 is octal) and nulls, but timestamps and sexagesimal numbers (12:30) stay strings.
const YAML_11_OPTIONS: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions = {
  version: '1.1',
  customTags: tags => tags.filter(tag => typeof tag === 'string' || (tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME')),
};

/**
 * The first characters a plain scalar of each YAML 1.1 tag can start with, by the tag's pattern in the `yaml` library
 * (`''` for the empty scalar, a null): js-yaml tries on a scalar only the tags that can take its first character. A
 * pattern not listed here (another `yaml` version) is tried on every scalar, as all were before this list. Parsing
 * both renders of the reference stack (5.4 MB), five alternating runs on the 2-core machine, 2026-12-07: the first
 * parse in a process 437 to 402 ms, later ones 187 to 160 ms. The lists were checked against every string of up to 5
 * characters over the patterns' characters.
 */
const FIRST_CHARS: Readonly<Record<string, readonly string[]>> = (() => {
  const sign = ['-', '+'];
  const digits = [...'0123456789'];
  return {
    '^(?:~|[Nn]ull|NULL)?$': ['', '~', 'N', 'n'],
    '^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$': [...'YyTtOo'],
    '^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$': [...'NnFfOo'],
    '^[-+]?0b[0-1_]+$': [...sign, '0'],
    '^[-+]?0[0-7_]+$': [...sign, '0'],
    '^[-+]?[0-9][0-9_]*$': [...sign, ...digits],
    '^[-+]?0x[0-9a-fA-F_]+$': [...sign, '0'],
    '^(?:[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$': [...sign, '.'],
    '^[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$': [...sign, ...digits, '.', 'e', 'E'],
    '^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*$': [...sign, ...digits, '.'],
  };
})();

/**
 * The js-yaml schema for the fast path, built from the `yaml` library's own YAML 1.1 scalar tags
 * (their `test` patterns and `resolve` functions, in the same order), so both parsers give every
 * plain scalar the same value. Explicit tags other than !!str/!!seq/!!map are unknown here: such a
 * document, like one with a duplicate key, is parsed by the `yaml` library instead.
 */
const FAST_SCHEMA = (() => {
  const implicit = new YAML.Document(null, YAML_11_OPTIONS).schema.tags
    .filter((tag): tag is YAML.ScalarTag => typeof tag === 'object' && tag.test instanceof RegExp && typeof tag.resolve === 'function'
      && tag.tag !== 'tag:yaml.org,2002:binary' && tag.tag !== 'tag:yaml.org,2002:merge')
    .map((tag, i) => jsYaml.defineScalarTag(`${tag.tag}#${tag.format ?? i}`, {
      implicit: true,
      implicitFirstChars: FIRST_CHARS[tag.test!.source] ?? null,
      resolve: (source: string, isExplicit: boolean) => {
        if (isExplicit || !tag.test!.test(source)) return jsYaml.NOT_RESOLVED;
        const value = tag.resolve(source, () => undefined, {} as YAML.ParseOptions);
        return value instanceof YAML.Scalar ? value.value : value;
      },
      identify: () => false,
    }));
  return jsYaml.FAILSAFE_SCHEMA.withTags(...implicit, jsYaml.mergeTag);
})();

/** One document's text, as split from a stream. */
export interface DocumentText {
  /** The document's own text, without helm's `# Source:` line, ending in a newline. */
  readonly text: string;
  /** The template it came from (helm's `# Source:` comment), if any. */
  readonly source?: string;
}

/** Splits a multi-document stream the way helm does (a line of `---`), leaving out empty documents. */
export function splitDocuments(stream: string): DocumentText[] {
  const documents: DocumentText[] = [];
  for (const chunk of stream.split(/^---[ \t]*(?:#.*)?$/m)) {
    const sourceMatch = /^\s*# Source: (.*)\n/.exec(chunk);
    const body = (sourceMatch ? chunk.slice(sourceMatch.index + sourceMatch[0].length) : chunk).replace(/^\n+/, '');
    if (body.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(body)) continue;
    documents.push({ text: body.endsWith('\n') ? body : `${body}\n`, source: sourceMatch?.[1] });
  }
  return documents;
}

/**
 * Splits a multi-document stream the way helm does, and parses each document the way Kubernetes
 * reads YAML (see {@link parseDocument}).
 */
export function parseDocuments(stream: string): ParsedDocument[] {
  return splitDocuments(stream).map(d => ({ ...parseDocument(d.text), ...d }));
}

/** Parses a multi-document stream into its non-empty documents' values. */
export function parseManifests(text: string): KubeManifest[] {
  return parseDocuments(text).map(d => d.value).filter((v): v is KubeManifest => v !== null && typeof v === 'object');
}

/**
 * Whether a value js-yaml read has a mapping key 'null' at any depth. js-yaml names a null or empty key (`~: x`, `: x`,
 * `null: x`) 'null' where the yaml library names it '' (and `'null': x` 'null', as both do), so a document with such a
 * key is read again by the yaml library. Looking at the keys of the value costs less than looking for those keys in the
 * text: for both renders of the reference stack (5.4 MB), 13 ms the first time in a process (2.5 ms after that)
 * against 18-31 ms (2-core machine, 2026-12-07).
 */
function hasNullKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasNullKey);
  for (const key in value) if (key === 'null' || hasNullKey((value as Record<string, unknown>)[key])) return true;
  return false;
}

let identity: string | undefined;

/**
 * What a parse depends on besides its text: this module and its two YAML libraries. In the key of
 * every parse kept on disk, so a changed parser never reads what an older one stored.
 */
export function parserIdentity(): string {
  identity ??= codeIdentity([__filename], ['js-yaml', 'yaml']);
  return identity;
}

/**
 * Parses one document the way Kubernetes reads YAML. Why two parsers (measured 2026-12-06 on the 2-core build
 * machine, the 5.2 MB `helm template --include-crds` of kube-prometheus-stack 88.5.3, three runs): js-yaml
 * 92-241 ms, the `yaml` library 643-841 ms (`parse`) or 660-711 ms (`parseDocument`). A cold synth of the
 * reference stack takes 1.1-1.3 s in all, so `yaml` alone would add about half to it, against a budget of 2x raw helm.
 * Fast path: js-yaml with the schema above; a
 * document with a duplicate key, an explicit tag, a null key or a syntax error goes through the
 * `yaml` library, which names the error or reports each duplicate (the last value wins, as in kubectl
 * and the API server).
 */
export function parseDocument(text: string): { value: unknown; duplicates: DuplicateKey[] } {
  let value: unknown;
  try {
    value = jsYaml.load(text, { schema: FAST_SCHEMA, maxAliases: -1, maxTotalMergeKeys: -1 }) ?? null;
  } catch {
    return parseSlow(text);
  }
  return hasNullKey(value) ? parseSlow(text) : { value, duplicates: [] };
}

/** The `yaml` library's parse of one document, with duplicate keys allowed and reported. */
function parseSlow(text: string): { value: unknown; duplicates: DuplicateKey[] } {
  const doc = YAML.parseDocument(text, { ...YAML_11_OPTIONS, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new Error(`not valid YAML: ${doc.errors[0].message}`);
  }
  const duplicates: DuplicateKey[] = [];
  const walk = (node: unknown, at: string) => {
    if (YAML.isMap(node)) {
      const seen = new Map<string, YAML.Pair>();
      for (const pair of node.items) {
        const key = String(YAML.isScalar(pair.key) ? pair.key.value : pair.key);
        const earlier = seen.get(key);
        if (earlier) {
          duplicates.push({ path: `${at}/${escapePointer(key)}`, dropped: nodeText(earlier.value), kept: nodeText(pair.value) });
        }
        seen.set(key, pair);
        walk(pair.value, `${at}/${escapePointer(key)}`);
      }
    } else if (YAML.isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${at}/${i}`));
    }
  };
  walk(doc.contents, '');
  return { value: doc.toJS({ maxAliasCount: -1 }) ?? null, duplicates };
}

function nodeText(node: unknown): string {
  return YAML.isNode(node) ? String(node).trim().replace(/\s*\n\s*/g, ' ') : String(node);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** How a person names an object: `Kind namespace/name` (also of a document that is no object). */
export function objectName(o: { kind?: string; metadata?: { namespace?: string; name?: string } } | null | undefined): string {
  return `${o?.kind} ${o?.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o?.metadata?.name}`;
}
