// jest globalSetup: the run's environment (run-env.ts: charts.lock, chart folder), then the run's control plane, started in
// the background so that it comes up while the unit tests run; integration tests wait for it. Where the harness is
// missing it skips them with one line, and in CI (CI=true) it fails the run instead.
import { ControlPlane } from './control-plane';
import { describeMissing, isCI, missingPrerequisites } from './harness';
import setUpRunEnvironment from './run-env';
import { SKIP_ENV, STATE_ENV } from './shared-control-plane';

/** Where global-teardown.ts finds the control plane (globalSetup and globalTeardown share the jest process). */
export const RUN_CONTROL_PLANE = Symbol.for('cdk8s-monitoring-stack.control-plane');

export default async function globalSetup(): Promise<void> {
  const missing = missingPrerequisites();
  if (missing.length > 0 && isCI()) throw new Error(`CI=true and ${describeMissing(missing)}`);
  setUpRunEnvironment();
  if (missing.length > 0) {
    const message = describeMissing(missing);
    process.env[SKIP_ENV] = message;
    console.warn(`integration tests skipped: ${message}`);
    return;
  }
  let controlPlane: ControlPlane;
  try {
    controlPlane = await ControlPlane.start();
  } catch (e) {
    // the harness's programs could not be built (offline with an empty cache, say): outside CI, a skip like a
    // missing prerequisite's; in CI, the failure
    if (isCI()) throw e;
    const message = `the cluster harness could not start: ${(e as Error).message.split('\n')[0]}`;
    process.env[SKIP_ENV] = message;
    console.warn(`integration tests skipped: ${message}`);
    return;
  }
  (globalThis as Record<symbol, unknown>)[RUN_CONTROL_PLANE] = controlPlane;
  process.env[STATE_ENV] = controlPlane.stateDir; // jest starts its workers after globalSetup: they inherit it
}
