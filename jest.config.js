/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The tests against a real control plane run with jest.integration.config.js (npm run test:cluster).
  testPathIgnorePatterns: ['\\.integration\\.test\\.ts$'],
  // Type-checking is `tsc --noEmit`, run beside jest by `npm test`; jest only transpiles.
  transform: { '^.+\\.ts$': '<rootDir>/test/support/sucrase-transform.js' },
  // Not under the OS temporary folder: `npm test` points TMPDIR at a folder of its own that it removes at the
  // end, which would make every run transform every file again.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // One charts.lock for the run, shared by its workers (renders share the cache: see run-env.ts).
  globalSetup: '<rootDir>/test/support/run-env.ts',
  globalTeardown: '<rootDir>/test/support/run-env-teardown.ts',
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  // Two workers on two cores: much of a test's time is helm running in a process of its own.
  maxWorkers: 2,
  // A worker that has grown past this is replaced between test files, so no one holds every render;
  // `npm test` (scripts/test.js) also caps the workers' heap at 384 MB (they collect garbage sooner):
  // each process of the run stays under 600 MB. A new worker loads every module again: on the first run
  // (empty caches) 350 MB took 45.3, 47.5 and 46.9 s (peak worker 526-554 MB) where 200 MB took 49.3-54.9 s;
  // 450 MB, 48.1 s.
  workerIdleMemoryLimit: '350MB',
  testTimeout: 120000,
};
