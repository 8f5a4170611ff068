import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';

/**
 * The folder every cache of this library lives under: `CDK8S_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/cdk8s-monitoring-stack`, else `~/.cache/cdk8s-monitoring-stack`.
 * Deleting it is always safe: everything in it is derived and is made again on the next synth.
 */
export function cacheRoot(): string {
  if (process.env.CDK8S_CACHE_DIR) return path.resolve(process.env.CDK8S_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'cdk8s-monitoring-stack');
}

/** SHA-256 of a string or bytes, hex. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The version of an installed package, or 'none'. */
export function packageVersion(name: string): string {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return 'none';
  }
}

/**
 * A digest of the code a cached result depends on: source files of this library (paths, as
 * `require.resolve` gives them) and the versions of packages. Part of cache keys, so that changed
 * code never reads what older code stored.
 */
export function codeIdentity(modules: readonly string[], packages: readonly string[]): string {
  return sha256([...modules.map(file => fs.readFileSync(file, 'utf8')), ...packages.map(p => `${p}@${packageVersion(p)}`)].join('\0'));
}

/**
 * A Map of at most `limit` entries; a new key beyond that drops the oldest first. For in-process caches
 * of values that can be made again (from the disk cache or from scratch), so none grows without bound
 * in a long process (a test run, a watch).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  public set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

/** Buffers kept in this process by key; once they pass `maxBytes` in all, the oldest are dropped. */
export class MemoryCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The buffer kept under `key`, or undefined. */
  public get(key: string): Buffer | undefined {
    return this.entries.get(key);
  }

  /** Keeps `value` under `key` (in place of what was there), then drops the oldest entries past the bound. */
  public set(key: string, value: Buffer): void {
    this.bytes += value.length - (this.entries.get(key)?.length ?? 0);
    this.entries.set(key, value);
    for (const [oldest, kept] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= kept.length;
    }
  }
}

const HEADER_BYTES = 32;

/** An entry on its way to disk: its bytes, and the temporary file they are written to before the rename. */
interface PendingWrite {
  readonly data: Buffer;
  readonly partial: string;
}

/**
 * The entries of every DiskCache not on disk yet, by file. Creating a file (and its shard folder) costs about a
 * millisecond on the 2-core build machine (ext4 in a VM), and a cold synth of the reference stack stores about 200
 * entries: written by the synth's own thread, a cold synth took 2.01 s (median of 13, alternating, 2026-12-07); with the
 * files made by libuv's thread pool while the synth goes on, 1.66 s. Entries are read from here until they are on disk,
 * and what is still here when the process exits is written then. One map for the process, shared by every copy of this
 * module (jest's isolated modules, two copies of the library), so each reads what another stored.
 */
const pendingWrites: Map<string, PendingWrite> = ((globalThis as Record<symbol, unknown>)[Symbol.for('cdk8s-monitoring-stack.pending-cache-writes')] ??= (() => {
  const pending = new Map<string, PendingWrite>();
  process.on('exit', () => writePendingNow(pending));
  return pending;
})()) as Map<string, PendingWrite>;

/** Writes every cache entry still on its way to disk, here and now (for tests that look at the files). */
export function finishCacheWrites(): void {
  writePendingNow(pendingWrites);
}

/** Writes what is still pending, here and now (an unfinished write in the thread pool then renames the same bytes). */
function writePendingNow(pending: Map<string, PendingWrite>): void {
  for (const [file, write] of pending) {
    pending.delete(file);
    writeEntry(file, write.data);
    fs.rmSync(write.partial, { force: true });
  }
}

function temporaryFile(file: string): string {
  return `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
}

/** Writes an entry to a temporary file and renames it into place; a cache that cannot be written is skipped. */
function writeEntry(file: string, data: Buffer): void {
  const partial = temporaryFile(file);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(partial, data);
    fs.renameSync(partial, file);
  } catch {
    fs.rmSync(partial, { force: true });
  }
}

/**
 * A content-addressed store of values under {@link cacheRoot}: one file per key, written to a
 * temporary file and renamed into place, so concurrent synths never read a half-written entry.
 * Each entry carries the SHA-256 of its body: a corrupt or truncated entry reads as a miss (and is
 * removed), never as a wrong value. Values are serialized with v8's structured clone, which keeps
 * what JSON loses (NaN, -0, Infinity). Writes finish in the background ({@link pendingWrites}).
 */
export class DiskCache {
  /**
   * @param name subfolder of the cache root, e.g. 'renders'
   * @param enabled false turns every read into a miss and every write into nothing
   * @param root the folder it is a subfolder of (default {@link cacheRoot})
   */
  constructor(private readonly name: string, private readonly enabled = process.env.CDK8S_CACHE !== 'off', private readonly root: () => string = cacheRoot) {}

  /** The folder of this cache. */
  public get dir(): string {
    return path.join(this.root(), this.name);
  }

  /** The value stored under `key`, or undefined on a miss or a corrupt entry. */
  public get<T>(key: string): T | undefined {
    if (!this.enabled) return undefined;
    const file = this.fileOf(key);
    let bytes: Buffer;
    try {
      bytes = pendingWrites.get(file)?.data ?? fs.readFileSync(file);
    } catch {
      return undefined;
    }
    const body = bytes.subarray(HEADER_BYTES);
    if (bytes.length < HEADER_BYTES || !createHash('sha256').update(body).digest().equals(bytes.subarray(0, HEADER_BYTES))) {
      fs.rmSync(file, { force: true });
      return undefined;
    }
    try {
      return v8.deserialize(body) as T;
    } catch {
      fs.rmSync(file, { force: true });
      return undefined;
    }
  }

  /** Stores `value` under `key`; a cache that cannot be written is skipped, never an error of the synth. */
  public put(key: string, value: unknown): void {
    if (!this.enabled) return;
    const file = this.fileOf(key);
    const body = v8.serialize(value);
    const write: PendingWrite = { data: Buffer.concat([createHash('sha256').update(body).digest(), body]), partial: temporaryFile(file) };
    pendingWrites.set(file, write);
    const done = () => {
      if (pendingWrites.get(file) === write) pendingWrites.delete(file);
    };
    const failed = () => fs.rm(write.partial, { force: true }, done);
    fs.mkdir(path.dirname(file), { recursive: true }, mkdirError => {
      if (mkdirError) return done();
      fs.writeFile(write.partial, write.data, writeError => {
        if (writeError) return failed();
        fs.rename(write.partial, file, renameError => (renameError ? failed() : done()));
      });
    });
  }

  /** Whether an entry is stored under `key` (not whether it is whole: {@link get} checks that). */
  public has(key: string): boolean {
    return this.enabled && (pendingWrites.has(this.fileOf(key)) || fs.existsSync(this.fileOf(key)));
  }

  /** The file an entry lives in (for tests that damage one on purpose: {@link finishCacheWrites} first). */
  public fileOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }
}
