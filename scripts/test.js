// npm test: type-checks (tsc) and runs the unit tests (jest) side by side, since tsc runs on one core and
// jest's workers leave the machine idle while they start and finish. A type error still fails fast: when
// tsc fails, its errors are printed and jest is stopped. Arguments go to jest (`npm test -- test/x.test.ts`).
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
// Everything the run writes to a temporary folder goes under this one, removed at the end even when
// jest is stopped before its own teardown.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-npm-test-'));

const tscArgs = ['--noEmit', '--incremental', '--tsBuildInfoFile', path.join(root, 'node_modules', '.cache', 'cdk8s-monitoring-stack', 'tsbuildinfo')];
// tsc's node with a larger young generation and its garbage collection on its own thread: a first type-check took
// 8.9 s of CPU (5.7 s wall), 7.6 s (5.0 s) so (2-core machine, 2026-12-06): CPU that jest's workers get instead.
const tscNode = ['--max-semi-space-size=16', '--single-threaded-gc'];
const tsc = spawn(process.execPath, [...tscNode, require.resolve('typescript/bin/tsc'), ...tscArgs], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let tscOutput = '';
tsc.stdout.on('data', chunk => { tscOutput += chunk; });
tsc.stderr.on('data', chunk => { tscOutput += chunk; });

// Workers collect garbage before their heap passes 384 MB (jest.config.js replaces a worker past 200 MB
// between files): each process of the run stays under 600 MB. glibc's malloc backs the workers' large
// buffers (files, helm's output) with transparent huge pages where the kernel allows it on request: the
// tests allocate and free hundreds of MB of them, and a fault per 4 KB page was ~20 % of the workers'
// page faults (other C libraries and systems ignore the setting; a hugetlb setting of your own is kept).
const tunables = process.env.GLIBC_TUNABLES ?? '';
const env = {
  ...process.env,
  TMPDIR: tmp,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=384`.trim(),
  GLIBC_TUNABLES: /(^|:)glibc\.malloc\.hugetlb=/.test(tunables) ? tunables : [tunables, 'glibc.malloc.hugetlb=1'].filter(Boolean).join(':'),
};
// In a process group of its own, so that stopping it stops its workers too.
const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env, detached: true });
let jestExited = false;
const stopJest = signal => {
  if (jestExited) return;
  try { process.kill(-jest.pid, signal); } catch { /* already gone */ }
};

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => { interrupted = true; stopJest(signal); tsc.kill(signal); });
}
process.on('exit', () => {
  stopJest('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

// 'close': after the exit and after all of the output has been read.
const closed = child => new Promise(resolve => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
const tscDone = closed(tsc);
const jestDone = closed(jest).then(code => { jestExited = true; return code; });

tscDone.then(code => {
  if (code === 0 || interrupted) return;
  process.stderr.write(`\ntsc --noEmit found type errors; the tests were stopped:\n${tscOutput}`);
  stopJest('SIGKILL');
});

Promise.all([tscDone, jestDone]).then(([tscCode, jestCode]) => {
  if (tscCode === 0 && tscOutput.trim()) process.stdout.write(tscOutput);
  process.exit(tscCode !== 0 ? tscCode : jestCode);
});
