// Issue 25: the charts render in parallel. Real helm on the vendored charts, each test with a cache folder of its
// own (so helm really runs) and a fresh copy of the render modules (no in-process memory of earlier renders).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { MonitoringApp, MonitoringStack } from '../lib';
import { KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART } from '../lib/render/charts';
import { HookPolicy } from '../lib/render/pipeline';

type RenderModule = typeof import('../lib/render/render');
type ObjectsModule = typeof import('../lib/render/rendered-objects');
type ParserModule = typeof import('../lib/render/manifest-parse');

/** Runs `fn` with an empty cache folder (unless `emptyCache` is false) and fresh render modules. */
function fresh<T>(fn: (render: RenderModule, objects: ObjectsModule, parser: ParserModule) => T, emptyCache = true): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-render-'));
  const saved = process.env.CDK8S_CACHE_DIR;
  if (emptyCache) process.env.CDK8S_CACHE_DIR = dir;
  try {
    let modules: [RenderModule, ObjectsModule, ParserModule] | undefined;
    jest.isolateModules(() => { modules = [require('../lib/render/render'), require('../lib/render/rendered-objects'), require('../lib/render/manifest-parse')]; });
    return fn(...modules!);
  } finally {
    if (saved === undefined) delete process.env.CDK8S_CACHE_DIR;
    else process.env.CDK8S_CACHE_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The releases of the `helm template` processes running now. */
function runningReleases(): string[] {
  const ps = spawnSync('ps', ['-eo', 'comm,args'], { encoding: 'utf8' }).stdout ?? '';
  return ps.split('\n').map(line => /^helm\s.*\bhelm template (parallel-\S+) /.exec(line)?.[1]).filter((r): r is string => r !== undefined);
}

/**
 * Watches `helm template` processes until `releases` all run at one moment (true) or until none of them runs
 * (false): a render that waited for helm before the next began never shows two at once. /bin/sh starts each helm,
 * so a helm may show a moment after its render began.
 */
function runAtOnce(releases: string[]): boolean {
  const start = Date.now();
  for (;;) {
    const running = runningReleases();
    if (releases.every(r => running.includes(r))) return true;
    // A second for /bin/sh to start helm; after that, none of them running means they ran one after the other.
    if (Date.now() - start > 1000 && !releases.some(r => running.includes(r))) return false;
    if (Date.now() - start > 20_000) return false;
  }
}

const kps = (release: string) => ({ chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3', releaseName: release, namespace: 'monitoring', values: {} });

test('two renders begun one after the other run at the same time, each in its own helm process', () => {
  fresh(render => {
    const first = render.beginRender(kps('parallel-a'))!;
    const second = render.beginRender(kps('parallel-b'))!;
    // Both began and neither was waited for: a kube-prometheus-stack render takes helm a third of a second or more.
    const together = runAtOnce(['parallel-a', 'parallel-b']);
    expect(first.result().cache).toBe('miss');
    expect(together).toBe(true);
    expect(second.result().cache).toBe('miss');
    expect(runningReleases()).toEqual([]);
    const names = (r: ReturnType<typeof first.result>) => r.documents.map(d => d.manifest.metadata.name);
    expect(names(first.result()).filter(n => n.startsWith('parallel-a')).length).toBeGreaterThan(50);
    expect(names(second.result()).filter(n => n.startsWith('parallel-b')).length).toBe(names(first.result()).filter(n => n.startsWith('parallel-a')).length);
  });
});

test('an identical render begun while the first runs waits for it instead of starting helm again', () => {
  fresh(render => {
    const first = render.beginRender(kps('parallel-same'))!;
    const second = render.beginRender(kps('parallel-same'))!;
    expect(runAtOnce(['parallel-same'])).toBe(true);
    const helms = runningReleases();
    expect(second.result().cache).toBe('shared');
    expect(helms.filter(r => r === 'parallel-same').length).toBeLessThanOrEqual(1);
    expect(second.result().documents).toBe(first.result().documents);
  });
});

test("helm's failure is thrown when the render is waited for, with helm's words", () => {
  fresh(render => {
    // A Kubernetes version helm cannot read: helm exits 1 and says why on stderr.
    const pending = render.beginRender({ chart: LONGHORN_CHART, version: '1.12.1', releaseName: 'parallel-bad', namespace: 'longhorn-system', values: {}, kubernetesVersion: 'one' });
    expect(() => pending!.result()).toThrow(/^helm template of longhorn 1\.12\.1 failed: .*vone\.0/s);
  });
});

test("while helm runs, the chart's CRDs are parsed from its archive, and helm's copy of each is not parsed again", () => {
  fresh((render, _objects, parser) => {
    // The first parse: whether this render's helm still ran at that moment.
    let helmRanAtFirstParse: boolean | undefined;
    const parsed: string[] = [];
    const parseDocument = parser.parseDocument;
    const spy = jest.spyOn(parser, 'parseDocument').mockImplementation(text => {
      helmRanAtFirstParse ??= runningReleases().includes('parallel-crds');
      parsed.push(text);
      return parseDocument(text);
    });
    try {
      const rendered = render.beginRender(kps('parallel-crds'))!.result();
      const crds = rendered.documents.filter(d => d.manifest.kind === 'CustomResourceDefinition');
      // The ten of the prometheus-operator, in kube-prometheus-stack's crds subchart's crds/ folder, which helm copies as they are.
      expect(crds.map(d => d.manifest.metadata.name)).toContain('prometheuses.monitoring.coreos.com');
      expect(crds.length).toBe(10);
      expect(helmRanAtFirstParse).toBe(true);
      // Every document parsed once: each CRD read ahead is the text helm wrote (else it would be parsed twice).
      expect(parsed.length).toBe(new Set(rendered.documents.map(d => d.text)).size);
      expect(crds.every(d => parsed.includes(d.text))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('startTogether', () => {
  /** Longhorn's and kube-prometheus-stack's objects, each in a chart of its own and CRDs into a shared one, as MonitoringStack places them. */
  function build(objects: ObjectsModule, together: boolean, read?: 'second-first') {
    const app = new App();
    const crds = new Chart(app, 'crds');
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    const make = () => {
      const longhorn = objects.addRenderedObjects({ scope: a, crdScope: crds }, { chart: LONGHORN_CHART, version: '1.12.1', releaseName: 'longhorn', namespace: 'longhorn-system', values: {} }, { hooks: HookPolicy.DROP_ALL });
      const stack = objects.addRenderedObjects({ scope: b, crdScope: crds }, kps('kube-prometheus-stack'), { hooks: HookPolicy.KEEP_INSTALL_HOOKS });
      // Reading the second first still adds the first one's objects before it.
      if (read === 'second-first') expect(stack!.manifests.length).toBeGreaterThan(100);
      return [longhorn!, stack!] as const;
    };
    const [longhorn, stack] = together ? (() => { const { built, finish } = objects.startTogether(make); finish(); return built; })() : make();
    const ids = app.node.findAll().filter(c => c.node.scopes.length > 2).map(c => c.node.path);
    return { ids, longhorn: longhorn.manifests.length, stack: stack.apiObjects.length, crds: crds.node.children.length };
  }

  test('adds the same objects in the same order as rendering one after the other, whichever is read first', () => {
    // The run's cache (these renders are the charts' defaults, which other tests render too): the first build reads
    // it or runs helm, the later ones find the renders in this process. Inside a batch the objects are still added
    // when the batch ends or when read, so the order is what is tested.
    fresh((_render, objects) => {
      const oneByOne = build(objects, false);
      expect(oneByOne.crds).toBeGreaterThan(10);
      expect(build(objects, true)).toEqual(oneByOne);
      expect(build(objects, true, 'second-first')).toEqual(oneByOne);
    }, false);
  });
});

describe('the stacks of a MonitoringApp', () => {
  type Lib = typeof import('../lib');
  /** Runs `fn` with an empty cache folder and a fresh copy of the whole library (so helm really runs). */
  function freshLib<T>(fn: (lib: Lib) => T): T {
    return fresh(() => {
      let lib: Lib | undefined;
      jest.isolateModules(() => { lib = require('../lib'); });
      return fn(lib!);
    });
  }
  const ids = (app: App) => app.node.findAll().map(c => c.node.path);

  test("a stack's constructor does not wait for its helm: the next stack's helm runs while the first is finished, and the tree is the same as a plain App's", () => {
    freshLib(lib => {
      const app = new lib.MonitoringApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-stacks-')) });
      // (A MonitoringApp of another copy of the library is known as one, though `instanceof` says no.)
      expect([app instanceof MonitoringApp, MonitoringApp.isMonitoringApp(app), MonitoringApp.isMonitoringApp(new App())]).toEqual([false, true, false]);
      const inTree = (stack: string) => app.node.findAll().some(c => c.node.path === `${stack}/monitoring/LonghornMonitoring/ServiceMonitor`);
      new lib.MonitoringStack(app, 'a', { releaseName: 'parallel-stack-a' });
      // Nothing of it was read when the constructor returned: its helm runs on (seen for one kube-prometheus-stack render's third of a second).
      expect(inTree('a')).toBe(false);
      expect(runningReleases()).toContain('parallel-stack-a');
      new lib.MonitoringStack(app, 'b', { releaseName: 'parallel-stack-b' });
      // The second constructor started its helm and only then finished the first stack.
      expect([inTree('a'), inTree('b')]).toEqual([true, false]);
      app.synth();
      expect(fs.readdirSync(app.outdir).sort()).toEqual(['a', 'b']);
      fs.rmSync(app.outdir, { recursive: true, force: true });

      // A plain App finishes each stack in its constructor (its renders are cached by now): the same constructs, in the same order.
      const plain = new App();
      new lib.MonitoringStack(plain, 'a', { releaseName: 'parallel-stack-a' });
      new lib.MonitoringStack(plain, 'b', { releaseName: 'parallel-stack-b' });
      expect(ids(app)).toEqual(ids(plain));
    });
  });

  test("the last stack is finished when something reads it or a chart is synthesized before app.synth()", () => {
    // (The default stack: a render other tests share; the stack is deferred whether or not helm runs.)
    const app = new MonitoringApp();
    const stack = new MonitoringStack(app, 'lab');
    expect(stack.node.tryFindChild('monitoring')!.node.tryFindChild('LonghornMonitoring')).toBeUndefined();
    // Chart.toJson() (what Testing.synth does) runs the app's validations, which finish the stack first.
    const monitoring = stack.charts.monitoring.toJson();
    expect(monitoring.filter((o: any) => o.kind === 'Prometheus').map((o: any) => o.metadata.name)).toEqual(['kube-prometheus-stack-prometheus']);
    expect(monitoring.some((o: any) => o.kind === 'ServiceMonitor' && o.metadata.name.startsWith('longhorn'))).toBe(true);
    expect(stack.longhornMonitoring?.objects.serviceMonitor).toBeDefined();
  });
});
