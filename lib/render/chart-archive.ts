import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ChartPin } from './chart-pins';
import { helmBinary } from './bundled-binaries';

/** How long `helm pull` may try before the render gives up (a closed network must never hang a synth). */
const PULL_TIMEOUT_MS = 60_000;

/**
 * The folder holding packaged charts: `CDK8S_CHARTS_DIR` if set (relative to the working directory),
 * else `charts/` in the working directory.
 */
export function chartsDir(): string {
  return path.resolve(process.env.CDK8S_CHARTS_DIR ?? 'charts');
}

/**
 * The path of the packaged archive of `pin` at `version`, verified against its pinned digest.
 *
 * Found in {@link chartsDir}; if absent there, pulled once from the chart's repository into that folder.
 */
export function chartArchive(pin: ChartPin, version: string): string {
  const digest = pin.versions[version];
  if (!digest) {
    throw new Error(`chart ${pin.name} version '${version}' is not pinned; pinned versions: ${Object.keys(pin.versions).join(', ')}`);
  }
  const dir = chartsDir();
  const file = path.join(dir, `${pin.name}-${version}.tgz`);
  if (!fs.existsSync(file)) {
    pull(pin, version, dir);
  }
  verifyDigest(file, digest, pin, version);
  return file;
}

/** Puts every pinned version of `pins` into {@link chartsDir}, pulling only what is missing. Returns the archive paths. */
export function vendorCharts(pins: readonly ChartPin[]): string[] {
  return pins.flatMap(pin => Object.keys(pin.versions).map(version => chartArchive(pin, version)));
}

function pull(pin: ChartPin, version: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const result = spawnSync(helmBinary(), [
    'pull', pin.name, '--repo', pin.repository, '--version', version, '--destination', dir,
  ], { encoding: 'utf8', timeout: PULL_TIMEOUT_MS });
  if (result.status !== 0) {
    const reason = result.error ? result.error.message : (result.stderr || '').trim();
    throw new Error([
      `chart ${pin.name} ${version} is not in ${dir} and could not be pulled from ${pin.repository}: ${reason}`,
      `Searched: ${path.join(dir, `${pin.name}-${version}.tgz`)} (set CDK8S_CHARTS_DIR to use another folder).`,
      `Fix: run 'npm run vendor' on a machine with network access and copy ${dir} here, or point CDK8S_CHARTS_DIR at a folder that holds ${pin.name}-${version}.tgz.`,
    ].join('\n'));
  }
}

function verifyDigest(file: string, expected: string, pin: ChartPin, version: string): void {
  const actual = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (actual !== expected) {
    throw new Error(`${file} has SHA-256 ${actual} but ${pin.name} ${version} is pinned to ${expected}; delete the file and run 'npm run vendor', or fetch the exact upstream archive`);
  }
}
