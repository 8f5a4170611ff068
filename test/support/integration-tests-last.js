// jest testSequencer: jest's own order, but the integration tests (*.integration.test.ts) last, so that the
// control plane global-setup.ts starts in the background comes up while the unit tests run.
const Sequencer = require('@jest/test-sequencer').default;

const isIntegrationTest = test => /\.integration\.test\.ts$/.test(test.path);

class IntegrationTestsLast extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter(t => !isIntegrationTest(t)), ...sorted.filter(isIntegrationTest)];
  }
}

module.exports = IntegrationTestsLast;
