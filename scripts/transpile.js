// TypeScript to CommonJS without type-checking (tsc does that in `npm test`), shared by the npm
// scripts' loader (register-ts.js) and jest's transform (test/support/sucrase-transform.js): sucrase
// strips the types and keeps line numbers, so stack traces point at the .ts lines.
const crypto = require('crypto');

const TRANSFORMS = ['typescript', 'imports'];
const version = `${require('sucrase/package.json').version} ${TRANSFORMS.join(',')}`;
let sucrase;

/** The JavaScript for `code`, the TypeScript source of `filename`. */
function transpile(code, filename) {
  sucrase = sucrase || require('sucrase');
  return sucrase.transform(code, { transforms: TRANSFORMS, filePath: filename }).code;
}

/** What a transpiled result is kept by: the transpiler's version and options, the file and its source. */
function cacheKey(code, filename) {
  return crypto.createHash('sha256').update(`${version}\0${filename}\0`).update(code).digest('hex');
}

module.exports = { transpile, cacheKey };
