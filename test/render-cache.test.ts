import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Longhorn } from '../lib';
import { BoundedMap, DiskCache, MemoryCache } from '../lib/render/cache';
import { KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART } from '../lib/render/charts';
import { renderChart, renderKey } from '../lib/render/render';
import { ChartSource, resolveChart } from '../lib/render/chart-source';
import * as tar from 'tar';

/** Puts CDK8S_CACHE_DIR back as it was: unset stays unset (assigning undefined would set the string 'undefined'). */
function restoreCacheDir(saved: string | undefined): void {
  if (saved === undefined) delete process.env.CDK8S_CACHE_DIR;
  else process.env.CDK8S_CACHE_DIR = saved;
}

/** Runs `fn` with its own cache folder, and without the in-process memory of earlier renders. */
function withCacheDir<T>(fn: (dir: string, render: typeof renderChart) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-cache-'));
  const saved = process.env.CDK8S_CACHE_DIR;
  process.env.CDK8S_CACHE_DIR = dir;
  try {
    let render: typeof renderChart | undefined;
    jest.isolateModules(() => { render = require('../lib/render/render').renderChart; });
    return fn(dir, render!);
  } finally {
    restoreCacheDir(saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const request = (values: Record<string, unknown> = {}) => ({ chart: LONGHORN_CHART, version: '1.12.1', releaseName: 'longhorn', namespace: 'longhorn-system', values });

describe('the render cache', () => {
  test('a second identical render skips helm (disk), and one in the same process shares the first', () => {
    withCacheDir((dir, render) => {
      const first = render(request())!;
      expect(first.cache).toBe('miss');
      expect(render(request())!.cache).toBe('shared');
      expect(fs.readdirSync(path.join(dir, 'renders')).length).toBe(1);
      withCacheDir((_other, freshRender) => {
        process.env.CDK8S_CACHE_DIR = dir; // a new process, the same cache folder
        const again = freshRender(request())!;
        expect(again.cache).toBe('hit');
        expect(again.documents).toEqual(first.documents);
      });
    });
  });

  test('is keyed by everything the render depends on: values, release, namespace, chart version and flags', () => {
    withCacheDir((_dir, render) => {
      const keys = new Set([
        renderKey(request()),
        renderKey(request({ longhornUI: { replicas: 1 } })),
        renderKey({ ...request(), releaseName: 'storage' }),
        renderKey({ ...request(), namespace: 'storage' }),
        renderKey({ ...request(), version: '1.6.2' }),
        renderKey({ ...request(), apiVersions: ['gateway.networking.k8s.io/v1'] }),
      ]);
      expect(keys.size).toBe(6);
      // Values are compared by content, not by key order.
      expect(renderKey(request({ a: 1, b: 2 }))).toBe(renderKey(request({ b: 2, a: 1 })));
      // helm gets a null (which deletes the chart's default) and never an undefined, which JSON leaves out.
      expect(renderKey(request({ persistence: { defaultClass: true, defaultFsType: null } }))).not.toBe(renderKey(request({ persistence: { defaultClass: true } })));
      expect(renderKey(request({ persistence: { defaultClass: true, defaultFsType: undefined } }))).toBe(renderKey(request({ persistence: { defaultClass: true } })));
      // The key a render is stored under is this one.
      expect(render(request({ longhornUI: { replicas: 1 } }))!.key).toBe(renderKey(request({ longhornUI: { replicas: 1 } })));
    });
  });

  test('a corrupt entry is detected, removed and rendered again', () => {
    withCacheDir((dir, render) => {
      const { key } = render(request())!;
      const file = new DiskCache('renders').fileOf(key);
      const whole = fs.readFileSync(file);
      const bytes = Buffer.from(whole);
      bytes[bytes.length - 10] ^= 0xff; // one flipped byte in the body
      fs.writeFileSync(file, bytes);
      withCacheDir((_other, freshRender) => {
        process.env.CDK8S_CACHE_DIR = dir;
        const again = freshRender(request())!;
        expect(again.cache).toBe('miss');
        expect(again.documents.length).toBeGreaterThan(40);
      });
      fs.writeFileSync(file, bytes.subarray(0, 20)); // truncated
      expect(new DiskCache('renders').get(key)).toBeUndefined();
      expect(fs.existsSync(file)).toBe(false);
      // (A damaged shared document: see the kube-prometheus-stack test below; Longhorn's are all small.)
    });
  });

  test('CDK8S_CACHE=off renders every time and writes nothing', () => {
    withCacheDir((dir, render) => {
      process.env.CDK8S_CACHE = 'off';
      try {
        jest.isolateModules(() => {
          const fresh = require('../lib/render/render').renderChart as typeof renderChart;
          expect(fresh(request())!.cache).toBe('miss');
        });
        expect(fs.existsSync(path.join(dir, 'renders'))).toBe(false);
      } finally {
        delete process.env.CDK8S_CACHE;
      }
      expect(render(request())!.cache).toBe('miss');
    });
  });

  test('concurrent writers of one entry leave one whole entry', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-cache-race-'));
    try {
      const { spawn } = require('child_process');
      const root = path.join(__dirname, '..');
      const script = `require(${JSON.stringify(path.join(root, 'lib/render/render.ts'))}).renderChart({ chart: require(${JSON.stringify(path.join(root, 'lib/render/charts.ts'))}).LONGHORN_CHART, version: '1.12.1', releaseName: 'r', namespace: 'n', values: {} })`;
      const run = () => new Promise<number>(resolve => spawn(process.execPath, ['-r', path.join(root, 'scripts/register-ts.js'), '-e', script],
        { env: { ...process.env, CDK8S_CACHE_DIR: dir }, stdio: 'ignore' }).on('exit', resolve));
      expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0]);
      const entries = fs.readdirSync(path.join(dir, 'renders'), { recursive: true }).map(String).filter(f => !fs.statSync(path.join(dir, 'renders', f)).isDirectory());
      expect(entries.length).toBe(1);
      expect(entries.filter(f => f.endsWith('.partial'))).toEqual([]);
      const saved = process.env.CDK8S_CACHE_DIR;
      process.env.CDK8S_CACHE_DIR = dir;
      try {
        expect(new DiskCache('renders').get(path.basename(entries[0]))).toBeDefined();
      } finally {
        restoreCacheDir(saved);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('kube-prometheus-stack renders the same from the cache as from helm', () => {
  withCacheDir((dir, render) => {
    const fromHelm = render({ ...request(), chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3' })!;
    withCacheDir((_other, freshRender) => {
      process.env.CDK8S_CACHE_DIR = dir;
      const fromCache = freshRender({ ...request(), chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3' })!;
      expect(fromCache.cache).toBe('hit');
      // (Compared as data: jest's sandbox gives objects from v8.deserialize another realm's prototypes.)
      expect(fromCache.documents).toStrictEqual(fromHelm.documents);
    });
    // The large documents (the CRDs), shared by every render that has them, have an entry each; the small ones are in
    // the render's entry: a file each would cost more to make than to parse again.
    const documents = path.join(dir, 'documents');
    const files = fs.readdirSync(documents, { recursive: true }).map(String).filter(f => fs.statSync(path.join(documents, f)).isFile());
    const large = new Set(fromHelm.documents.filter(d => d.text.length >= 32 * 1024).map(d => d.digest));
    expect(large.size).toBeGreaterThanOrEqual(9);
    expect(files.map(f => path.basename(f)).sort()).toEqual([...large].sort());
    expect(fromHelm.documents.length).toBeGreaterThan(100);
    // A damaged shared document is a miss of the render too.
    fs.writeFileSync(path.join(documents, files[0]), 'not a cache entry');
    withCacheDir((_other, freshRender) => {
      process.env.CDK8S_CACHE_DIR = dir;
      expect(freshRender({ ...request(), chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3' })!.cache).toBe('miss');
    });
  });
});

describe('the in-process memory cache', () => {
  test('drops the oldest entries once the buffers pass the bound, and counts a replaced entry once', () => {
    const memo = new MemoryCache(10);
    memo.set('a', Buffer.alloc(4));
    memo.set('b', Buffer.alloc(4));
    memo.set('a', Buffer.alloc(2)); // replaces a: 6 bytes kept, not 10
    memo.set('c', Buffer.alloc(4)); // 10 bytes: still within the bound
    expect(['a', 'b', 'c'].map(k => memo.get(k)?.length)).toEqual([2, 4, 4]);
    memo.set('d', Buffer.alloc(3)); // 13 bytes: a (the oldest) goes, then 11 still passes, so b goes
    expect(['a', 'b', 'c', 'd'].map(k => memo.get(k)?.length)).toEqual([undefined, undefined, 4, 3]);
  });

  test('keeps nothing larger than the bound', () => {
    const memo = new MemoryCache(10);
    memo.set('big', Buffer.alloc(11));
    expect(memo.get('big')).toBeUndefined();
  });
});

describe('BoundedMap (the in-process caches)', () => {
  test('keeps at most its limit, dropping the oldest key first; replacing a key drops nothing', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('b', 3);
    expect([...map.entries()]).toEqual([['a', 1], ['b', 3]]);
    map.set('c', 4);
    expect([...map.keys()]).toEqual(['b', 'c']);
  });
});

test("a null value deletes the chart's default, whichever render the cache saw first", () => {
  withCacheDir((_dir, render) => {
    const fsType = (values: Record<string, unknown>) => {
      const config = render(request(values))!.documents.find(d => d.manifest.kind === 'ConfigMap' && d.manifest.metadata.name === 'longhorn-storageclass')!;
      return /fsType: "?(\w+)/.exec((config.manifest.data as Record<string, string>)['storageclass.yaml'])?.[1];
    };
    expect(fsType({ persistence: { defaultFsType: null } })).toBeUndefined();
    expect(fsType({ persistence: {} })).toBe('ext4');
  });
});

test("a rendered manifest is frozen: changing one construct's (through the public manifests) throws, and later renders are unchanged", () => {
  const manager = (objects: readonly any[]) => objects.find(o => o.kind === 'DaemonSet' && o.metadata.name === 'longhorn-manager');
  const first = new Longhorn(Testing.chart(), 'Longhorn');
  expect(() => { manager(first.rendered!.manifests).spec.template.spec.hostPID = false; }).toThrow(TypeError);
  expect(() => { manager(first.rendered!.manifests).metadata.labels.tidied = 'yes'; }).toThrow(TypeError);
  // The object's own metadata is the construct's to change, as on any ApiObject.
  const object = first.rendered!.apiObjects.find(o => o.kind === 'DaemonSet' && o.name === 'longhorn-manager')!;
  object.metadata.addLabel('tidied', 'yes');
  expect(manager(Testing.synth(first.node.scope as any)).metadata.labels.tidied).toBe('yes');
  const second = Testing.chart();
  new Longhorn(second, 'Longhorn');
  expect(manager(Testing.synth(second)).metadata.labels.tidied).toBeUndefined();
});

test('a render never waited for leaves no work folder once the process ends', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unwaited-'));
  const script = [
    `const { beginRender } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'render', 'render'))});`,
    `const { LONGHORN_CHART } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'render', 'charts'))});`,
    `beginRender({ ...${JSON.stringify(request())}, chart: LONGHORN_CHART });`,
    "console.log(require('fs').readdirSync(process.env.TMPDIR).filter(f => f.startsWith('helm-render-')).length);",
  ].join('\n');
  const result = spawnSync(process.execPath, ['-r', path.join(__dirname, '..', 'scripts', 'register-ts.js'), '-e', script], { env: { ...process.env, TMPDIR: tmp, CDK8S_CACHE_DIR: path.join(tmp, 'cache') }, encoding: 'utf8' });
  expect([result.status, result.stderr]).toEqual([0, '']);
  expect(result.stdout.trim()).toBe('1'); // helm's folder while it ran
  expect(fs.readdirSync(tmp).filter(f => f.startsWith('helm-render-'))).toEqual([]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("a chart folder's digest covers the files its symbolic links reach, which helm reads too", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-links-'));
  try {
    tar.x({ file: path.join(process.env.CDK8S_CHARTS_DIR!, 'longhorn-1.6.2.tgz'), cwd: work, sync: true });
    const chart = path.join(work, 'longhorn');
    // A template kept outside the chart and linked in (a folder too), as a chart under development may be.
    fs.renameSync(path.join(chart, 'templates', 'storageclass.yaml'), path.join(work, 'storageclass.yaml'));
    fs.symlinkSync(path.join(work, 'storageclass.yaml'), path.join(chart, 'templates', 'storageclass.yaml'));
    fs.symlinkSync(path.join(chart, 'templates'), path.join(chart, 'templates-again'));
    const digest = (lock: string) => {
      const saved = process.env.CDK8S_CHARTS_LOCK;
      process.env.CDK8S_CHARTS_LOCK = path.join(work, lock);
      try {
        return resolveChart(LONGHORN_CHART, '1.6.2', ChartSource.folder(chart)).digest;
      } finally {
        process.env.CDK8S_CHARTS_LOCK = saved;
      }
    };
    const before = digest('first.lock');
    fs.appendFileSync(path.join(work, 'storageclass.yaml'), '\n# changed\n');
    expect(digest('second.lock')).not.toBe(before);
    // The lock written before now refuses the changed folder.
    expect(() => digest('first.lock')).toThrow(/records longhorn 1\.6\.2 with SHA-256/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

describe('the YAML cache', () => {
  test("is keyed by the writer's versions: text another cdk8s (or the content key alone) stored is never read", () => {
    withCacheDir(dir => {
      let serialize: typeof import('../lib/output/serialize') | undefined;
      jest.isolateModules(() => { serialize = require('../lib/output/serialize'); });
      const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `yaml-key-${process.pid}` }, data: { a: 'b' } };
      const key = serialize!.contentKey(object);
      const cdk8sVersion = JSON.parse(fs.readFileSync(require.resolve('cdk8s/package.json'), 'utf8')).version;
      const stale = new DiskCache('yaml', true, () => dir);
      // What an older writer, or the content-keyed cache of before, may hold for the same object.
      stale.put(key, 'stale: true\n');
      stale.put(serialize!.yamlCacheKey(key, `cdk8s@0.0.1 yaml@1.0.0`), 'stale: true\n');
      expect(serialize!.yamlWriter()).toBe(`cdk8s@${cdk8sVersion} yaml@${yamlVersionOfCdk8s()}`);
      expect(serialize!.objectYaml(object)).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ' + object.metadata.name + '\ndata:\n  a: b\n');
      expect(new DiskCache('yaml', true, () => dir).get(serialize!.yamlCacheKey(key))).toContain('kind: ConfigMap');
      // What JSON cannot tell apart is spelt out, and no string spells it.
      expect(serialize!.contentKey({ x: NaN })).not.toBe(serialize!.contentKey({ x: '\u0000number:NaN' }));
      expect(serialize!.contentKey([undefined])).not.toBe(serialize!.contentKey(['\u0000undefined']));
    });
  });
});

/** The version of the `yaml` package cdk8s loads (its own, if it has one). */
function yamlVersionOfCdk8s(): string {
  const file = require.resolve('yaml/package.json', { paths: [path.dirname(require.resolve('cdk8s/package.json'))] });
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

describe('synth output and the render cache', () => {
  test("tidying one chart's synth output does not change what a later, independent Longhorn renders", () => {
    const manager = (objects: any[]) => objects.find(o => o.kind === 'DaemonSet' && o.metadata.name === 'longhorn-manager');
    const first = Testing.chart();
    new Longhorn(first, 'Longhorn');
    const tidied = manager(Testing.synth(first));
    // What a test might do before a snapshot: drop what varies or does not interest it.
    delete tidied.spec.template.spec.containers[0].image;
    tidied.spec.template.metadata.labels.tidied = 'yes';
    const second = Testing.chart();
    new Longhorn(second, 'Longhorn');
    const fresh = manager(Testing.synth(second));
    expect(fresh.spec.template.spec.containers[0].image).toMatch(/longhornio\/longhorn-manager:v1\.12\.1$/);
    expect(fresh.spec.template.metadata.labels.tidied).toBeUndefined();
  });
});
