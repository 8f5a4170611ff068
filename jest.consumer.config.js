// The consumer test alone (npm run test:consumer): pack, install offline into a cdk8s init-style app, synthesize.
// It needs no control plane, so it keeps jest.config.js's run environment; CI runs it with `npm run test:cluster`.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/consumer.integration.test.ts'],
  testPathIgnorePatterns: [],
};
