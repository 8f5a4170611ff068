import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheRoot } from '../../lib/render/cache';

// jest globalSetup/globalTeardown: one folder for the run's temporary files and charts.lock, shared by every worker (they
// inherit this environment), so no test writes the project's own lock file. Renders go to the same
// cache as `npm run synth` (CDK8S_CACHE_DIR, else ~/.cache/cdk8s-monitoring-stack): it is keyed by
// everything a render depends on, so a test never reads a render of other inputs, and a second run
// (or one after a synth) skips helm for every configuration it has seen. Tests of the cache itself
// use folders of their own. Charts come from ../shared/charts unless a test says otherwise.
const RUN_DIR = 'CDK8S_TEST_RUN_DIR';
/** TMPDIR as it was before the run ('' for unset), put back at the end (jest --watch runs setup again). */
const OUTER_TMPDIR = 'CDK8S_TEST_OUTER_TMPDIR';

export default function setup(): void {
  process.env[OUTER_TMPDIR] ??= process.env.TMPDIR ?? '';
  const dir = fs.mkdtempSync(path.join(process.env[OUTER_TMPDIR] || os.tmpdir(), 'cdk8s-test-run-'));
  process.env[RUN_DIR] = dir;
  // Every temporary file of the run (cdk8s' Testing.app() makes an output folder per app and never
  // removes it; helm and the tests make their own) goes under the run's folder, removed at the end.
  process.env.TMPDIR = path.join(dir, 'tmp');
  fs.mkdirSync(process.env.TMPDIR);
  // One unpacked helm for every run, also for tests that use a cache folder of their own.
  process.env.CDK8S_TOOLS_DIR ??= path.join(cacheRoot(), 'tools');
  process.env.CDK8S_CHARTS_LOCK = path.join(dir, 'charts.lock');
  process.env.CDK8S_CHARTS_DIR ??= path.resolve(__dirname, '..', '..', '..', 'shared', 'charts');
}

export function teardown(): void {
  const dir = process.env[RUN_DIR];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const outer = process.env[OUTER_TMPDIR];
  if (outer !== undefined) {
    if (outer) process.env.TMPDIR = outer; else delete process.env.TMPDIR;
    delete process.env[OUTER_TMPDIR];
  }
}
