// Loads this project's TypeScript without type-checking for the synth, deploy and vendor scripts
// (see transpile.js); each result is kept by the file's content under node_modules/.cache, so a warm
// run does not even load the transpiler.
const fs = require('fs');
const path = require('path');
const { cacheKey, transpile } = require('./transpile');

const cacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'cdk8s-monitoring-stack', 'ts');

require.extensions['.ts'] = (module, filename) => {
  const code = fs.readFileSync(filename, 'utf8');
  const cached = path.join(cacheDir, `${cacheKey(code, filename)}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    js = transpile(code, filename);
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
