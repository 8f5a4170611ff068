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
  const limit = Error.stackTraceLimit;
  // Deep enough to reach the app's own frame from inside a render or a validation.
  Error.stackTraceLimit = 100;
  try {
    require(resolved);
  } catch (e) {
    throw new AppError(e);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * An error of the app, said in one line with where in the app's own code it happened (`at main.ts:12:7`:
 * the frame nearest the throw that is neither in node_modules, nor in this library, nor in Node); the
 * whole stack stays on `cause` for `--verbose`.
 */
export class AppError extends Error {
  constructor(cause: unknown) {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    const at = appFrame(error.stack ?? '');
    super(at ? `${error.message} (at ${at})` : error.message, { cause: error });
  }
}

const LIBRARY_DIR = path.resolve(__dirname, '..');

/** The first `file:line:column` of `stack` in the app's own code, relative to the working directory. */
export function appFrame(stack: string): string | undefined {
  for (const line of stack.split('\n')) {
    const frame = /^\s+at (?:.*? \()?((?:\/|[A-Za-z]:\\)[^()]+?):(\d+):(\d+)\)?$/.exec(line);
    if (!frame) continue;
    const file = frame[1];
    if (file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith(LIBRARY_DIR + path.sep)) continue;
    return `${path.relative(process.cwd(), file) || file}:${frame[2]}:${frame[3]}`;
  }
  return undefined;
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
