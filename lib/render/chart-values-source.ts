import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { Parser as TarParser } from 'tar';
import YAML from 'yaml';
import { BoundedMap } from './cache';

/** A dependency as the parent chart's `Chart.yaml` (or a v1 chart's `requirements.yaml`) declares it. */
export interface ChartDependency {
  /** The dependency's chart name. */
  readonly name: string;
  /** The key its values live under in the parent, when not its name. */
  readonly alias?: string;
  /** Values paths that switch it on or off (`grafana.enabled`); comma-separated in Chart.yaml. */
  readonly conditions: readonly string[];
  /** Tags that switch it on or off (`tags.<tag>` in the top chart's values). */
  readonly tags: readonly string[];
}

/**
 * What a packaged chart says about its values: its `values.yaml` (with comments), its
 * `values.schema.json`, the templates that read the values, and the same for each subchart,
 * keyed by the values key the subchart lives under (its alias, else its name).
 */
export interface ChartValuesSource {
  /** Chart name from Chart.yaml. */
  readonly name: string;
  /** Chart version from Chart.yaml. */
  readonly version: string;
  /** Text of values.yaml; '' when the chart has none. */
  readonly valuesYaml: string;
  /** Text of values.schema.json, when the chart has one. */
  readonly valuesSchemaJson?: string;
  /** Template files (`templates/...`, including `_helpers.tpl`), by path below the chart folder. */
  readonly templates: Readonly<Record<string, string>>;
  /** Dependencies from Chart.yaml (or requirements.yaml). */
  readonly dependencies: readonly ChartDependency[];
  /** Packaged subcharts, by the key their values live under in this chart. */
  readonly subcharts: Readonly<Record<string, ChartValuesSource>>;
}

/** Files of one chart folder inside an archive, by path below that folder. */
type ChartFolder = Map<string, Buffer>;

const CACHE = new BoundedMap<string, ChartValuesSource>(64);

/**
 * Reads a chart into a {@link ChartValuesSource}: a packaged chart (`.tgz`, as `helm pull` or
 * `helm package` make it) or a chart folder, subcharts included, whether they are folders or nested
 * archives under `charts/`.
 *
 * Read once per process for each path, size and modification time (or `cacheKey`, e.g. the chart's
 * digest), so a second use in the same process does not read it again.
 */
export function readChartValuesSource(chartPath: string, options: { readonly cacheKey?: string } = {}): ChartValuesSource {
  const stat = fs.statSync(chartPath);
  const key = options.cacheKey ?? `${chartPath}\0${stat.size}\0${stat.mtimeMs}`;
  const cached = CACHE.get(key);
  if (cached) return cached;
  const source = stat.isDirectory() ? chartValuesSourceOfFiles(readFolder(chartPath, isRead), chartPath) : chartValuesSourceOf(fs.readFileSync(chartPath), chartPath);
  CACHE.set(key, source);
  return source;
}

/** Reads a chart archive held in memory (`origin` names it in errors). */
export function chartValuesSourceOf(archive: Buffer, origin: string): ChartValuesSource {
  return chartValuesSourceOfFiles(untar(archive, isRead), origin);
}

/**
 * The top-level Chart.yaml of a chart archive (`<chart>/Chart.yaml`), read without helm. Throws when
 * the file is not a gzipped tar or holds no chart.
 */
export function archiveChartYaml(file: string): string {
  const files = untar(fs.readFileSync(file), entry => /^[^/]+\/Chart\.yaml$/.test(entry));
  if (files.size !== 1) throw new Error(`${files.size === 0 ? 'no' : files.size} top-level Chart.yaml found`);
  return [...files.values()][0].toString('utf8');
}

function chartValuesSourceOfFiles(files: Map<string, Buffer>, origin: string): ChartValuesSource {
  const folders = chartFolders(files);
  const roots = [...folders.keys()].filter(f => !f.includes('/'));
  if (roots.length !== 1) {
    throw new Error(`${origin} holds ${roots.length} top-level chart folders (${roots.join(', ') || 'none'}); a packaged chart has exactly one`);
  }
  return assemble(roots[0], folders, origin);
}

/**
 * The files of a chart archive or chart folder whose path (`<chart folder>/<path>`, as in an archive) `wanted` accepts, as
 * path -> bytes. Packed subcharts (`charts/*.tgz`) are not opened.
 */
export function readChartFiles(chartPath: string, wanted: (file: string) => boolean): Map<string, Buffer> {
  return fs.statSync(chartPath).isDirectory() ? readFolder(chartPath, wanted) : untar(fs.readFileSync(chartPath), wanted);
}

/** Whether the checker reads a file of a chart: its metadata, values, schema, templates and packed subcharts. */
function isRead(file: string): boolean {
  return /(^|\/)(Chart\.yaml|requirements\.yaml|values\.yaml|values\.schema\.json)$/.test(file) || /(^|\/)templates\//.test(file) || /(^|\/)charts\/[^/]+\.tgz$/.test(file);
}

