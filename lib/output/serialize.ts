import { Yaml } from 'cdk8s';
import { DiskCache, sha256 } from '../render/cache';

const yamlCache = new DiskCache('yaml');
const inProcess = new Map<string, string>();

/**
 * The identity of an object's exact content: its JSON, with what JSON cannot tell apart (NaN, the
 * infinities, -0, an undefined array element) spelt out. (v8's own serialization will not do: it
 * writes 1 as an integer or as a double depending on how the value was made.)
 */
export function contentKey(object: unknown): string {
  return sha256(JSON.stringify(object, (_key, value) => {
    if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `\u0000number:${Object.is(value, -0) ? '-0' : value}`;
    return value === undefined ? '\u0000undefined' : value;
  }));
}

/**
 * One object as a YAML document, exactly as cdk8s writes it (`Yaml.stringify`: YAML 1.1, no line
 * folding). Serializing is the slowest step of a synth, so each result is kept by the object's
 * {@link contentKey}, in memory and on disk.
 */
export function objectYaml(object: unknown, key = contentKey(object)): string {
  let text = inProcess.get(key);
  if (text === undefined) {
    text = yamlCache.get<string>(key);
    if (text === undefined) {
      text = Yaml.stringify(object);
      yamlCache.put(key, text);
    }
    inProcess.set(key, text);
  }
  return text;
}

/** A file of documents: each document's text, joined the way cdk8s joins them. */
export function joinDocuments(documents: readonly string[]): string {
  return documents.join('---\n');
}
