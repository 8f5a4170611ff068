import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { ChartSource, Longhorn, MonitoringStack } from '../lib';
import { readChartLock } from '../lib/render/chart-lock';
import { LONGHORN_CHART } from '../lib/render/charts';
import { renderChart } from '../lib/render/render';
import { reportOf } from '../lib/render/report';
import { runCli } from './support/cli';
import { ChartRepo, repackage, SHARED_CHARTS, startChartRepo, startOciRegistry } from './support/chart-repo';

const archive = (file: string) => path.join(SHARED_CHARTS, file);

/** Runs `fn` with these environment variables set, then restores them. */
function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
  Object.entries(env).forEach(([k, v]) => (v === undefined ? delete process.env[k] : (process.env[k] = v)));
  try {
    return fn();
  } finally {
    Object.entries(saved).forEach(([k, v]) => (v === undefined ? delete process.env[k] : (process.env[k] = v)));
  }
}

/** A fresh, empty chart folder and lock file for one test. */
function freshWorkspace(): { charts: string; lock: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-ws-'));
  return { charts: path.join(dir, 'charts'), lock: path.join(dir, 'charts.lock'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const render = (version: string, source?: ChartSource, scope?: any) =>
  renderChart({ chart: LONGHORN_CHART, version, source, releaseName: 'longhorn', namespace: 'longhorn-system', values: {} }, scope);

describe('charts pulled from a mirror (CDK8S_CHART_MIRROR) on loopback', () => {
  let repo: ChartRepo;
  let repackaged: string;
  let untested: string;
  const extra = fs.mkdtempSync(path.join(os.tmpdir(), 'repackaged-'));
  beforeAll(async () => {
    // The same chart with other bytes, and a version the tests do not cover, made from the real chart.
    repackaged = repackage(archive('longhorn-1.6.2.tgz'), fs.mkdtempSync(path.join(extra, 'a-')));
    untested = repackage(archive('longhorn-1.12.1.tgz'), extra, '1.11.9');
    repo = await startChartRepo([archive('longhorn-1.6.2.tgz'), archive('longhorn-1.12.1.tgz'), untested]);
  });
  afterAll(async () => {
    await repo.close();
    fs.rmSync(extra, { recursive: true, force: true });
  });

  test('with an empty chart folder: pulls, verifies, writes the lock and renders; the next render reads the folder', () => {
    const ws = freshWorkspace();
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_MIRROR: repo.url }, () => {
        const first = render('1.12.1')!;
        expect(fs.readdirSync(ws.charts)).toEqual(['longhorn-1.12.1.tgz']);
        expect(first.resolved.digest).toBe(require('../lib/render/cache').sha256(fs.readFileSync(archive('longhorn-1.12.1.tgz'))));
        expect(readChartLock(ws.lock)).toEqual([{ name: 'longhorn', version: '1.12.1', source: repo.url, sha256: first.resolved.digest }]);
        expect(first.resolved.recorded).toBe(`charts.lock: recorded longhorn 1.12.1 sha256:${first.resolved.digest} from ${repo.url}; commit it`);
        expect(first.documents.length).toBeGreaterThan(50);
        const requests = repo.requests().length;
        render('1.12.1');
        expect(repo.requests().length).toBe(requests);
      });
    } finally {
      ws.cleanup();
    }
  });

  test('fails when the archive differs from the one charts.lock records, naming the file, both digests and how to accept it; nothing enters the chart folder', () => {
    const ws = freshWorkspace();
    try {
      const locked = 'e'.repeat(64);
      fs.writeFileSync(ws.lock, YAML.stringify({ charts: [{ name: 'longhorn', version: '1.6.2', source: 'https://charts.longhorn.io', sha256: locked }] }));
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_MIRROR: repo.url }, () => {
        expect(() => render('1.6.2')).toThrow(new RegExp([
          `charts\\.lock records longhorn 1\\.6\\.2 with SHA-256 ${locked} \\(from https://charts\\.longhorn\\.io\\),`,
          `but .*longhorn-1\\.6\\.2\\.tgz \\(from ${repo.url.replace(/\./g, '\\.')}\\) has SHA-256 [0-9a-f]{64}\\.`,
          '[^]*npx cdk8s-monitoring accept-chart longhorn@1\\.6\\.2',
        ].join('\n')));
        expect(fs.existsSync(ws.charts)).toBe(false);
      });
    } finally {
      ws.cleanup();
    }
  });

  test('fails on a repackaged archive (same chart, other bytes) once the lock holds the first one', () => {
    const ws = freshWorkspace();
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock }, () => {
        render('1.6.2', ChartSource.archive(archive('longhorn-1.6.2.tgz')));
        expect(() => render('1.6.2', ChartSource.archive(repackaged))).toThrow(/records longhorn 1\.6\.2 with SHA-256 f899c9e8[0-9a-f]* \(from file:.*longhorn-1\.6\.2\.tgz\),\nbut .* has SHA-256 /);
      });
    } finally {
      ws.cleanup();
    }
  });

  test('fails when an archive holds another chart version than its name says', () => {
    const ws = freshWorkspace();
    try {
      fs.mkdirSync(ws.charts);
      fs.copyFileSync(archive('longhorn-1.12.1.tgz'), path.join(ws.charts, 'longhorn-1.6.2.tgz'));
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock }, () => {
        expect(() => render('1.6.2')).toThrow(`${path.join(ws.charts, 'longhorn-1.6.2.tgz')} holds chart longhorn 1.12.1, not longhorn 1.6.2; delete it, or point the source at the longhorn 1.6.2 archive`);
        expect(readChartLock(ws.lock)).toEqual([]);
      });
    } finally {
      ws.cleanup();
    }
  });

  test('renders a version the tests do not cover, from the mirror, with one warning line', () => {
    const ws = freshWorkspace();
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_MIRROR: repo.url }, () => {
        const chart = Testing.chart();
        const longhorn = new Longhorn(chart, 'Longhorn', { version: '1.11.9', crdScope: chart });
        expect(longhorn.rendered!.manifests.length).toBeGreaterThan(40);
        // 1.11 is past 1.8: the replica count is given per data engine.
        const settings = YAML.parse((longhorn.rendered!.manifests.find(m => m.metadata.name === 'longhorn-default-setting') as any).data['default-setting.yaml']);
        expect(JSON.parse(settings['default-replica-count'])).toEqual({ v1: '3', v2: '3' });
        expect(reportOf(chart).warnings).toEqual(['longhorn 1.11.9 is not a version this library tests (tested: 1.6.2, 1.7.3, 1.12.1); rendering it anyway: check the output before applying it']);
      });
    } finally {
      ws.cleanup();
    }
  });

  test('reads a local archive or an unpacked chart folder, and records each as a file with its digest', () => {
    const [first, second] = [freshWorkspace(), freshWorkspace()];
    const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-folder-'));
    try {
      require('child_process').execFileSync('tar', ['-xzf', archive('longhorn-1.6.2.tgz'), '-C', unpacked]);
      const fromArchive = withEnv({ CDK8S_CHARTS_DIR: first.charts, CDK8S_CHARTS_LOCK: first.lock }, () => render('1.6.2', ChartSource.archive(archive('longhorn-1.6.2.tgz')))!);
      const fromFolder = withEnv({ CDK8S_CHARTS_DIR: second.charts, CDK8S_CHARTS_LOCK: second.lock }, () => render('1.6.2', ChartSource.folder(path.join(unpacked, 'longhorn')))!);
      expect(fromFolder.documents.map(d => d.manifest)).toEqual(fromArchive.documents.map(d => d.manifest));
      expect(readChartLock(first.lock).map(e => e.source)).toEqual([`file:${archive('longhorn-1.6.2.tgz')}`]);
      expect(readChartLock(second.lock)).toEqual([{ name: 'longhorn', version: '1.6.2', source: `file:${path.join(unpacked, 'longhorn')}`, sha256: fromFolder.resolved.digest }]);
      // One source per chart version: the folder's digest is not the archive's, and the lock says so.
      expect(() => withEnv({ CDK8S_CHARTS_DIR: first.charts, CDK8S_CHARTS_LOCK: first.lock }, () => render('1.6.2', ChartSource.folder(path.join(unpacked, 'longhorn'))))).toThrow(/records longhorn 1\.6\.2 with SHA-256 f899c9e8/);
    } finally {
      first.cleanup();
      second.cleanup();
      fs.rmSync(unpacked, { recursive: true, force: true });
    }
  });
});

