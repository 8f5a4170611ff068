import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeSynth, synthesize } from '../lib/commands/synth';

const MAIN = path.join(__dirname, '..', 'main.ts');
const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

/** Every file under `dir` with its bytes. */
function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

describe('synthesize (npm run synth)', () => {
  let parent: string;
  let outdir: string;
  beforeAll(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    outdir = path.join(parent, 'dist');
  });
  afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));

  test('writes the validated reference stack and reports each render', () => {
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'stale.k8s.yaml'), 'left from an older synth');
    const result = synthesize({ app: MAIN, outdir });
    expect(Object.keys(snapshotDir(outdir))).toEqual(result.files.map(f => f.file));
    expect(result.files).toHaveLength(5);
    expect(result.validation.problems).toEqual([]);
    expect(result.renders.map(r => `${r.chart} ${r.version}`)).toEqual(['longhorn 1.12.1', 'kube-prometheus-stack 88.5.3']);
    const lines = describeSynth(result, 'dist');
    expect(lines[0]).toMatch(/^longhorn 1\.12\.1 in longhorn-system: \d+ objects; left out \d Helm hook object\(s\): .*Job\/longhorn-uninstall \(pre-delete\)/);
    expect(lines[1]).toMatch(/^kube-prometheus-stack 88\.5\.3 in monitoring: \d+ objects; left out 3 Helm hook object\(s\): .*\(test\)/);
    expect(lines[2]).toMatch(/^validated \d+ objects against Kubernetes 1\.28 and \d+ custom resources against their CRDs$/);
    expect(fs.statSync(outdir).mode & 0o777).toBe(0o755);
    expect(lines.filter(l => l.startsWith('open '))).toEqual([
      'open http://<node-ip>:30300  (monitoring/kube-prometheus-stack-grafana)',
      'open http://<node-ip>:30090  (monitoring/kube-prometheus-stack-prometheus)',
    ]);
  });

  test('a second synth gives the same bytes', () => {
    const first = snapshotDir(outdir);
    synthesize({ app: MAIN, outdir });
    expect(snapshotDir(outdir)).toEqual(first);
  });

  test.each([
    ['props are invalid', 'bad-props-app.ts', 'replicaCount is 3 but the cluster has 2 node(s) that can hold replicas'],
    ['the output fails validation', 'invalid-output-app.ts', 'the output has 1 problem(s)'],
  ])('fails when %s, leaving the previous output byte-identical and no staging folder behind', (_case, app, message) => {
    const before = snapshotDir(outdir);
    expect(() => synthesize({ app: fixture(app), outdir })).toThrow(message);
    expect(snapshotDir(outdir)).toEqual(before);
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('passes on the app\'s warnings: a plain-text password is allowed only with one', () => {
    const result = synthesize({ app: fixture('plaintext-password-app.ts'), outdir: path.join(parent, 'plaintext') });
    expect(result.warnings).toContain("Grafana's admin password is written into the output in plain text (GrafanaAdminCredentials.unsafePlaintext)");
    fs.rmSync(path.join(parent, 'plaintext'), { recursive: true, force: true });
  });

  test('names file, kind, name and path of an invalid object', () => {
    expect(() => synthesize({ app: fixture('invalid-output-app.ts'), outdir }))
      .toThrow('broken.k8s.yaml: Deployment default/web at /spec/replicas: must be integer');
  });
});
