// jest.config.js plus the integration tests' control plane: the unit tests and the integration tests
// (test/*.integration.test.ts) against a real Kubernetes 1.32 control plane from ../shared/kubernetes.
// globalSetup does what run-env.ts does and starts the control plane in the background, the integration tests
// run last and wait for it, globalTeardown stops it. `npx jest -c jest.integration.config.js` runs everything;
// add `integration` to run only the integration tests.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testSequencer: '<rootDir>/test/support/integration-tests-last.js',
};