describe('charts from an OCI registry', () => {
  let registry: ChartRepo;
  beforeAll(async () => {
    registry = await startOciRegistry([archive('longhorn-1.12.1.tgz'), archive('kube-prometheus-stack-88.5.3.tgz')]);
  });
  afterAll(() => registry.close());

  test('ChartSource.oci pulls the chart itself, as helm pull oci:// does, and records the reference', () => {
    const ws = freshWorkspace();
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_PLAIN_HTTP: 'true' }, () => {
        const rendered = render('1.12.1', ChartSource.oci(`${registry.url}/longhorn`))!;
        expect(rendered.resolved.digest).toBe(require('../lib/render/cache').sha256(fs.readFileSync(archive('longhorn-1.12.1.tgz'))));
        expect(readChartLock(ws.lock)).toEqual([{ name: 'longhorn', version: '1.12.1', source: `${registry.url}/longhorn`, sha256: rendered.resolved.digest }]);
        expect(registry.requests()).toContainEqual('GET /v2/charts/longhorn/manifests/1.12.1');
      });
    } finally {
      ws.cleanup();
    }
  });

  test("a fork's source is pulled even with the upstream archive in the chart folder, and charts.lock then refuses its other bytes", async () => {
    const ws = freshWorkspace();
    const forkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fork-'));
    const fork = await startOciRegistry([repackage(archive('longhorn-1.12.1.tgz'), forkDir)]);
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_PLAIN_HTTP: 'true' }, () => {
        fs.mkdirSync(ws.charts, { recursive: true });
        fs.copyFileSync(archive('longhorn-1.12.1.tgz'), path.join(ws.charts, 'longhorn-1.12.1.tgz'));
        const upstream = render('1.12.1')!; // the folder's archive, recorded in the lock
        expect(() => render('1.12.1', ChartSource.oci(`${fork.url}/longhorn`)))
          .toThrow(`records longhorn 1.12.1 with SHA-256 ${upstream.resolved.digest}`);
        expect(fork.requests()).toContainEqual('GET /v2/charts/longhorn/manifests/1.12.1');
        // Nothing that failed the check entered the chart folder.
        expect(fs.readdirSync(ws.charts).sort()).toEqual(['longhorn-1.12.1.tgz']);
      });
    } finally {
      await fork.close();
      fs.rmSync(forkDir, { recursive: true, force: true });
      ws.cleanup();
    }
  });

  test('an oci:// mirror serves every chart', () => {
    const ws = freshWorkspace();
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_PLAIN_HTTP: 'true', CDK8S_CHART_MIRROR: registry.url }, () => {
        const both = [LONGHORN_CHART, require('../lib/render/charts').KUBE_PROMETHEUS_STACK_CHART].map(chart => renderChart({ chart, version: chart.testedVersions.at(-1), releaseName: 'lab', namespace: 'lab', values: {} }));
        expect(both.every(r => r && r.documents.length > 40)).toBe(true);
        expect(readChartLock(ws.lock).map(e => `${e.name} ${e.source}`)).toEqual([`kube-prometheus-stack ${registry.url}/kube-prometheus-stack`, `longhorn ${registry.url}/longhorn`]);
      });
    } finally {
      ws.cleanup();
    }
  });
});

