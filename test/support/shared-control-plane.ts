// The one control plane a jest run shares: global-setup.ts starts it in the background and hands its state
// folder to the test workers through the environment; test files wait for it in their first hook.
import { ControlPlane } from './control-plane';

/** Set by global-setup.ts: the state folder of the run's control plane. */
export const STATE_ENV = 'CONTROL_PLANE_STATE';
/** Set by global-setup.ts instead of STATE_ENV where there is no control plane (outside CI): why. */
export const SKIP_ENV = 'CONTROL_PLANE_SKIP';

/** Why integration tests cannot run in this jest run, or undefined when they can. */
export function controlPlaneSkipReason(): string | undefined {
  if (process.env[SKIP_ENV]) return process.env[SKIP_ENV];
  if (!process.env[STATE_ENV]) {
    return 'no control plane was started for this run: run jest with jest.integration.config.js (globalSetup test/support/global-setup.ts)';
  }
  return undefined;
}

/**
 * `describe` for tests that need the run's control plane; without one, `describe.skip` with the reason in its
 * name (global-setup.ts has said why in one line; without global-setup.ts each such describe says it here).
 */
export function describeWithControlPlane(name: string, fn: () => void): void {
  const skipReason = controlPlaneSkipReason();
  if (skipReason) {
    if (!process.env[SKIP_ENV]) process.stderr.write(`integration tests skipped: ${name}: ${skipReason}\n`);
    describe.skip(`${name} [skipped: ${skipReason}]`, fn);
  } else {
    describe(name, fn);
  }
}

/** The run's control plane, once it is ready. Use it in `beforeAll` with a timeout of SHARED_CONTROL_PLANE_TIMEOUT_MS. */
export async function sharedControlPlane(): Promise<ControlPlane> {
  const stateDir = process.env[STATE_ENV];
  if (!stateDir) throw new Error(controlPlaneSkipReason());
  const controlPlane = new ControlPlane(stateDir);
  await controlPlane.ready();
  return controlPlane;
}

/** A `beforeAll` timeout long enough for the control plane's start-up (and sim.sh). */
export const SHARED_CONTROL_PLANE_TIMEOUT_MS = 300_000;

/** Polls `probe` every `intervalMs` until it returns a value, or fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => T | undefined, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s`);
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
