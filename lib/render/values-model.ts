import { BoundedMap, codeIdentity, DiskCache, sha256 } from './cache';
import { ChartValuesSource, readChartValuesSource } from './chart-values-source';
import { ValuesNode, valuesTree } from './values-tree';
import { isMap, parseValuesYaml } from './values-yaml';

/** Everything the checks need to know about a chart's values, built once from its files. */
export interface ChartValuesModel {
  /** The keys the chart and its subcharts know. */
  readonly tree: ValuesNode;
  /** The values.schema.json files of the chart and its subcharts. */
  readonly schemas: readonly SchemaScope[];
}

/** A values.schema.json and what Helm validates with it. */
export interface SchemaScope {
  /** Where the (sub)chart's values live: [] for the chart, ['grafana'] for a subchart. */
  readonly path: readonly string[];
  /** The (sub)chart the schema belongs to. */
  readonly chart: { readonly name: string; readonly version: string };
  /** The schema's text. */
  readonly schemaJson: string;
  /** The (sub)chart's defaults, with its parent's values for it merged in, as Helm merges them. */
  readonly defaults: unknown;
}

/** A chart as the render path resolves it: an archive or a chart folder, and the SHA-256 of its content. */
export interface ResolvedChartFiles {
  /** The archive file or chart folder. */
  readonly path: string;
  /** Its digest (as `charts.lock` records it). */
  readonly digest: string;
}

const BY_SOURCE = new WeakMap<ChartValuesSource, ChartValuesModel>();
const BY_DIGEST = new BoundedMap<string, ChartValuesModel>(64);
/** Where models live on disk, under the library's cache root. */
export const VALUES_MODEL_CACHE = new DiskCache('values-models');

/** The model of a chart read with {@link readChartValuesSource}, built once per source object. */
export function valuesModel(source: ChartValuesSource): ChartValuesModel {
  let model = BY_SOURCE.get(source);
  if (!model) {
    model = { tree: valuesTree(source), schemas: hasSchema(source) ? schemaScopes(source, [], undefined) : [] };
    BY_SOURCE.set(source, model);
  }
  return model;
}

/**
 * The model of a resolved chart: from memory, else from the disk cache (by the chart's digest and
 * the code that builds models), else built from the chart's files and stored. A synth whose renders
 * come from the render cache then does not read or parse the chart at all.
 */
export function resolvedValuesModel(chart: ResolvedChartFiles): ChartValuesModel {
  const inMemory = BY_DIGEST.get(chart.digest);
  if (inMemory) return inMemory;
  const key = valuesModelCacheKey(chart.digest);
  let model = VALUES_MODEL_CACHE.get<ChartValuesModel>(key);
  if (!model) {
    model = valuesModel(readChartValuesSource(chart.path, { cacheKey: chart.digest }));
    VALUES_MODEL_CACHE.put(key, model);
  }
  BY_DIGEST.set(chart.digest, model);
  return model;
}

/** The disk cache key of the model of the chart with this digest, for this version of the code. */
export function valuesModelCacheKey(digest: string): string {
  return sha256(JSON.stringify(['values-model', builderFingerprint(), digest]));
}

let fingerprint: string | undefined;

/**
 * A digest of the code that builds models (these modules and the versions of the YAML parsers and of tar, which unpacks the archive), so a
 * model cached on disk by an older version of this library is never read by a newer one.
 */
function builderFingerprint(): string {
  fingerprint ??= codeIdentity([
    './values-model', './values-tree', './commented-values', './template-values', './kubernetes-fields', './values-schema', './values-yaml', './chart-values-source',
  ].map(m => require.resolve(m)), ['js-yaml', 'yaml', 'tar']);
  return fingerprint;
}

function hasSchema(source: ChartValuesSource): boolean {
  return source.valuesSchemaJson !== undefined || Object.values(source.subcharts).some(hasSchema);
}

function schemaScopes(source: ChartValuesSource, path: readonly string[], parentSection: unknown): SchemaScope[] {
  const defaults = coalesce(parseValuesYaml(source.valuesYaml).defaults, parentSection);
  const own = source.valuesSchemaJson === undefined ? [] : [{ path, chart: { name: source.name, version: source.version }, schemaJson: source.valuesSchemaJson, defaults }];
  return [...own, ...Object.entries(source.subcharts).flatMap(([key, sub]) => schemaScopes(sub, [...path, key], isMap(defaults) ? defaults[key] : undefined))];
}

/** Helm's coalescing of a values layer over another: maps merge, null deletes, anything else replaces. Copies; never changes its inputs. */
export function coalesce(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = coalesce(out[key], value);
  }
  return out;
}
