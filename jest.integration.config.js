// The tests against a real Kubernetes 1.35 control plane of the project's cluster harness (test/cluster; see the
// README's "Tests and the cluster harness"), test/*.integration.test.ts:
// globalSetup prepares the run's environment as jest.config.js does and starts one control plane for the run,
// globalTeardown stops it. Where the harness is missing they skip with one line; with CI=true that fails the run.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/*.integration.test.ts'],
  testPathIgnorePatterns: [],
  // One control plane for the run: its tests take turns, so none sees another's half-deployed stack.
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
