import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AppProps } from 'cdk8s';
import { MonitoringApp } from '../../lib';
import { readOutputObjects } from '../../lib/output/validation';
import { KubeManifest } from '../../lib/render/manifest-parse';

/** One written file: its path relative to the output folder, its text and its objects. */
export interface SynthesizedFile {
  readonly file: string;
  readonly text: string;
  readonly objects: KubeManifest[];
}

/**
 * Builds an app with `build` and runs `app.synth()` (as `cdk8s synth` does) into a temporary folder,
 * then reads back every file, subfolders included. The folder is removed again.
 */
export function synthApp(build: (app: App) => void, props: AppProps = {}): SynthesizedFile[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-'));
  try {
    const app = new MonitoringApp({ ...props, outdir });
    build(app);
    app.synth();
    return readTree(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every YAML file under `dir`, in name order, as relative paths with their objects. */
export function readTree(dir: string): SynthesizedFile[] {
  const folders = [dir, ...fs.readdirSync(dir, { withFileTypes: true }).filter(e => e.isDirectory()).map(e => path.join(dir, e.name))];
  return folders.flatMap(folder => fs.readdirSync(folder).filter(name => name.endsWith('.yaml')).map(name => {
    const bytes = fs.readFileSync(path.join(folder, name));
    let text: string | undefined;
    let objects: KubeManifest[] | undefined;
    // Decoded and parsed when asked for: most tests look at a few files' objects only, and the CRD file
    // (4.7 MB, not ASCII) is slow to decode and to copy.
    return {
      file: path.relative(dir, path.join(folder, name)),
      get text() { return text ??= bytes.toString('utf8'); },
      get objects() { return objects ??= readOutputObjects(bytes); },
    };
  })).sort((a, b) => a.file.localeCompare(b.file));
}