/** The files of a `.tgz` that `wanted` accepts, as path -> bytes. node-tar parses synchronously once the tar is unzipped. */
function untar(archive: Buffer, wanted: (file: string) => boolean): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  // Loaded here, not at the top: a synth whose values models come from the disk cache never unpacks a chart.
  const { Parser } = require('tar') as { Parser: typeof TarParser };
  const parser = new Parser({
    onReadEntry: entry => {
      if ((entry.type !== 'File' && entry.type !== 'OldFile') || !wanted(entry.path.replace(/^\.\//, ''))) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => files.set(entry.path.replace(/^\.\//, ''), Buffer.concat(chunks)));
    },
  });
  parser.end(zlib.gunzipSync(archive, { chunkSize: unpackedSize(archive) }));
  return files;
}

/**
 * The output buffer for unzipping `archive` whole: its size as the gzip trailer gives it (the last four bytes, modulo
 * 4 GiB), plus one. zlib then fills one buffer instead of 16 KB pieces it joins at the end: 11.5 against 19-28 ms for
 * kube-prometheus-stack's 7 MB (first unzip in a process, 2-core machine, 2026-12-07). A trailer that says less (a file
 * of several gzip members, or one over 64 MB) only means pieces again.
 */
function unpackedSize(archive: Buffer): number {
  const size = archive.length >= 18 ? archive.readUInt32LE(archive.length - 4) + 1 : 0;
  return Math.min(Math.max(size, 16 * 1024), 64 * 1024 * 1024);
}

/** The files of a chart folder that `wanted` accepts, as `<folder name>/<path>` -> bytes, like an archive's. */
function readFolder(dir: string, wanted: (file: string) => boolean): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const top = path.basename(path.resolve(dir));
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile() && wanted(`${top}/${rel}`)) files.set(`${top}/${rel}`, fs.readFileSync(path.join(dir, rel)));
    }
  };
  walk('');
  return files;
}

/**
 * Groups archive files by the chart folder they belong to: `grafana` for `grafana/values.yaml`,
 * `kps/charts/grafana` for `kps/charts/grafana/values.yaml`.
 */
function chartFolders(files: Map<string, Buffer>): Map<string, ChartFolder> {
  const folders = new Map<string, ChartFolder>();
  for (const [file, bytes] of files) {
    const parts = file.split('/');
    let depth = 1;
    // A folder under charts/ is a subchart if the rest of the path goes on below it.
    while (parts[depth] === 'charts' && depth + 2 < parts.length) depth += 2;
    const folder = parts.slice(0, depth).join('/');
    const inside = parts.slice(depth).join('/');
    if (!folders.has(folder)) folders.set(folder, new Map());
    folders.get(folder)!.set(inside, bytes);
  }
  return folders;
}

function assemble(folder: string, folders: Map<string, ChartFolder>, origin: string): ChartValuesSource {
  const files = folders.get(folder)!;
  const chartYaml = files.get('Chart.yaml');
  if (!chartYaml) throw new Error(`${origin}: ${folder}/Chart.yaml is missing; is this a packaged Helm chart?`);
  const chart = (YAML.parse(chartYaml.toString('utf8')) ?? {}) as { name?: string; version?: string; dependencies?: RawDependency[] };
  const requirements = files.get('requirements.yaml');
  const rawDependencies = chart.dependencies
    ?? (requirements ? ((YAML.parse(requirements.toString('utf8')) ?? {}) as { dependencies?: RawDependency[] }).dependencies : undefined)
    ?? [];
  const dependencies = rawDependencies.map(d => ({
    name: String(d.name),
    ...(typeof d.alias === 'string' && d.alias !== '' ? { alias: d.alias } : {}),
    conditions: d.condition ? String(d.condition).split(',').map(c => c.trim()).filter(Boolean) : [],
    tags: (d.tags ?? []).map(String),
  }));

  const packaged: ChartValuesSource[] = [];
  for (const sub of [...folders.keys()].filter(f => parentFolder(f) === folder).sort()) {
    packaged.push(assemble(sub, folders, origin));
  }
  for (const [file, bytes] of [...files].filter(([f]) => /^charts\/[^/]+\.tgz$/.test(f)).sort(([a], [b]) => a.localeCompare(b))) {
    packaged.push(chartValuesSourceOf(bytes, `${origin}:${folder}/${file}`));
  }
  const subcharts: Record<string, ChartValuesSource> = {};
  for (const dependency of dependencies) {
    const sub = packaged.find(p => p.name === dependency.name);
    if (sub) subcharts[dependency.alias ?? dependency.name] = sub;
  }
  for (const sub of packaged) {
    if (!dependencies.some(d => d.name === sub.name)) subcharts[sub.name] = sub;
  }

  const templates: Record<string, string> = {};
  for (const [file, bytes] of files) {
    if (file.startsWith('templates/')) templates[file] = bytes.toString('utf8');
  }
  const schema = files.get('values.schema.json');
  return {
    name: String(chart.name ?? folder.split('/').pop()),
    version: String(chart.version ?? ''),
    valuesYaml: files.get('values.yaml')?.toString('utf8') ?? '',
    ...(schema && { valuesSchemaJson: schema.toString('utf8') }),
    templates,
    dependencies,
    subcharts,
  };
}

interface RawDependency {
  readonly name: unknown;
  readonly alias?: unknown;
  readonly condition?: unknown;
  readonly tags?: unknown[];
}

/** `kps` for `kps/charts/grafana`; undefined for a top folder. */
function parentFolder(folder: string): string | undefined {
  const parts = folder.split('/');
  return parts.length >= 3 && parts[parts.length - 2] === 'charts' ? parts.slice(0, -2).join('/') : undefined;
}
