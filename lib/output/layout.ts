import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, Names, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { checkProps, PropShape } from '../constructs/known-props';
import { sha256 } from '../render/cache';
import { KubeManifest, objectName } from '../render/manifest-parse';
import { RenderedObject } from '../render/rendered-objects';
import { dependencyOrder } from './dependency-order';
import { reportOf, SynthReport } from '../render/report';
import { contentKey, joinDocuments, objectYaml } from './serialize';
import { kubernetesVersionOf } from '../render/kube-api';
import { ClusterApi, formatProblems, OutputProblem, OutputValidationSummary, readOutputObjects, SharedChecks, validateOutputOnce } from './validation';

/** How one stack's charts are written: into a folder of their own, applied on their own. */
export interface OutputFolderOptions {
  /** Folder name under the output folder (the stack's id). */
  readonly name: string;
  /**
   * Argo CD sync wave of each chart's objects; undefined for no Argo CD annotations.
   * @default - none
   */
  readonly syncWave?: (chart: Chart) => number | undefined;
  /**
   * Argo CD annotations of an object in a wave (see gitops.ts).
   * @default - none
   */
  readonly syncAnnotations?: (apiVersion: string, wave: number) => Record<string, string>;
  /**
   * The chart of the GitOps bootstrap objects: written beside the folder (`<name>.gitops.k8s.yaml`),
   * never inside it, so the controller that syncs the folder does not manage its own bootstrap.
   * @default - none
   */
  readonly bootstrap?: Chart;
}

/** One written file. */
export interface WrittenFile {
  /** Path relative to the output folder, with '/' separators. */
  readonly file: string;
  /** The stack folder it is in, if any. */
  readonly folder?: string;
  /** Whether it holds GitOps bootstrap objects. */
  readonly bootstrap: boolean;
  /** Its objects, as written. */
  readonly objects: KubeManifest[];
}

/** What one `app.synth()` wrote. */
export interface WrittenApp {
  /** The output folder. */
  readonly outdir: string;
  /** Files in apply order within each folder. */
  readonly files: WrittenFile[];
  /** What the renders said. */
  readonly report: SynthReport;
  /** What validation covered. */
  readonly validation: OutputValidationSummary;
}

// Weak: an app's stacks are let go with the app (a test process builds hundreds).
const folders = new WeakMap<IConstruct, OutputFolderOptions>();
const checked = new WeakSet<App>();
const SESSION = Symbol.for('cdk8s-monitoring-stack.synth-session');
const MONITORING_APP = Symbol.for('cdk8s-monitoring-stack.MonitoringApp');

/**
 * A cdk8s `App` that writes each {@link MonitoringStack} into a folder of its own (`dist/<stack id>/`, one file per
 * chart in apply order, the GitOps bootstrap beside it), which `deploy` and `diff` apply one cluster at a time. Its
 * `synth()` checks every object before anything is written and writes unchanged Helm documents as helm wrote them.
 * Charts outside any stack are written as cdk8s writes them (one file per chart, numbered when charts depend on each
 * other). With another `yamlOutputType`, cdk8s' own writer writes the app, after the same checks.
 *
 * A plain `App` works too: cdk8s' own writer then writes its default layout (one file per chart, no stack folders),
 * and the same checks run as a validation of the app.
 */
export class MonitoringApp extends App {
  /**
   * Whether `x` is a MonitoringApp, also one made by another copy of this library (as cdk8s' `Chart.isChart` does:
   * `instanceof` says no across copies).
   */
  public static isMonitoringApp(x: unknown): boolean {
    return typeof x === 'object' && x !== null && MONITORING_APP in x;
  }

  constructor(props?: AppProps) {
    // The known options, and one misspelt by case (outDir); an option of a later cdk8s is cdk8s' to read.
    const known = Object.keys(APP_PROPS).map(key => key.toLowerCase());
    checkProps('MonitoringApp', Object.fromEntries(Object.entries(props ?? {}).filter(([key]) => known.includes(key.toLowerCase()))) as AppProps, APP_PROPS);
    super(props);
    Object.defineProperty(this, MONITORING_APP, { value: true });
  }

