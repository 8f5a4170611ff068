// jest globalTeardown: stops the run's control plane (after passing and failing runs alike; signals and a
// dying jest are handled by ControlPlane itself) and prints one line of what it measured.
import { ControlPlane, formatStopReport } from './control-plane';
import { RUN_CONTROL_PLANE } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const controlPlane = (globalThis as Record<symbol, unknown>)[RUN_CONTROL_PLANE] as ControlPlane | undefined;
  if (!controlPlane) return;
  delete (globalThis as Record<symbol, unknown>)[RUN_CONTROL_PLANE];
  console.log(formatStopReport(controlPlane.stop()));
}
