// Issue 25, defect 2: a MonitoringStack must not take over its app's synthesis. In a plain App, cdk8s' own synth()
// writes it; a MonitoringApp (a subclass of App) writes the stack folders. Either way the app's own settings
// (yamlOutputType, CDK8S_DISABLE_SORT, recordConstructMetadata) hold, and the output checks run on every way
// cdk8s synthesizes (app.synth() with any output type, app.synthYaml()). Real helm on the vendored charts.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, IResolver, YamlOutputType } from 'cdk8s';
import { GitOpsTool, MonitoringApp, MonitoringStack } from '../lib';
import { readTree, synthApp, SynthesizedFile } from './support/synth';
import { applyPlan } from '../lib/commands/apply-plan';
import { readStack } from '../lib/commands/deploy';

/** The reference stack and a chart of the app's own with one ConfigMap (`data` given b before a). */
function build(app: App, configMap: Record<string, unknown> = {}): void {
  new MonitoringStack(app, 'reference');
  const own = new Chart(app, 'own');
  new ApiObject(own, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { b: '1', a: '2' }, ...configMap });
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'settings-'));
const idsOf = (files: SynthesizedFile[]) => files.flatMap(f => f.objects.map(o => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).sort();

/** The default layout's files, from a MonitoringApp. */
const byChart = synthApp(app => build(app));

describe("the app's yamlOutputType", () => {
  test('FILE_PER_CHART (the default): a folder per stack, a file per chart outside any', () => {
    expect(byChart.map(f => f.file)).toEqual([
      '0000-own.k8s.yaml',
      'reference/0000-crds.k8s.yaml', 'reference/0001-namespaces.k8s.yaml', 'reference/0002-longhorn.k8s.yaml', 'reference/0003-storage.k8s.yaml', 'reference/0004-monitoring.k8s.yaml',
    ]);
  });

  test('FILE_PER_APP: cdk8s writes every object into app.k8s.yaml, the same objects', () => {
    const files = synthApp(app => build(app), { yamlOutputType: YamlOutputType.FILE_PER_APP });
    expect(files.map(f => f.file)).toEqual(['app.k8s.yaml']);
    expect(idsOf(files)).toEqual(idsOf(byChart));
  });

  test('FILE_PER_RESOURCE: cdk8s writes one file per object, named by kind and name', () => {
    const files = synthApp(app => build(app), { yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    expect(files.every(f => f.objects.length === 1)).toBe(true);
    expect(files.find(f => f.file === 'ConfigMap.settings.k8s.yaml')?.objects[0].data).toEqual({ a: '2', b: '1' });
    expect(files.some(f => f.file === 'Prometheus.kube-prometheus-stack-prometheus.k8s.yaml')).toBe(true);
    // The reference stack has no two objects of one kind and name, so no file of cdk8s' naming is written twice.
    expect(idsOf(files)).toEqual(idsOf(byChart));
  });

  test.each(['FILE_PER_APP', 'FILE_PER_RESOURCE', 'FOLDER_PER_CHART_FILE_PER_RESOURCE'] as const)(
    'the output checks still run with %s, and nothing is written', name => {
      const type = YamlOutputType[name];
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-'));
      try {
        const app = new MonitoringApp({ outdir, yamlOutputType: type });
        build(app, { data: { replicas: 1 } });
        expect(() => app.synth()).toThrow(/the output has 1 problem\(s\); nothing was written:\n.*ConfigMap default\/settings at \/data\/replicas: must be string/);
        expect(fs.readdirSync(outdir)).toEqual([]);
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    });

  describe('a file per object: cdk8s names it by kind and name only, so two objects that share them (in two namespaces) would share a file', () => {
    const twoSettings = (type: YamlOutputType, otherChart: boolean) => {
      const app = new MonitoringApp({ outdir: tmp(), yamlOutputType: type });
      build(app);
      const other = otherChart ? new Chart(app, 'other') : app.node.findChild('own');
      new ApiObject(other, 'settings-other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'other' }, data: { a: '1' } });
      return app;
    };
    const overwritten = (type: string, folders: string) => `ConfigMap.settings.k8s.yaml: ConfigMap other/settings: cdk8s' ${type} would write it over ConfigMap default/settings (it names a file by kind and name only${folders}), and dist/ would lack that one; rename one of them, or use FILE_PER_CHART (the default) or FILE_PER_APP`;

    test('FILE_PER_RESOURCE: an error naming both, and nothing is written', () => {
      const app = twoSettings(YamlOutputType.FILE_PER_RESOURCE, true);
      try {
        expect(() => app.synth()).toThrow(`the output has 1 problem(s); nothing was written:\n${overwritten('FILE_PER_RESOURCE', '')}`);
        expect(fs.readdirSync(app.outdir)).toEqual([]);
      } finally {
        fs.rmSync(app.outdir, { recursive: true, force: true });
      }
    });

    // (Chart.toJson() runs the app's validations without writing anything.)
    test('FOLDER_PER_CHART_FILE_PER_RESOURCE: an error in one chart, none across two (a folder each)', () => {
      const inOne = twoSettings(YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, false);
      expect(() => (inOne.node.findChild('own') as Chart).toJson()).toThrow(overwritten('FOLDER_PER_CHART_FILE_PER_RESOURCE', ', in a folder per chart'));
      const inTwo = twoSettings(YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, true);
      expect((inTwo.node.findChild('other') as Chart).toJson()).toHaveLength(1);
      // The default layout writes each chart into one file: nothing is lost there.
      const byChartApp = new MonitoringApp({ outdir: tmp() });
      build(byChartApp);
      new ApiObject(byChartApp.node.findChild('own'), 'settings-other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'other' } });
      expect((byChartApp.node.findChild('own') as Chart).toJson()).toHaveLength(2);
      for (const app of [inOne, inTwo, byChartApp]) fs.rmSync(app.outdir, { recursive: true, force: true });
    });
  });

  test.each([
    ['a MonitoringApp with another output type', () => new MonitoringApp({ outdir: tmp(), yamlOutputType: YamlOutputType.FILE_PER_APP }), 'the app asks for FILE_PER_APP; remove yamlOutputType from the App\'s props'],
    ['a plain App', () => new App({ outdir: tmp() }), 'a plain App writes one flat file per chart; build the app with new MonitoringApp()'],
  ])("gitOps needs the stack folder: in %s the stack's constructor throws an error that says what to change", (_name, makeApp, fix) => {
    const app = makeApp();
    try {
      expect(() => new MonitoringStack(app, 'reference', { gitOps: { tool: GitOpsTool.ARGO_CD, repoUrl: 'https://git.example.com/ops.git' } })).toThrow(`MonitoringStack 'reference': gitOps needs the stack's own folder, which a MonitoringApp with cdk8s' default yamlOutputType (FILE_PER_CHART) writes, and ${fix}, or remove gitOps from the stack`);
      expect(fs.readdirSync(app.outdir)).toEqual([]);
    } finally {
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  });
});

describe('a plain App', () => {
  let outdir: string;
  beforeEach(() => { outdir = tmp(); });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("is written by cdk8s' own synth(): nothing replaces it, and its files are cdk8s' FILE_PER_CHART files", () => {
    const app = new App({ outdir });
    build(app);
    expect(Object.prototype.hasOwnProperty.call(app, 'synth')).toBe(false);
    expect(app.synth).toBe(App.prototype.synth);
    app.synth();
    // cdk8s names a chart's file after its path with a hash of it (Names.toDnsLabel), numbered because the stack's
    // charts depend on each other: the stack's charts first (the crds chart is depended on by the others), own last.
    const files = readTree(outdir);
    expect(files.map(f => f.file.replace(/-c8[0-9a-f]{6}\.k8s\.yaml$/, ''))).toEqual([
      '0000-reference-crds', '0001-reference-namespaces', '0002-reference-longhorn', '0003-reference-storage', '0004-reference-monitoring', '0005-own.k8s.yaml',
    ]);
    expect(idsOf(files)).toEqual(idsOf(byChart));
    // deploy and diff take dist/ itself as the cluster's folder, and plan the same steps as from a stack's folder.
    const stack = readStack(outdir);
    expect(stack.folder).toBe(outdir);
    const inFolder = byChart.filter(f => f.file.startsWith('reference/')).map(f => ({ file: path.basename(f.file), objects: f.objects }));
    expect(stack.steps.map(s => s.action)).toEqual(applyPlan(inFolder, 'dist/reference', 'reference').map(s => s.action));
    expect(stack.steps[0].kubectl.at(-1)).toBe(path.join(outdir, files[0].file));
  });

  test('still runs the output checks, and nothing is written', () => {
    const app = new App({ outdir });
    build(app, { data: { replicas: 1 } });
    expect(() => app.synth()).toThrow(/the output has 1 problem\(s\); nothing was written:\n.*ConfigMap default\/settings at \/data\/replicas: must be string/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});

describe('app.synthYaml()', () => {
  test('runs the output checks too', () => {
    const app = new MonitoringApp();
    build(app, { data: { replicas: 1 } });
    expect(() => app.synthYaml()).toThrow(/the output has 1 problem\(s\)/);
  });

  test("returns the same objects as the stack folders hold (a MonitoringApp's stacks finished first)", () => {
    const app = new MonitoringApp();
    build(app);
    const documents = app.synthYaml().split(/^---$/m).filter(d => d.trim() !== '');
    expect(documents.length).toBe(idsOf(byChart).length);
  });
});

describe('CDK8S_DISABLE_SORT', () => {
  const ownData = (files: SynthesizedFile[]) => files.find(f => f.file === '0000-own.k8s.yaml')!.text.match(/^data:\n((?: {2}.*\n)+)/m)![1];

  afterEach(() => { delete process.env.CDK8S_DISABLE_SORT; });

  test("keeps the app's own objects' keys in the order given when set", () => {
    process.env.CDK8S_DISABLE_SORT = '1';
    expect(ownData(synthApp(app => build(app)))).toBe('  b: "1"\n  a: "2"\n');
  });

  test('sorts them when unset, as cdk8s does', () => {
    expect(ownData(synthApp(app => build(app)))).toBe('  a: "2"\n  b: "1"\n');
  });
});

test('recordConstructMetadata: construct-metadata.json names the construct of each object', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-'));
  try {
    const app = new MonitoringApp({ outdir, recordConstructMetadata: true });
    build(app);
    app.synth();
    const { resources } = JSON.parse(fs.readFileSync(path.join(outdir, 'construct-metadata.json'), 'utf8'));
    expect(resources[app.node.findChild('own').node.findChild('settings') instanceof ApiObject ? (app.node.findChild('own').node.findChild('settings') as ApiObject).name : '']).toEqual({ path: 'own/settings' });
    expect(Object.keys(resources).length).toBeGreaterThan(100);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

test("the app's own resolvers reach rendered objects too (cdk8s' full path, not the fast one)", () => {
  // A resolver that turns Prometheus' rendered retention (10d, the stack's default) into 14d: only a resolver
  // that cdk8s runs over every value of every object can change a value helm rendered.
  const retention: IResolver = { resolve: context => { if (context.key.join('.') === 'spec.retention' && context.value === '10d') context.replaceValue('14d'); } };
  const prometheusOf = (files: SynthesizedFile[]) => files.flatMap(f => f.objects).find(o => o.kind === 'Prometheus')?.spec as { retention?: string } | undefined;
  const own = synthApp(app => new MonitoringStack(app, 'reference'), { resolvers: [retention] });
  expect(prometheusOf(byChart)?.retention).toBe('10d');
  expect(prometheusOf(own)?.retention).toBe('14d');
});
