// Loads this project's TypeScript without type-checking (tsc does that in `npm test`), for the
// synth, deploy and vendor scripts: sucrase strips the types (keeping line numbers, so stack traces
// point at the .ts lines), and each result is kept by the file's content under
// node_modules/.cache, so a warm run does not even load the transpiler.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const cacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'cdk8s-monitoring-stack', 'ts');
const version = require('sucrase/package.json').version;
let sucrase;

require.extensions['.ts'] = (module, filename) => {
  const code = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(`${version}\0${filename}\0`).update(code).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    sucrase = sucrase || require('sucrase');
    js = sucrase.transform(code, { transforms: ['typescript', 'imports'], filePath: filename }).code;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const partial = `${cached}.${process.pid}.partial`;
      fs.writeFileSync(partial, js);
      fs.renameSync(partial, cached);
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
  module._compile(js, filename);
};
