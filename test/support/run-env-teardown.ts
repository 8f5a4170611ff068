import { teardown } from './run-env';

export default teardown;
