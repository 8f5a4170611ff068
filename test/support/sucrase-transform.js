// jest transform: TypeScript to CommonJS with sucrase, without type-checking (`tsc --noEmit` in `npm test`
// does that). An order of magnitude faster than ts-jest on the 6 MB generated imports/.
const crypto = require('crypto');
const { transform } = require('sucrase');
const { version } = require('sucrase/package.json');

module.exports = {
  process(source, filename) {
    return { code: transform(source, { transforms: ['typescript', 'imports'], filePath: filename, production: true }).code };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(`${version}\0${filename}\0`).update(source).digest('hex');
  },
};