  public synth(): void {
    finishStacks(this);
    writeApp(this, () => super.synth());
  }

  public synthYaml(): string {
    finishStacks(this);
    return super.synthYaml();
  }
}

const APP_PROPS: PropShape<AppProps> = { outdir: true, outputFileExtension: true, yamlOutputType: true, recordConstructMetadata: 'boolean', resolvers: [true] };

/** The stacks of an app whose renders are running, in the order they were made: what finishes each. */
const unfinished = new WeakMap<App, Array<() => void>>();

/**
 * Runs `finish` (which waits for a stack's renders and adds what depends on them) now in a plain App; in a
 * {@link MonitoringApp}, when the next stack has started its renders (so helm renders it meanwhile), when the app is
 * synthesized, or when {@link finishStacks} is called, whichever is first. Each waits for the ones before it.
 * `npm run bench`, 16 stacks whose kube-prometheus-stack values differ: 5.5x one stack before, 4.4x with it.
 */
export function finishLater(scope: IConstruct, finish: () => void): void {
  const app = App.of(scope);
  if (!MonitoringApp.isMonitoringApp(app)) return finish();
  const list = unfinished.get(app) ?? [];
  unfinished.set(app, list);
  list.push(finish);
}

/** Finishes every stack of the app of `scope` that is still rendering (see {@link finishLater}). */
export function finishStacks(scope: IConstruct): void {
  const list = unfinished.get(App.of(scope));
  while (list && list.length > 0) list.shift()!();
}

/**
 * Registers `stack` as an output folder (written by a {@link MonitoringApp}) and adds the output checks to its
 * app. Folder names are checked when the app is written (two stacks must not share one).
 */
export function registerOutputFolder(stack: IConstruct, options: OutputFolderOptions): void {
  folders.set(stack, options);
  addOutputChecks(App.of(stack));
}

/**
 * The output checks as a validation of the app, so every way cdk8s synthesizes runs them: app.synth(),
 * app.synthYaml(), Chart.toJson() and cdk8s' own writer for any yamlOutputType.
 */
function addOutputChecks(app: App): void {
  if (checked.has(app)) return;
  checked.add(app);
  app.node.addValidation({
    validate: () => {
      if (deferred.has(app)) return [];
      const elsewhere = outdirProblem(app);
      if (elsewhere) return [elsewhere];
      // Chart.toJson() (Testing.synth) before app.synth(): the objects of stacks still rendering are added now.
      finishStacks(app);
      const validation = outputValidation(app);
      const { problems } = validation;
      if (!MonitoringApp.isMonitoringApp(app)) {
        // cdk8s' writer writes this app: what the renders said is reported here, once per app.
        const session = sessionOf();
        if (session) session.checked.set(app, { outdir: path.resolve(app.outdir), report: reportOf(app), validation });
        else if (!reported.has(app)) printReport(reportOf(app));
        reported.add(app);
      }
      return problems.length > 0 ? [problemsMessage(problems)] : [];
    },
  });
}

/**
 * Throws when the app of `stack` would not write the stack's folder, which its GitOps bootstrap points the controller
 * at: checked in the stack's constructor (before any render starts), so the error points at the stack.
 */
export function checkGitOpsFolder(stack: IConstruct, name: string): void {
  const app = App.of(stack);
  if (writesFolders(app)) return;
  const asked = MonitoringApp.isMonitoringApp(app) ? `the app asks for ${YamlOutputType[app.yamlOutputType]}; remove yamlOutputType from the App's props` : 'a plain App writes one flat file per chart; build the app with new MonitoringApp()';
  throw new Error(`MonitoringStack '${name}': gitOps needs the stack's own folder, which a MonitoringApp with cdk8s' default yamlOutputType (FILE_PER_CHART) writes, and ${asked}, or remove gitOps from the stack`);
}

