import * as fs from 'fs';
import * as path from 'path';

/**
 * Runs a cdk8s app's entry file in this process. A `.ts` app needs a TypeScript loader: the one this
 * process already has (this project's scripts run under sucrase), else ts-node installed beside the
 * app, without type-checking (`tsc` does that in the app's tests). A missing or unusable ts-node is an
 * error that says what to install.
 */
export function loadApp(app: string): void {
  if (!fs.existsSync(app)) {
    throw new Error(`the app entry file ${app} does not exist; pass --app <file> (a .js or .ts file that builds an App and calls app.synth())`);
  }
  if (app.endsWith('.ts') && !require.extensions['.ts']) registerTsNode(app);
  const resolved = require.resolve(app);
  // The same app may run twice in one process (a synth, then another): run it again, not from the cache.
  delete require.cache[resolved];
  try {
    require(resolved);
  } catch (e) {
    // Only the error's message reaches the user: a stack trace of the app says nothing about the fix.
    throw new Error(e instanceof Error ? e.message : String(e));
  }
}

function registerTsNode(app: string): void {
  const from = { paths: [path.dirname(app), process.cwd()] };
  let register: string;
  try {
    register = require.resolve('ts-node/register/transpile-only', from);
  } catch {
    throw new Error(`${path.basename(app)} is TypeScript, and running it needs ts-node beside the app: npm install --save-dev ts-node typescript@5.9 (or compile the app and pass its .js file)`);
  }
  let typescriptVersion: string | undefined;
  try {
    typescriptVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json', from), 'utf8')).version;
  } catch {
    throw new Error(`ts-node is installed but TypeScript is not: npm install --save-dev typescript@5.9`);
  }
  if (Number(typescriptVersion!.split('.')[0]) >= 7) {
    throw new Error(`the app has TypeScript ${typescriptVersion}, whose native compiler ts-node cannot load; pin TypeScript 5.9 (npm install --save-dev typescript@5.9), as the cdk8s app template does, or compile the app and pass its .js file`);
  }
  require(register);
}
