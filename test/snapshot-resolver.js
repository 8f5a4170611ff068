// Keeps snapshots in the project's top-level __snapshots__/ folder (the cdk8s app layout).
const path = require('path');
const dir = path.join(__dirname, '..', '__snapshots__');
module.exports = {
  resolveSnapshotPath: (testPath, ext) => path.join(dir, path.basename(testPath) + ext),
  resolveTestPath: (snapshotPath, ext) => path.join(__dirname, path.basename(snapshotPath, ext)),
  testPathForConsistencyCheck: path.join(__dirname, 'namespace.test.ts'),
};