/** Whether the app writes stack folders: a {@link MonitoringApp} with cdk8s' default output type. */
function writesFolders(app: App): boolean {
  return MonitoringApp.isMonitoringApp(app) && app.yamlOutputType === YamlOutputType.FILE_PER_CHART;
}

/** What the apps built during {@link collectWrites} wrote, and the apps cdk8s' own writer wrote after the output checks. */
interface SynthSession {
  /** The folder the synth command gives its apps (CDK8S_OUTDIR), and the one it then puts in place of `dist/`. */
  readonly staging: string;
  readonly outdir: string;
  readonly written: WrittenApp[];
  readonly checked: Map<App, Omit<WrittenApp, 'files'>>;
}

/**
 * Runs `fn` (which builds and synthesizes apps) and returns what each `app.synth()` it caused wrote,
 * instead of printing the reports: how the synth command learns the objects without reading back the
 * YAML it just wrote. An app that cdk8s' own writer wrote (a plain App) is read back from its folder, with what its
 * output checks found (its declared cluster APIs and Kubernetes version taken into account).
 */
export function collectWrites(folders: { staging: string; outdir: string }, fn: () => void): WrittenApp[] {
  const session: SynthSession = { ...folders, written: [], checked: new Map() };
  const holder = globalThis as unknown as Record<symbol, SynthSession | undefined>;
  const previous = holder[SESSION];
  holder[SESSION] = session;
  try {
    fn();
  } finally {
    holder[SESSION] = previous;
  }
  const outdirs = new Set(session.written.map(w => w.outdir));
  for (const [, checked] of session.checked) {
    if (outdirs.has(checked.outdir) || !fs.existsSync(checked.outdir)) continue;
    outdirs.add(checked.outdir);
    session.written.push({ ...checked, files: readWrittenFiles(checked.outdir) });
  }
  return session.written;
}

const sessionOf = () => (globalThis as unknown as Record<symbol, SynthSession | undefined>)[SESSION];

/** A folder as a message shows it: relative to the working folder when inside it. */
const shortPath = (dir: string) => (path.relative(process.cwd(), dir).startsWith('..') ? dir : path.relative(process.cwd(), dir) || '.');

/**
 * Under the synth command, an app that chose its own outdir would write around the command's checks (into dist/
 * itself, so a failure after it left dist/ half-changed, or elsewhere, leaving dist/ empty): said before writing.
 */
function outdirProblem(app: App): string | undefined {
  const session = sessionOf();
  if (!session || path.resolve(app.outdir) === session.staging) return undefined;
  return `the app's App has outdir '${app.outdir}', but the synth command writes the output into a folder of its own and puts it in place of ${shortPath(session.outdir)} only when the whole app succeeded; build the App without outdir (new MonitoringApp()) and choose the folder with --outdir`;
}

/**
 * Writes the app: validated, stacks in their folders, each file in dependency order. Throws, writing nothing, on any problem.
 * Stack folders are the layout of cdk8s' default `YamlOutputType.FILE_PER_CHART`; an app that asks for another
 * output type is written by cdk8s' own writer, in its layout, after the same checks.
 */
