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

/**
 * SHA-256 of strings or bytes one after the other, hex: the digest of their concatenation, without making it (a key
 * made of a short prefix and a CRD's text: 7 ms to hash 5.2 MB in parts, 18 ms joined first, 2-core machine, 2026-12-07).
 */
export function sha256(...parts: Array<string | Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
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

/**
 * A content-addressed store of values under {@link cacheRoot}: one file per key, written to a
 * temporary file and renamed into place, so concurrent synths never read a half-written entry.
 * Each entry carries the SHA-256 of its body: a corrupt or truncated entry reads as a miss (and is
 * removed), never as a wrong value. Values are serialized with v8's structured clone, which keeps
 * what JSON loses (NaN, -0, Infinity).
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
      bytes = fs.readFileSync(file);
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
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(partial, Buffer.concat([createHash('sha256').update(body).digest(), body]));
      fs.renameSync(partial, file);
    } catch {
      fs.rmSync(partial, { force: true });
    }
  }

  /** Whether an entry is stored under `key` (not whether it is whole: {@link get} checks that). */
  public has(key: string): boolean {
    return this.enabled && fs.existsSync(this.fileOf(key));
  }

  /** The file an entry lives in (for tests that damage one on purpose). */
  public fileOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }
}
