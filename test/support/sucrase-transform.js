// jest transform: the same transpiler as the npm scripts (scripts/transpile.js), without type-checking
// (`tsc --noEmit` in `npm test` does that). An order of magnitude faster than ts-jest on the 6 MB
// generated imports/; jest keeps the results in its own cache.
const { cacheKey, transpile } = require('../../scripts/transpile');

module.exports = {
  process: (source, filename) => ({ code: transpile(source, filename) }),
  getCacheKey: (source, filename) => cacheKey(source, filename),
};