export function writeApp(app: App, cdk8sSynth: () => void): WrittenApp {
  const elsewhere = outdirProblem(app);
  if (elsewhere) throw new Error(elsewhere);
  const outdir = path.resolve(app.outdir);
  const report = reportOf(app);
  let planned: PlannedFile[];
  let validation: OutputValidationSummary;
  if (!writesFolders(app)) {
    // cdk8s validates the app again for each chart it writes (Chart.toJson); a repeated check is a cache hit on
    // the objects' content keys (11-12 ms each for the reference stack, measured).
    cdk8sSynth();
    validation = outputValidation(app);
    planned = readWrittenFiles(outdir);
  } else {
    // The output checks run below, on the files as planned, instead of as a validation of the app.
    deferred.add(app);
    try {
      prepare(app);
    } finally {
      deferred.delete(app);
    }
    planned = planFiles(app);
    validation = validatePlanned(planned);
    if (validation.problems.length > 0) throw new Error(problemsMessage(validation.problems));
    for (const file of planned) {
      const target = path.join(outdir, file.file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, joinDocuments(file.texts, file.keys));
    }
    // cdk8s' own record of which construct made each object, when the app asks for it.
    if ((app as unknown as { recordConstructMetadata?: boolean }).recordConstructMetadata) {
      (app as unknown as { writeConstructMetadata(objects: ApiObject[]): void }).writeConstructMetadata(app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject));
    }
  }
  const written: WrittenApp = { outdir, files: planned.map(({ file, folder, bootstrap, objects }) => ({ file, folder, bootstrap, objects })), report, validation };
  const session = sessionOf();
  if (session) {
    session.written.push(written);
  } else {
    printReport(report);
  }
  return written;
}

/** The renders' warnings and notices, on standard error (outside the synth command, which prints its own summary). */
function printReport(report: SynthReport): void {
  for (const line of [...report.warnings.map(w => `warning: ${w}`), ...report.notices]) process.stderr.write(`${line}\n`);
}

/** Plain apps whose renders were reported. */
const reported = new WeakSet<App>();

/** Apps whose output checks {@link writeApp} runs itself, after planning the files. */
const deferred = new WeakSet<App>();

/** The output checks of an app, as a node validation: what {@link writeApp} checks before it writes. */
function outputValidation(app: App): OutputValidationSummary {
  // (Where cdk8s validates before it resolves dependencies, App.synth(), files are planned with the chart order the
  // app has so far: it changes only the file names the problems are reported under.)
  const planned = planFiles(app);
  const summary = validatePlanned(planned);
  const overwritten = overwrittenByName(app, planned);
  return overwritten.length === 0 ? summary : { ...summary, problems: [...summary.problems, ...overwritten] };
}

/**
 * Objects that cdk8s' FILE_PER_RESOURCE (one folder) or FOLDER_PER_CHART_FILE_PER_RESOURCE (a folder per chart) would
 * write into a file another object of the output is written to: it names a file after the object's kind and name
 * only (without the characters a file name cannot hold), so of two objects of one kind and name in two namespaces,
 * the later replaces the earlier and dist/ silently lacks it.
 */
function overwrittenByName(app: App, planned: readonly PlannedFile[]): OutputProblem[] {
  const perChart = app.yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE;
  if (!perChart && app.yamlOutputType !== YamlOutputType.FILE_PER_RESOURCE) return [];
  const type = YamlOutputType[app.yamlOutputType];
  const firstIn = new Map<string, KubeManifest>();
  const problems: OutputProblem[] = [];
  for (const { file, objects } of planned) {
    for (const object of objects) {
      const name = `${object.kind}.${object.metadata.name}`.replace(/[^0-9a-zA-Z-_.]/g, '') + app.outputFileExtension;
      const key = perChart ? `${file}\0${name}` : name;
      const first = firstIn.get(key);
      if (!first) {
        firstIn.set(key, object);
        continue;
      }
      problems.push({
        file: name, object: objectName(object), path: '',
        message: `cdk8s' ${type} would write it over ${objectName(first)} (it names a file by kind and name only${perChart ? ', in a folder per chart' : ''}), and dist/ would lack that one; rename one of them, or use FILE_PER_CHART (the default) or FILE_PER_APP`,
      });
    }
  }
  return problems;
}

