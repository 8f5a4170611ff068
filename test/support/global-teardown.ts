// jest globalTeardown: stops the run's control plane (after passing and failing runs alike; signals and a dying
// jest are handled by ControlPlane itself), prints one line of what it measured, then tears down run-env.ts.
import { ControlPlane, formatStopReport } from './control-plane';
import { RUN_CONTROL_PLANE } from './global-setup';
import { teardown as tearDownRunEnvironment } from './run-env';

export default async function globalTeardown(): Promise<void> {
  const controlPlane = (globalThis as Record<symbol, unknown>)[RUN_CONTROL_PLANE] as ControlPlane | undefined;
  delete (globalThis as Record<symbol, unknown>)[RUN_CONTROL_PLANE];
  try {
    if (controlPlane) console.log(formatStopReport(controlPlane.stop()));
  } finally {
    tearDownRunEnvironment();
  }
}
