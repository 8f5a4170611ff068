import * as fs from 'fs';
import * as path from 'path';
import * as semver from 'semver';
import * as YAML from 'yaml';
import { BoundedMap } from './cache';

/** One chart archive an app renders, as recorded the first time it was used. */
export interface ChartLockEntry {
  /** Chart name. */
  readonly name: string;
  /** Chart version. */
  readonly version: string;
  /** Where the archive came from: a repository URL, an OCI reference, or `file:<path>`. */
  readonly source: string;
  /** SHA-256 of the archive (of the files, for a chart folder). */
  readonly sha256: string;
}

const HEADER = [
  '# The chart archives this app renders, with the SHA-256 of each. Commit this file: every synth',
  '# checks each archive against it and stops on a mismatch. Written by the first synth (or vendor)',
  '# that uses a chart version; to accept a new archive on purpose, see the README ("Charts").',
].join('\n');

/** The lock file of the app in the working directory: `CDK8S_CHARTS_LOCK`, else `charts.lock`. */
export function chartLockPath(): string {
  return path.resolve(process.env.CDK8S_CHARTS_LOCK ?? 'charts.lock');
}

/** Reads the lock file; an absent file is an empty lock. Throws, naming the file, when it is not a lock. */
export function readChartLock(file = chartLockPath()): ChartLockEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  let entries = parsedLocks.get(text);
  if (!entries) {
    entries = parseLock(file, text);
    parsedLocks.set(text, entries);
  }
  return [...entries];
}

/** The entries of a lock file's text, frozen (they are shared by every read of the same text). */
function parseLock(file: string, text: string): readonly ChartLockEntry[] {
  const data = YAML.parse(text) as { charts?: unknown } | null;
  const charts = data?.charts ?? [];
  const valid = Array.isArray(charts) && charts.every(c => c && typeof c === 'object'
    && ['name', 'version', 'source', 'sha256'].every(k => typeof (c as Record<string, unknown>)[k] === 'string'));
  if (!valid) {
    throw new Error(`${file} is not a chart lock: expected 'charts:' with entries of name, version, source and sha256; fix or delete the file (the next synth writes it again)`);
  }
  return Object.freeze((charts as ChartLockEntry[]).map(c => Object.freeze({ ...c })));
}

// Every render checks its archive against the lock: each lock text is parsed once per process.
const parsedLocks = new BoundedMap<string, readonly ChartLockEntry[]>(16);

/** The entry for a chart version, if the lock has one. */
export function lockedEntry(name: string, version: string, file = chartLockPath()): ChartLockEntry | undefined {
  return readChartLock(file).find(e => e.name === name && e.version === version);
}

/**
 * Adds or replaces the entry for `entry.name`/`entry.version`. The file is read again just before
 * writing and replaced by a rename, so concurrent synths keep each other's entries.
 */
export function recordChartLock(entry: ChartLockEntry, file = chartLockPath()): void {
  writeLock(file, [...others(file, entry.name, entry.version), entry]);
}

/** Removes the entry for a chart version (to accept a new archive on purpose); true when there was one. */
export function removeChartLockEntry(name: string, version: string, file = chartLockPath()): boolean {
  const kept = others(file, name, version);
  if (kept.length === readChartLock(file).length) return false;
  writeLock(file, kept);
  return true;
}

function others(file: string, name: string, version: string): ChartLockEntry[] {
  return readChartLock(file).filter(e => !(e.name === name && e.version === version));
}

function writeLock(file: string, unsorted: ChartLockEntry[]): void {
  const entries = [...unsorted].sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.version, b.version));
  const text = `${HEADER}\n${YAML.stringify({ charts: entries.map(e => ({ name: e.name, version: e.version, source: e.source, sha256: e.sha256 })) })}`;
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, file);
}

function compareVersions(a: string, b: string): number {
  return semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : a.localeCompare(b);
}