/** Each stack folder is applied on its own, so it is validated on its own: its CRDs must be in it. */
function validatePlanned(planned: readonly PlannedFile[]): OutputValidationSummary {
  const byFolder = new Map<string, PlannedFile[]>();
  for (const file of planned) {
    const key = file.bootstrap ? `bootstrap:${file.file}` : file.folder ?? '';
    byFolder.set(key, [...(byFolder.get(key) ?? []), file]);
  }
  // The folders' clusters share most objects: each is checked once.
  const shared = new SharedChecks();
  const summaries = [...byFolder.values()].map(group => validateOutputOnce(group.map(f => ({ file: f.file, objects: f.objects, keys: f.keys })), { clusterApis: group[0].clusterApis, kubernetesVersion: group[0].kubernetesVersion, shared }));
  return {
    builtIn: summaries.reduce((n, s) => n + s.builtIn, 0),
    kubernetesVersions: [...new Set(summaries.flatMap(s => s.kubernetesVersions))].sort(),
    custom: summaries.reduce((n, s) => n + s.custom, 0),
    clusterProvided: summaries.flatMap(s => s.clusterProvided),
    problems: summaries.flatMap(s => s.problems),
  };
}

function problemsMessage(problems: readonly OutputProblem[]): string {
  const shown = problems.slice(0, 50);
  return `the output has ${problems.length} problem(s); nothing was written:\n${formatProblems(shown)}${problems.length > shown.length ? '\n...' : ''}`;
}

/** The files cdk8s' own writer made, read back (every `.yaml` under the folder, in name order). */
function readWrittenFiles(outdir: string): PlannedFile[] {
  return listYaml(outdir).map(file => {
    const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : undefined;
    return { file, folder, bootstrap: false, objects: readOutputObjects(fs.readFileSync(path.join(outdir, file))), keys: [], texts: [] };
  });
}

/** The `.yaml` files under `dir`, relative to it with '/' separators, in name order. */
export function listYaml(dir: string, sub = ''): string[] {
  return fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap(entry => {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listYaml(dir, rel);
    return entry.name.endsWith('.yaml') ? [rel] : [];
  });
}

interface PlannedFile {
  readonly file: string;
  readonly folder?: string;
  readonly bootstrap: boolean;
  readonly objects: KubeManifest[];
  /** Each object's content key (for the caches). */
  readonly keys: string[];
  readonly texts: string[];
  readonly clusterApis?: readonly ClusterApi[];
  readonly kubernetesVersion?: string;
}

