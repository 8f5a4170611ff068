import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { sha256 } from './cache';
import { chartLockPath, lockedEntry, recordChartLock } from './chart-lock';
import { archiveChartYaml } from './chart-values-source';
import { ChartDefinition } from './charts';
import { helmBinary } from './tools';

/** Env var naming one Helm repository (https or oci://) that serves every chart, in place of each chart's own. */
export const CHART_MIRROR_ENV = 'CDK8S_CHART_MIRROR';
/** Env var that lets OCI pulls use plain HTTP (helm's --plain-http), for a registry without TLS such as one on loopback. */
export const CHART_PLAIN_HTTP_ENV = 'CDK8S_CHART_PLAIN_HTTP';

enum SourceKind {
  REPOSITORY = 'repository',
  OCI = 'oci',
  ARCHIVE = 'archive',
  FOLDER = 'folder',
}

/**
 * Where a chart comes from. Remote sources are pulled once into the chart folder
 * (`CDK8S_CHARTS_DIR`, default `charts/`) and checked against the app's `charts.lock`;
 * `CDK8S_CHART_MIRROR` replaces every remote source with one repository.
 */
export class ChartSource {
  /** A Helm repository over https, e.g. `https://charts.longhorn.io`. */
  public static repository(url: string): ChartSource {
    if (!/^https?:\/\/\S+$/.test(url)) {
      throw new Error(`ChartSource.repository('${url}') needs an http(s) URL such as 'https://charts.longhorn.io'; for an OCI registry use ChartSource.oci`);
    }
    return new ChartSource(SourceKind.REPOSITORY, url.replace(/\/+$/, ''));
  }

  /** An OCI reference of the chart itself, e.g. `oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack`. */
  public static oci(reference: string): ChartSource {
    if (!/^oci:\/\/[^\s/]+\/\S+$/.test(reference)) {
      throw new Error(`ChartSource.oci('${reference}') needs a reference such as 'oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack'`);
    }
    return new ChartSource(SourceKind.OCI, reference.replace(/\/+$/, ''));
  }

  /** A packaged chart (`.tgz`) on disk, relative to the working directory or absolute. */
  public static archive(file: string): ChartSource {
    return new ChartSource(SourceKind.ARCHIVE, file);
  }

  /** An unpacked chart folder on disk (with its dependencies under `charts/`). */
  public static folder(dir: string): ChartSource {
    return new ChartSource(SourceKind.FOLDER, dir);
  }

  /** The chart's own repository. */
  public static default(chart: ChartDefinition): ChartSource {
    return ChartSource.repository(chart.repository);
  }

  private constructor(private readonly kind: SourceKind, private readonly location: string) {}

  /** Where it points, as written in `charts.lock` and in messages. */
  public get description(): string {
    return this.isLocal ? `file:${this.location}` : this.location;
  }

  /** Whether the chart is read from disk rather than pulled. */
  public get isLocal(): boolean {
    return this.kind === SourceKind.ARCHIVE || this.kind === SourceKind.FOLDER;
  }

  /** @internal */
  public _resolve(chart: ChartDefinition, version: string): ResolvedChart {
    switch (this.kind) {
      case SourceKind.ARCHIVE: return resolveLocal(chart, version, path.resolve(this.location), this.description, false);
      case SourceKind.FOLDER: return resolveLocal(chart, version, path.resolve(this.location), this.description, true);
      default: return resolveRemote(chart, version, this);
    }
  }

  /** The `helm pull` arguments (before `--version`) for this source, or its mirror. */
  public _pullArgs(chart: ChartDefinition): { args: string[]; origin: string } {
    const mirror = process.env[CHART_MIRROR_ENV];
    const plainHttp = process.env[CHART_PLAIN_HTTP_ENV] === 'true' ? ['--plain-http'] : [];
    if (mirror) {
      const base = mirror.replace(/\/+$/, '');
      return base.startsWith('oci://')
        ? { args: [`${base}/${chart.name}`, ...plainHttp], origin: `${base}/${chart.name} (${CHART_MIRROR_ENV})` }
        : { args: [chart.name, '--repo', base], origin: `${base} (${CHART_MIRROR_ENV})` };
    }
    return this.kind === SourceKind.OCI
      ? { args: [this.location, ...plainHttp], origin: this.location }
      : { args: [chart.name, '--repo', this.location], origin: this.location };
  }
}

