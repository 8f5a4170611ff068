import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// jest globalSetup/globalTeardown: one cache folder and one charts.lock for the whole run, shared by
// every worker (they inherit this environment), so identical renders are made once per run and no
// test writes the project's own lock file. Charts come from ../shared/charts unless a test says otherwise.
const RUN_DIR = 'CDK8S_TEST_RUN_DIR';

export default function setup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-test-run-'));
  process.env[RUN_DIR] = dir;
  process.env.CDK8S_CACHE_DIR ??= path.join(dir, 'cache');
  // One unpacked helm for the run, also for tests that use a cache folder of their own.
  process.env.CDK8S_TOOLS_DIR ??= path.join(dir, 'tools');
  process.env.CDK8S_CHARTS_LOCK = path.join(dir, 'charts.lock');
  process.env.CDK8S_CHARTS_DIR ??= path.resolve(__dirname, '..', '..', '..', 'shared', 'charts');
}

export function teardown(): void {
  const dir = process.env[RUN_DIR];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