function planFiles(app: App): PlannedFile[] {
  const charts = dependencyOrder(app).filter((c): c is Chart => c instanceof Chart);
  const stackOf = (chart: Chart): [IConstruct, OutputFolderOptions] | undefined => {
    for (let c: IConstruct | undefined = chart; c; c = c.node.scope) {
      const options = folders.get(c);
      if (options) return [c, options];
    }
    return undefined;
  };
  const claimed = new Map<string, string>();
  const claim = (file: string, by: string) => {
    const earlier = claimed.get(file);
    if (earlier && earlier !== by) {
      throw new Error(`${earlier} and ${by} would both write ${file}; give the stacks different ids`);
    }
    claimed.set(file, by);
  };

  const rootCharts = charts.filter(c => !stackOf(c));
  const indexed = charts.some(c => c.node.dependencies.length > 0);
  const files: PlannedFile[] = [];
  const counters = new Map<IConstruct, number>();
  for (const chart of charts) {
    const owner = stackOf(chart);
    const objects = chartObjects(chart);
    if (!owner) {
      const index = rootCharts.indexOf(chart);
      const file = `${indexed ? `${String(index).padStart(4, '0')}-` : ''}${Names.toDnsLabel(chart)}${app.outputFileExtension}`;
      claim(file, chart.node.path);
      files.push({ ...render(file, undefined, false, objects.map(o => [o, jsonOf(o)])), clusterApis: ClusterApi.declaredFor(app), kubernetesVersion: kubernetesVersionOf(app) });
      continue;
    }
    const [stack, options] = owner;
    if (chart === options.bootstrap) {
      const file = `${options.name}.gitops${app.outputFileExtension}`;
      claim(file, stack.node.path);
      files.push(render(file, undefined, true, objects.map(o => [o, jsonOf(o)])));
      continue;
    }
    const index = counters.get(stack) ?? 0;
    counters.set(stack, index + 1);
    const role = chart.node.path.slice(stack.node.path.length + 1).replace(/\//g, '-').toLowerCase();
    const file = `${options.name}/${String(index).padStart(4, '0')}-${role}${app.outputFileExtension}`;
    claim(file, stack.node.path);
    const wave = options.syncWave?.(chart);
    files.push({
      ...render(file, options.name, false, objects.map(o => {
        const json = jsonOf(o);
        if (wave === undefined || !options.syncAnnotations) return [o, json];
        // A new metadata object: the JSON may share parts with the rendered manifest.
        return [undefined, { ...json, metadata: { ...json.metadata, annotations: { ...json.metadata?.annotations, ...options.syncAnnotations(json.apiVersion, wave) } } }];
      })),
      clusterApis: ClusterApi.declaredFor(stack),
      kubernetesVersion: kubernetesVersionOf(stack),
    });
  }
  return files;
}

/** A file's objects and their texts; an unchanged rendered document is written as helm wrote it. */
function render(file: string, folder: string | undefined, bootstrap: boolean, entries: Array<[ApiObject | undefined, any]>): PlannedFile {
  const keys: string[] = [];
  const texts = entries.map(([object, json]) => {
    if (isUnchangedRender(object)) {
      // The manifest is a function of helm's text, so the text identifies it.
      keys.push(object.sourceDigest ? `document:${object.sourceDigest}` : `text:${sha256(object.sourceText!)}`);
      return object.sourceText!;
    }
    const key = contentKey(json);
    keys.push(key);
    return objectYaml(json, key);
  });
  return { file, folder, bootstrap, objects: entries.map(([, json]) => json), keys, texts };
}

/**
 * An object's JSON for writing: a rendered object's without the copy its toJson() makes for callers (the
 * writer changes nothing). Measured on a warm `npm run synth` of the reference app (4 runs each): the
 * same time either way (0.9-1.1 s), but 130 MB peak with the copies against 113-117 MB without.
 */
function jsonOf(object: ApiObject): any {
  // Not `instanceof`: ApiObject's own Symbol.hasInstance says true of every ApiObject for every subclass.
  const rendered = object as Partial<RenderedObject>;
  return typeof rendered.sharedJson === 'function' ? rendered.sharedJson.call(object) : object.toJson();
}

function isUnchangedRender(object: ApiObject | undefined): object is RenderedObject {
  // ApiObject's own Symbol.hasInstance narrows `instanceof` to ApiObject, hence the cast.
  return object instanceof RenderedObject && (object as RenderedObject).unchanged;
}

/** The ApiObjects of one chart, in the order cdk8s writes them (its dependency order). */
function chartObjects(chart: Chart): ApiObject[] {
  return dependencyOrder(chart)
    .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
}

/**
 * What cdk8s' `App.synth()` does before writing, done by cdk8s itself: every construct's validations (this library's
 * output checks among them) and the dependencies that nested charts and cross-chart constructs imply. cdk8s does both
 * for the whole app whenever one chart is synthesized ("we must prepare the entire app before synthesizing the
 * chart", `Chart.toJson()`); the chart with the fewest constructs is asked and its JSON thrown away (an app without
 * charts: `synthYaml()`, which then writes nothing).
 */
function prepare(app: App): void {
  // Each chart's size counted once; the sort is stable, so of equal sizes the first chart is asked.
  const [smallest] = app.charts.map(chart => ({ chart, size: chart.node.findAll().length })).sort((a, b) => a.size - b.size);
  if (smallest) smallest.chart.toJson();
  else App.prototype.synthYaml.call(app);
}
