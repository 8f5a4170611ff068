// jest globalTeardown of the unit tests: removes the run's folder and its charts.lock (see run-env.ts).
import { teardown } from './run-env';

export default teardown;
