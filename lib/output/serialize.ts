import { Yaml } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { BoundedMap, DiskCache, MemoryCache, packageVersion, sha256 } from '../render/cache';

const yamlCache = new DiskCache('yaml');
const inProcess = new BoundedMap<string, string>(20_000);

let writer: string | undefined;
/**
 * What `Yaml.stringify`'s output depends on besides the object: the cdk8s version and the `yaml` it
 * loads. Part of the disk key, so after an upgrade no text an older writer made is read back.
 */
export function yamlWriter(): string {
  if (writer === undefined) {
    const cdk8sDir = path.dirname(require.resolve('cdk8s/package.json'));
    const yamlPackage = require.resolve('yaml/package.json', { paths: [cdk8sDir] });
    writer = `cdk8s@${packageVersion('cdk8s')} yaml@${JSON.parse(fs.readFileSync(yamlPackage, 'utf8')).version}`;
  }
  return writer;
}

/** The disk cache's key for the YAML of the object with content key `key`, as written by `writerIdentity`. */
export function yamlCacheKey(key: string, writerIdentity = yamlWriter()): string {
  return sha256(`${writerIdentity}\0${key}`);
}

/**
 * The identity of an object's exact content: its JSON, with what JSON cannot tell apart (NaN, the
 * infinities, -0, an undefined array element) spelt out. (v8's own serialization will not do: it
 * writes 1 as an integer or as a double depending on how the value was made.)
 */
export function contentKey(object: unknown): string {
  return sha256(JSON.stringify(object, (_key, value) => {
    // A string that starts as those spelt-out values do gets one more NUL, so no string spells one of them.
    if (typeof value === 'string' && value.charCodeAt(0) === 0) return `\u0000${value}`;
    if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `\u0000number:${Object.is(value, -0) ? '-0' : value}`;
    return value === undefined ? '\u0000undefined' : value;
  }));
}

/**
 * One object as a YAML document, exactly as cdk8s writes it (`Yaml.stringify`: YAML 1.1, no line
 * folding). Serializing is the slowest step of a synth, so each result is kept by the object's
 * {@link contentKey}, in memory and on disk (there with the writer's versions).
 */
export function objectYaml(object: unknown, key = contentKey(object)): string {
  let text = inProcess.get(key);
  if (text === undefined) {
    const diskKey = yamlCacheKey(key);
    text = yamlCache.get<string>(diskKey);
    if (text === undefined) {
      text = Yaml.stringify(object);
      yamlCache.put(diskKey, text);
    }
    inProcess.set(key, text);
  }
  return text;
}

const SEPARATOR = Buffer.from('---\n');
// The UTF-8 bytes of long documents (CRDs: 4.7 MB, not ASCII), kept by the document's key while this
// process runs (64 MB at most): an app synthesized again writes them again.
const encoded = new MemoryCache(64 * 1024 * 1024);
const LONG_DOCUMENT = 16 * 1024;

function utf8(text: string, key: string): Buffer {
  if (text.length < LONG_DOCUMENT) return Buffer.from(text);
  let bytes = encoded.get(key);
  if (!bytes) {
    bytes = Buffer.from(text);
    encoded.set(key, bytes);
  }
  return bytes;
}

/**
 * A file of documents, joined the way cdk8s joins them, as UTF-8 bytes: the bytes of the joined text,
 * built without that text (a file with one non-ASCII character would be a string of two bytes per
 * character, twice its size, encoded again on every write). `keys[i]` identifies `documents[i]`'s text
 * (its content key, or its digest).
 */
export function joinDocuments(documents: readonly string[], keys: readonly string[]): Buffer {
  return Buffer.concat(documents.flatMap((text, i) => (i === 0 ? [utf8(text, keys[i])] : [SEPARATOR, utf8(text, keys[i])])));
}
