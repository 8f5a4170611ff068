// jest globalTeardown of the unit tests: removes the run's cache folder and lock (see run-env.ts).
import { teardown } from './run-env';

export default teardown;