/** A chart archive or folder ready to render. */
export interface ResolvedChart {
  /** Archive file or chart folder. */
  readonly path: string;
  /** SHA-256 of the archive, or of the folder's files. */
  readonly digest: string;
  /** Where it came from (as in `charts.lock`). */
  readonly source: string;
  /** A line for the synth summary when this resolution wrote `charts.lock`. */
  readonly recorded?: string;
}

/** A chart that is neither in the chart folder nor pullable: collected, so one message can list all of them. */
export class MissingChartError extends Error {
  constructor(
    public readonly chart: string,
    public readonly version: string,
    public readonly file: string,
    public readonly tried: string,
    public readonly reason: string,
  ) {
    super(describeMissing([{ chart, version, file, tried, reason }]));
  }
}

/**
 * One message for every missing chart: file names, the folder searched, the sources tried, and the
 * ways to fix it (vendor on a connected machine, CDK8S_CHARTS_DIR, CDK8S_CHART_MIRROR).
 */
export function describeMissing(missing: ReadonlyArray<Pick<MissingChartError, 'chart' | 'version' | 'file' | 'tried' | 'reason'>>): string {
  const folder = chartsDir();
  return [
    `${missing.length} chart archive(s) missing from ${folder} and not pullable:`,
    ...missing.map(m => `  ${path.basename(m.file)} (${m.chart} ${m.version}): pull from ${m.tried} failed: ${m.reason}`),
    `Fix one of: put the archives into ${folder} (or point CDK8S_CHARTS_DIR at a folder that has them);`,
    `run 'npx cdk8s-monitoring vendor' where the network reaches the repositories and copy the folder here;`,
    `or set ${CHART_MIRROR_ENV} to a Helm repository that serves them (${process.env[CHART_MIRROR_ENV] ? `now '${process.env[CHART_MIRROR_ENV]}'` : 'unset now'}).`,
  ].join('\n');
}

/**
 * The folder packaged charts are read from and pulled into: `CDK8S_CHARTS_DIR` if set (relative to the
 * working directory), else `charts/` in the working directory.
 */
export function chartsDir(): string {
  return path.resolve(process.env.CDK8S_CHARTS_DIR ?? 'charts');
}

/** Seconds a pull may take before it is given up (a closed network must never hang a synth). */
function pullTimeoutMs(): number {
  const seconds = Number(process.env.CDK8S_PULL_TIMEOUT ?? 60);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000;
}

function resolveRemote(chart: ChartDefinition, version: string, source: ChartSource): ResolvedChart {
  const file = path.join(sourceFolder(chart, source), `${chart.name}-${version}.tgz`);
  if (fs.existsSync(file)) {
    // Recorded as what it is, a file in the chart folder: it need not be the bytes the repository serves.
    return checkAgainstLock(chart, version, file, `file:${path.relative(process.cwd(), file) || file}`, false);
  }
  return pull(chart, version, source, file);
}

/**
 * Where archives of `source` are kept: the chart folder itself for the chart's own repository, else a
 * folder of the source's own inside it. An archive of the upstream chart already in the folder must never
 * stand in for a fork or an OCI source (both would be the same file name): it is pulled from where it
 * says, and charts.lock then compares its bytes.
 */
function sourceFolder(chart: ChartDefinition, source: ChartSource): string {
  if (source.description === ChartSource.default(chart).description) return chartsDir();
  const slug = source.description.replace(/^[a-z]+:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 60);
  return path.join(chartsDir(), 'sources', `${slug}-${sha256(source.description).slice(0, 8)}`);
}