describe('charts that cannot be found', () => {
  test('one message lists every missing chart: file names, the folder searched and the mirror variable', async () => {
    const down = await startChartRepo([]);
    const url = down.url;
    await down.close(); // a port nothing listens on: refused at once, like a closed network
    const ws = freshWorkspace();
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_MIRROR: url }, () => {
        const app = Testing.app();
        new MonitoringStack(app, 'lab');
        let message = '';
        try {
          app.synth();
        } catch (e) {
          message = (e as Error).message;
        }
        expect(message).toContain(`2 chart archive(s) missing from ${ws.charts} and not pullable:`);
        expect(message).toMatch(/longhorn-1\.12\.1\.tgz \(longhorn 1\.12\.1\): pull from http:\/\/127\.0\.0\.1:\d+ \(CDK8S_CHART_MIRROR\) failed: /);
        expect(message).toMatch(/kube-prometheus-stack-88\.5\.3\.tgz \(kube-prometheus-stack 88\.5\.3\): pull from /);
        expect(message).toContain(`or set CDK8S_CHART_MIRROR to a Helm repository that serves them (now '${url}')`);
        expect(fs.existsSync(ws.charts)).toBe(false);
      });
    } finally {
      ws.cleanup();
    }
  });

  test('a repository that never answers fails within the pull timeout', async () => {
    const hung = await startChartRepo([], 'silent');
    const ws = freshWorkspace();
    try {
      withEnv({ CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_MIRROR: hung.url, CDK8S_PULL_TIMEOUT: '2' }, () => {
        const started = Date.now();
        expect(() => render('1.12.1')).toThrow(/longhorn-1\.12\.1\.tgz \(longhorn 1\.12\.1\): pull from http:\/\/127\.0\.0\.1:\d+ \(CDK8S_CHART_MIRROR\) failed: no answer within 2 s/);
        expect(Date.now() - started).toBeLessThan(10_000);
      });
    } finally {
      await hung.close();
      ws.cleanup();
    }
  });
});

describe('cdk8s-monitoring vendor', () => {
  let repo: ChartRepo;
  beforeAll(async () => {
    repo = await startChartRepo([archive('longhorn-1.6.2.tgz'), archive('longhorn-1.12.1.tgz')]);
  });
  afterAll(() => repo.close());

  test('two vendors at once into one empty folder both succeed and leave only whole archives', async () => {
    const ws = freshWorkspace();
    try {
      const env = { CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_MIRROR: repo.url };
      const { spawn } = require('child_process');
      const root = path.join(__dirname, '..');
      const run = () => new Promise<number>(resolve => spawn(process.execPath, ['-r', path.join(root, 'scripts', 'register-ts.js'), path.join(root, 'lib', 'commands', 'cli.ts'), 'vendor', 'longhorn@1.6.2', 'longhorn@1.12.1'],
        { env: { ...process.env, ...env }, stdio: 'ignore' }).on('exit', resolve));
      expect(await Promise.all([run(), run()])).toEqual([0, 0]);
      expect(fs.readdirSync(ws.charts).sort()).toEqual(['longhorn-1.12.1.tgz', 'longhorn-1.6.2.tgz']);
      expect(readChartLock(ws.lock).map(e => `${e.name}@${e.version}`)).toEqual(['longhorn@1.6.2', 'longhorn@1.12.1']);
    } finally {
      ws.cleanup();
    }
  });

  test('offline: fails with the reason in a few lines, no stack trace, and no empty folder left', async () => {
    const down = await startChartRepo([]);
    await down.close();
    const ws = freshWorkspace();
    try {
      const result = runCli(['vendor', 'longhorn@1.12.1', 'kube-prometheus-stack@88.5.3'], { env: { CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock, CDK8S_CHART_MIRROR: down.url } });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^vendor failed: 2 chart archive\(s\) missing from /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(ws.charts)).toBe(false);
    } finally {
      ws.cleanup();
    }
  });

  test('accept-chart takes a new archive on purpose after a mismatch', () => {
    const ws = freshWorkspace();
    try {
      fs.mkdirSync(ws.charts);
      fs.copyFileSync(archive('longhorn-1.6.2.tgz'), path.join(ws.charts, 'longhorn-1.6.2.tgz'));
      fs.writeFileSync(ws.lock, YAML.stringify({ charts: [{ name: 'longhorn', version: '1.6.2', source: 'https://charts.longhorn.io', sha256: 'e'.repeat(64) }] }));
      const env = { CDK8S_CHARTS_DIR: ws.charts, CDK8S_CHARTS_LOCK: ws.lock };
      expect(runCli(['vendor', 'longhorn@1.6.2'], { env }).stderr).toContain('records longhorn 1.6.2 with SHA-256 eeee');
      const accepted = runCli(['accept-chart', 'longhorn@1.6.2'], { env });
      expect([accepted.status, accepted.stdout]).toEqual([0, expect.stringMatching(/^charts\.lock now records longhorn@1\.6\.2 as sha256:f899c9e8/)]);
      expect(runCli(['vendor', 'longhorn@1.6.2'], { env }).status).toBe(0);
    } finally {
      ws.cleanup();
    }
  });
});