function pull(chart: ChartDefinition, version: string, source: ChartSource, file: string): ResolvedChart {
  const { args, origin } = source._pullArgs(chart);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-pull-'));
  try {
    const result = spawnSync(helmBinary(), ['pull', ...args, '--version', version, '--destination', work], {
      encoding: 'utf8', timeout: pullTimeoutMs(),
    });
    if (result.status !== 0) {
      const reason = result.error ? (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `no answer within ${pullTimeoutMs() / 1000} s` : result.error.message
        : (result.stderr || '').trim().split('\n').filter(Boolean).at(-1) ?? `helm exited with ${result.status}`;
      throw new MissingChartError(chart.name, version, file, origin, reason);
    }
    const pulled = fs.readdirSync(work).filter(f => f.endsWith('.tgz'));
    if (pulled.length !== 1) {
      throw new Error(`helm pull of ${chart.name} ${version} from ${origin} gave ${pulled.length} archives (${pulled.join(', ')}); expected ${chart.name}-${version}.tgz`);
    }
    const downloaded = path.join(work, pulled[0]);
    // Verified before it enters the chart folder: a bad archive never sits where the next synth would trust it.
    const resolved = checkAgainstLock(chart, version, downloaded, origin.replace(/ \(.*\)$/, ''), false);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    fs.copyFileSync(downloaded, partial);
    fs.renameSync(partial, file);
    return { ...resolved, path: file };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function resolveLocal(chart: ChartDefinition, version: string, location: string, source: string, folder: boolean): ResolvedChart {
  if (!fs.existsSync(location) || fs.statSync(location).isDirectory() !== folder) {
    throw new Error(`the chart source ${source} for ${chart.name} ${version} is not ${folder ? 'a chart folder' : 'a chart archive (.tgz)'}; check the path (relative to ${process.cwd()})`);
  }
  return checkAgainstLock(chart, version, location, source, folder);
}

/**
 * Checks `file` against the lock entry of the chart version, or, when there is none yet, checks that
 * it holds that chart and version and records it. A mismatch throws, naming the lock file, both
 * digests and how to accept the new archive on purpose.
 */
function checkAgainstLock(chart: ChartDefinition, version: string, file: string, source: string, folder: boolean): ResolvedChart {
  const digest = folder ? folderDigest(file) : sha256(fs.readFileSync(file));
  const lockFile = chartLockPath();
  const entry = lockedEntry(chart.name, version, lockFile);
  if (entry) {
    if (entry.sha256 !== digest) {
      throw new Error([
        `${path.relative(process.cwd(), lockFile) || lockFile} records ${chart.name} ${version} with SHA-256 ${entry.sha256} (from ${entry.source}),`,
        `but ${file} (from ${source}) has SHA-256 ${digest}.`,
        'The archive is not the one this app recorded: the repository re-published the version, a mirror serves other bytes, or it was altered.',
        `If you trust the new archive, accept it on purpose: npx cdk8s-monitoring accept-chart ${chart.name}@${version} (or delete that entry from ${path.basename(lockFile)}), then synth again.`,
      ].join('\n'));
    }
    return { path: file, digest, source: entry.source };
  }
  checkChartIdentity(chart, version, file, folder);
  recordChartLock({ name: chart.name, version, source, sha256: digest }, lockFile);
  return { path: file, digest, source, recorded: `${path.basename(lockFile)}: recorded ${chart.name} ${version} sha256:${digest} from ${source}; commit it` };
}

/** Throws unless the archive or folder holds `chart` at `version` (by its Chart.yaml). */
export function checkChartIdentity(chart: ChartDefinition, version: string, file: string, folder: boolean): void {
  let text: string;
  if (folder) {
    text = fs.readFileSync(path.join(file, 'Chart.yaml'), 'utf8');
  } else {
    try {
      text = archiveChartYaml(file);
    } catch (e) {
      throw new Error(`${file} is not a chart archive (${(e as Error).message}); delete it and synth again`);
    }
  }
  const meta = YAML.parse(text) as { name?: string; version?: string };
  if (meta?.name !== chart.name || String(meta?.version) !== version) {
    throw new Error(`${file} holds chart ${meta?.name} ${meta?.version}, not ${chart.name} ${version}; delete it, or point the source at the ${chart.name} ${version} archive`);
  }
}

/**
 * SHA-256 over a folder's files (sorted relative paths and contents), so a chart folder has a digest too. Symbolic
 * links are followed, as helm's chart loader follows them (a folder reached twice is read once).
 */
function folderDigest(dir: string): string {
  const files: string[] = [];
  const seen = new Set([fs.realpathSync(dir)]);
  const walk = (sub: string) => {
    for (const name of fs.readdirSync(path.join(dir, sub)).sort((a, b) => a.localeCompare(b))) {
      const rel = path.join(sub, name);
      const stat = fs.statSync(path.join(dir, rel), { throwIfNoEntry: false });
      if (stat?.isDirectory()) {
        const real = fs.realpathSync(path.join(dir, rel));
        if (!seen.has(real)) {
          seen.add(real);
          walk(rel);
        }
      } else if (stat?.isFile()) files.push(rel);
    }
  };
  walk('');
  return sha256(files.map(f => `${f}\0${sha256(fs.readFileSync(path.join(dir, f)))}\n`).join(''));
}

/** Resolves a chart version from `source` (default: the chart's own repository). */
export function resolveChart(chart: ChartDefinition, version: string, source?: ChartSource): ResolvedChart {
  return (source ?? ChartSource.default(chart))._resolve(chart, version);
}
