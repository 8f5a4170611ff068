import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { BoundedMap, codeIdentity, DiskCache, sha256 } from './cache';
import { canonical, frozen } from './canonical';
import { ChartSource, describeMissing, MissingChartError, ResolvedChart, resolveChart } from './chart-source';
import { ChartValues } from './chart-values';
import { readChartFiles } from './chart-values-source';
import { ChartDefinition, isTestedVersion } from './charts';
import { DEFAULT_KUBERNETES_VERSION } from './kube-api';
import { DuplicateKey, KubeManifest, objectName, parseDocument, parserIdentity, splitDocuments } from './manifest-parse';
import type { HookRevivingValue, OwnedValue } from './values-check';
import { reportOf, warnOnce } from './report';
import { helm, helmIdentity, helmVersion } from './tools';

/**
 * The one change made to helm's text: the labels that say Helm manages an object (`app.kubernetes.io/managed-by: Helm`,
 * the older `heritage: Helm`) say this library does, as on its own Namespaces. No Helm release manages the output, and
 * a tool that finds those labels (helm itself, Argo CD's Helm detection, a person) would take the objects for one's.
 * Done on the text, line by line, so an object nothing else changes is still written as helm wrote it.
 */
const MANAGED_BY_HELM = /^(\s*(?:app\.kubernetes\.io\/managed-by|heritage):[ \t]*)(["']?)Helm\2[ \t]*$/gm;
/** The value of those labels in the output. */
export const MANAGED_BY = 'cdk8s-monitoring-stack';

/**
 * A document of helm's output with {@link MANAGED_BY_HELM} changed. Per document, after splitting (the change touches no
 * `---` line), so the documents without the word, the CRDs' 4.4 MB among them, are not searched line by line.
 */
function relabeled(text: string): string {
  return text.includes('Helm') ? text.replace(MANAGED_BY_HELM, `$1${MANAGED_BY}`) : text;
}

/** One `helm template`. */
export interface RenderRequest {
  /** The chart. */
  readonly chart: ChartDefinition;
  /** Chart version (any; untested ones get a warning line). */
  readonly version: string;
  /**
   * Where the chart comes from.
   * @default - the chart's own repository
   */
  readonly source?: ChartSource;
  /** Helm release name; chart templates derive object names from it. */
  readonly releaseName: string;
  /** Namespace of the release. */
  readonly namespace: string;
  /** Chart values. */
  readonly values: ChartValues;
  /**
   * The values a person passed raw (not through typed props), checked against the chart before it
   * renders: every key must be one the chart knows, none may be one a typed prop owns, and none may
   * bring back a Helm hook or admission webhook.
   * @default - none: nothing to check
   */
  readonly rawValues?: RawValues;
  /**
   * API versions the target cluster serves beyond the built-in ones (helm's `--api-versions`), so
   * charts that check `.Capabilities.APIVersions` render what that cluster can take.
   * @default - none
   */
  readonly apiVersions?: readonly string[];
  /**
   * The Kubernetes minor the chart is rendered for (helm's `--kube-version`, the templates' `.Capabilities.KubeVersion`).
   * @default - DEFAULT_KUBERNETES_VERSION, the newest supported
   */
  readonly kubernetesVersion?: string;
}

/** Raw chart values and what they must leave alone. */
export interface RawValues {
  /** The prop they came in: `kubePrometheusStackValues`. */
  readonly prop: string;
  /** The values. */
  readonly values: ChartValues;
  /**
   * Values a typed prop owns.
   * @default - none
   */
  readonly owned?: readonly OwnedValue[];
  /**
   * Values that turn a Helm hook or an admission webhook back on.
   * @default - none
   */
  readonly hookReviving?: readonly HookRevivingValue[];
}

/** One document of a render. */
export interface RenderedDocument {
  /** The object, in canonical form (keys sorted, nulls dropped). Shared, so frozen. */
  readonly manifest: KubeManifest;
  /** The document as helm wrote it, for writing it unchanged when nothing changed it. */
  readonly text: string;
  /** The digest of the text (with the parser that read it): the document's key in the cache, and its identity when written unchanged. */
  readonly digest: string;
  /** The template it came from. */
  readonly template?: string;
  /** Keys given twice (the last one wins). */
  readonly duplicates: readonly DuplicateKey[];
}

/** A document as the cache keeps it: the same for every render and template that has it, and known by its digest. */
type StoredDocument = Omit<RenderedDocument, 'digest' | 'template'>;

/** What a render produced. */
export interface RenderedChart {
  /** The render's cache key: helm version, archive digest, release, namespace, flags and values. */
  readonly key: string;
  /** The chart archive or folder rendered. */
  readonly resolved: ResolvedChart;
  /** Every non-empty document, in helm's order. */
  readonly documents: readonly RenderedDocument[];
  /** Whether helm ran (`miss`), the disk cache answered (`hit`) or an identical render in this process (`shared`). */
  readonly cache: 'miss' | 'hit' | 'shared';
  /** The flags `helm template` got besides release, namespace and values. */
  readonly flags: readonly string[];
}

// A render is kept as the list of its documents (digest, template, and the document when it is small); each distinct
// large document is kept once (every render of a chart version shares its CRDs, several megabytes that are then
// written once per machine): see SHARED_DOCUMENT_CHARS.
const renderCache = new DiskCache('renders');
const documentCache = new DiskCache('documents');
// A few dozen renders: a kube-prometheus-stack render holds several megabytes of objects.
const inProcess = new BoundedMap<string, RenderedChart>(32);

/**
 * The one path every chart render goes through: finds the chart (source, chart folder, pull, lock
 * check), runs the real `helm template` for the request's Kubernetes minor with `--include-crds`, and parses the
 * output the way Kubernetes reads YAML. The result is cached by everything it depends on (helm version,
 * archive digest, release, namespace, flags and values): on disk across synths, and in memory so that
 * identical renders in one app (several clusters with equal values) are made once.
 *
 * Returns undefined when the chart is missing and cannot be pulled: the app then fails at synth with
 * one message that lists every missing chart. Without a scope, a missing
 * chart throws at once.
 */
export function renderChart(request: RenderRequest, scope?: IConstruct): RenderedChart | undefined {
  return beginRender(request, scope)?.result();
}

/** A render under way: helm runs in its own process while the app goes on; {@link result} waits for it. */
export interface PendingRender {
  /** The render, once helm is done (at once when a cache had it). Throws what helm said when it failed. */
  result(): RenderedChart;
}

/**
 * Starts a render, as {@link renderChart} makes it: the chart is found and the raw values are checked now (a
 * missing chart returns undefined, as there), and when no cache has the render, helm starts in a process of its
 * own and runs while the caller goes on. Renders that do not depend on each other (Longhorn and
 * kube-prometheus-stack) run side by side this way, one per core.
 */
export function beginRender(request: RenderRequest, scope?: IConstruct): PendingRender | undefined {
  let resolved: ResolvedChart;
  try {
    resolved = resolveChart(request.chart, request.version, request.source);
  } catch (e) {
    if (!(e instanceof MissingChartError)) throw e;
    recordMissing(scope, e);
    return undefined;
  }
  checkRawValues(request, resolved);
  const report = reportOf(scope);
  if (resolved.recorded) report.notices.push(resolved.recorded);
  if (!isTestedVersion(request.chart, request.version)) {
    warnOnce(scope, `${request.chart.name} ${request.version} is not a version this library tests (tested: ${request.chart.testedVersions.join(', ')}); rendering it anyway: check the output before applying it`);
  }

  const flags = helmFlags(request);
  const key = renderKey(request, resolved);
  const warnDuplicates = (rendered: RenderedChart): RenderedChart => {
    for (const document of rendered.documents) {
      for (const d of document.duplicates) {
        warnOnce(scope, `${request.chart.name} ${request.version} renders ${objectName(document.manifest)} with the key ${d.path} twice: '${d.dropped}' then '${d.kept}'; Kubernetes keeps the last one, and so does this output`);
      }
    }
    return rendered;
  };
  const known = inProcess.get(key);
  if (known) return { result: () => warnDuplicates({ ...known, cache: 'shared' }) };
  const running = helmRuns.get(key);
  if (running) return { result: () => warnDuplicates({ ...running.result(), cache: 'shared' }) };
  const stored = loadRender(key);
  if (stored) {
    const rendered: RenderedChart = { key, resolved, flags, documents: stored, cache: 'hit' };
    inProcess.set(key, rendered);
    return { result: () => warnDuplicates(rendered) };
  }
  const finish = startHelm(request, resolved, flags);
  let rendered: RenderedChart | undefined;
  const pending: PendingRender = {
    result: () => {
      if (!rendered) {
        try {
          rendered = { key, resolved, flags, documents: finish(), cache: 'miss' };
        } finally {
          helmRuns.delete(key);
        }
        storeRender(key, rendered.documents);
        inProcess.set(key, rendered);
      }
      return warnDuplicates(rendered);
    },
  };
  helmRuns.set(key, pending);
  return pending;
}

/**
 * Renders whose helm is running, by key: a second identical request waits for the first. A render never waited for
 * (its construct threw) stays until 32 newer ones pushed it out; its work folder goes when the process ends.
 */
const helmRuns = new BoundedMap<string, PendingRender>(32);

/** What `helm template` gets besides release, namespace and values. */
function helmFlags(request: RenderRequest): string[] {
  return ['--include-crds', '--kube-version', `v${request.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION}.0`, ...(request.apiVersions ?? []).flatMap(v => ['--api-versions', v])];
}

/**
 * The cache key of a render: helm (version and binary), archive digest, release, namespace, flags and values (as helm gets them,
 * nulls included: a null deletes a chart default; keys sorted), the parser that reads helm's output and this module,
 * which changes helm's text and decides what is stored. `resolved` is the chart as {@link resolveChart} finds it.
 */
export function renderKey(request: RenderRequest, resolved: ResolvedChart = resolveChart(request.chart, request.version, request.source)): string {
  renderCode ??= codeIdentity([__filename], []);
  return sha256(JSON.stringify([renderCode, parsing(), helmIdentity(), resolved.digest, request.releaseName, request.namespace, helmFlags(request), helmValues(request.values)]));
}

let renderCode: string | undefined;

/** The values file helm reads (JSON: undefined left out, null kept), with every object's keys sorted. */
function helmValues(values: ChartValues): string {
  return JSON.stringify(values, (_key, value) => (value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : value));
}

/** One document of a render entry: its digest, its template and, when it is small, the document itself. */
interface StoredRenderDocument {
  readonly digest: string;
  readonly template?: string;
  readonly document?: StoredDocument;
}

/**
 * Documents of at least this many characters are kept once on disk, in an entry of their own shared by every render
 * that has them (CRDs: 70-800 KB each, 4.5 of the 5.2 MB of kube-prometheus-stack); smaller ones inside the render's
 * entry. Making a file costs about a millisecond on the 2-core build machine (ext4 in a VM): with one per document, a
 * cold synth of the reference stack wrote 162 document and render entries, now 11 (median of 11 alternating cold
 * synths, 1.54 s against 1.40 s).
 */
const SHARED_DOCUMENT_CHARS = 32 * 1024;

/** A render from the disk cache, or undefined when it (or any of its documents) is missing or corrupt. */
function loadRender(key: string): RenderedDocument[] | undefined {
  const entry = renderCache.get<StoredRenderDocument[]>(key);
  if (!entry) return undefined;
  const documents: RenderedDocument[] = [];
  for (const { digest, template, document: inline } of entry) {
    const document = inline ? remembered(digest, inline) : storedDocument(digest);
    if (!document) return undefined;
    documents.push({ ...document, digest, template });
  }
  return documents;
}

function storeRender(key: string, documents: readonly RenderedDocument[]): void {
  const entry = documents.map(({ template, digest, ...document }): StoredRenderDocument => {
    if (document.text.length < SHARED_DOCUMENT_CHARS) return { digest, template, document };
    storeDocument(digest, document);
    return { digest, template };
  });
  renderCache.put(key, entry);
}

/** Writes a large document to the disk cache unless this process or the cache has it. */
function storeDocument(digest: string, document: StoredDocument): void {
  if (!storedDocuments.has(digest) && !documentCache.has(digest)) documentCache.put(digest, document);
  storedDocuments.set(digest, document);
}

let documentIdentity: string | undefined;

/**
 * A document's key in the cache: its text's digest, with the parser and the canonical form that
 * made its manifest (a changed parser never reads what an older one stored).
 */
function documentKey(text: string): string {
  return sha256(parsing(), '\0', text);
}

/** The parser and the canonical form, as one digest: part of every render and document key. */
function parsing(): string {
  documentIdentity ??= sha256(`${parserIdentity()}\0${codeIdentity([require.resolve('./canonical')], [])}`);
  return documentIdentity;
}

/** Documents this process has read from or written to the cache, by {@link documentKey}. */
const storedDocuments = new BoundedMap<string, StoredDocument>(20_000);

/** The cached document whose text has `digest` (read from its own entry: a large one), or undefined. */
function storedDocument(digest: string): StoredDocument | undefined {
  const document = storedDocuments.get(digest);
  if (document) return document;
  const stored = documentCache.get<StoredDocument>(digest);
  return stored && remembered(digest, stored);
}

/** A document read from the disk cache, frozen and kept in this process by its digest (or the one kept before). */
function remembered(digest: string, document: StoredDocument): StoredDocument {
  const known = storedDocuments.get(digest);
  if (known) return known;
  frozen(document.manifest);
  storedDocuments.set(digest, document);
  return document;
}

/** Throws, listing every problem, when raw values name keys the chart does not know, keys typed props own, or revive hooks. */
function checkRawValues(request: RenderRequest, resolved: ResolvedChart): void {
  const raw = request.rawValues;
  if (!raw) return;
  if (typeof raw.values !== 'object' || raw.values === null || Array.isArray(raw.values)) {
    throw new Error(`${raw.prop} is ${Array.isArray(raw.values) ? 'a list' : JSON.stringify(raw.values)} but must be an object of ${request.chart.name} chart values, as a values.yaml holds them`);
  }
  // Loaded only for apps that pass raw values: most do not, and reading a chart's values costs time.
  const { checkChartValues, checkHookRevivingValues } = require('./values-check') as typeof import('./values-check');
  const common = { chart: request.chart.name, version: request.version, values: raw.values, valuesProp: raw.prop };
  const problems = [
    ...checkChartValues({ ...common, chartFiles: resolved, ownedPaths: raw.owned }),
    ...checkHookRevivingValues({ ...common, settings: raw.hookReviving ?? [] }),
  ];
  if (problems.length > 0) throw new Error(problems.map(p => p.message).join('\n'));
}

/** A short description of the helm that renders, for reports. */
export function helmDescription(): string {
  return `${helmVersion()} (${helm().origin})`;
}

/**
 * Starts `helm template` and returns what waits for it and reads its output. helm writes into files (through
 * /bin/sh, which also writes its exit status), so this process need not return to its event loop to see it
 * end: the wait polls for the status file. Where there is no /bin/sh (Windows), helm runs here and now.
 */
function startHelm(request: RenderRequest, resolved: ResolvedChart, flags: string[]): () => RenderedDocument[] {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-render-'));
  workDirs.add(workDir);
  const cleanUp = () => {
    fs.rmSync(workDir, { recursive: true, force: true });
    workDirs.delete(workDir);
  };
  const files = { values: path.join(workDir, 'values.json'), out: path.join(workDir, 'out'), err: path.join(workDir, 'err'), status: path.join(workDir, 'status') };
  const args = ['template', request.releaseName, resolved.path, '--namespace', request.namespace, ...flags, '--values', files.values];
  // helm's Go runtime collects garbage half as often (GOGC=200, unless set): a kube-prometheus-stack
  // render takes ~15 % less CPU for ~20 MB more memory. The output is the same.
  const env = { ...process.env, GOGC: process.env.GOGC ?? '200' };
  const failed = (reason: string) => new Error(`helm template of ${request.chart.name} ${request.version} failed: ${reason}`);
  try {
    fs.writeFileSync(files.values, JSON.stringify(request.values));
  } catch (e) {
    cleanUp();
    throw e;
  }
  if (process.platform === 'win32' || !fs.existsSync(SH)) {
    const result = spawnSync(helm().path, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env });
    cleanUp();
    return () => {
      if (result.status !== 0) throw failed(result.error ? result.error.message : explained(result.stderr.trim(), request, resolved));
      return readRender(request, result.stdout);
    };
  }
  spawn(SH, ['-c', '"$0" "$@" >"$HELM_OUT" 2>"$HELM_ERR"; echo $? >"$HELM_STATUS.partial"; mv "$HELM_STATUS.partial" "$HELM_STATUS"', helm().path, ...args], {
    stdio: 'ignore', env: { ...env, HELM_OUT: files.out, HELM_ERR: files.err, HELM_STATUS: files.status },
  }).unref();
  const ahead = readCrdsAhead(resolved);
  // Bounded: the work of a render never waited for (its construct threw) is dropped after a few more.
  if (whileHelmRuns.push(ahead) > 8) whileHelmRuns.shift();
  return () => {
    try {
      const tick = new Int32Array(new SharedArrayBuffer(4));
      const deadline = Date.now() + HELM_TIMEOUT_MS;
      while (!fs.existsSync(files.status)) {
        if (Date.now() > deadline) throw failed(`no answer in ${HELM_TIMEOUT_MS / 1000} s`);
        const work = whileHelmRuns[0];
        if (!work) Atomics.wait(tick, 0, 0, 2);
        else if (work.next().done) whileHelmRuns.shift();
      }
      // What is left is read from helm's output in its turn.
      const left = whileHelmRuns.indexOf(ahead);
      if (left >= 0) whileHelmRuns.splice(left, 1);
      if (fs.readFileSync(files.status, 'utf8').trim() !== '0') throw failed(explained(fs.readFileSync(files.err, 'utf8').trim(), request, resolved));
      return readRender(request, fs.readFileSync(files.out, 'utf8'));
    } finally {
      cleanUp();
    }
  };
}

const SH = '/bin/sh';

/** helm's error, with what the raw values had to do with it (a null that deleted what a template reads). */
function explained(helmError: string, request: RenderRequest, resolved: ResolvedChart): string {
  if (!request.rawValues) return helmError;
  const { deletedByNullHint } = require('./values-check') as typeof import('./values-check');
  return helmError + deletedByNullHint(helmError, request.rawValues, resolved);
}

/** The work folders of renders not waited for yet: removed when the process ends. */
const workDirs = new Set<string>();
process.on('exit', () => workDirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));
/** How long a render may take: kube-prometheus-stack takes about a second, ten on a slow machine. */
const HELM_TIMEOUT_MS = 10 * 60 * 1000;

/** helm's output as documents, each parsed once per process (or read from the cache). */
function readRender(request: RenderRequest, stdout: string): RenderedDocument[] {
  try {
    return splitDocuments(stdout).flatMap(({ text, source }) => {
      const known = documentOf(relabeled(text));
      return known.document ? [{ ...known.document, digest: known.digest, template: source }] : [];
    });
  } catch (e) {
    throw new Error(`helm output of ${request.chart.name} ${request.version} is ${(e as Error).message}`);
  }
}

/** A document of helm's output (after the label change), parsed or read from the cache once per process. */
function documentOf(text: string): { readonly document: StoredDocument | null; readonly digest: string } {
  let known = documentMemo.get(text);
  if (known === undefined) {
    const digest = documentKey(text);
    // Only a large document has an entry of its own; a small one is parsed again (it is not worth a file).
    known = { document: (text.length < SHARED_DOCUMENT_CHARS ? storedDocuments.get(digest) : storedDocument(digest)) ?? parseRendered(text), digest };
    documentMemo.set(text, known);
  }
  return known;
}

/**
 * What the process does while helm runs, instead of waiting: one step of the first unfinished piece of work per look
 * at helm's status. Without it, the main thread waits for helm (a quarter second for kube-prometheus-stack).
 */
const whileHelmRuns: Array<Iterator<void>> = [];

/**
 * Reads a chart's CRDs before helm answers, one document per step. With `--include-crds` helm copies the `crds/` files of
 * the chart and its subcharts into its output as they are (`---`, a `# Source:` line, the file, a newline), so their
 * documents (4.4 of the 5.2 MB kube-prometheus-stack renders) are parsed into the memo {@link readRender} reads, and
 * written to the disk cache, while helm still runs. Only a document whose text is the same as in helm's output is ever
 * used (the memo is keyed by the text); one helm writes differently, or leaves out (a disabled subchart), costs a parse,
 * and a problem (an unreadable archive, a file that is not YAML) is left for the reading of helm's output to report.
 */
function* readCrdsAhead(resolved: ResolvedChart): Generator<void> {
  let texts: readonly string[];
  try {
    texts = crdTexts(resolved);
  } catch {
    return;
  }
  for (const text of texts) {
    yield;
    if (documentMemo.has(text)) continue;
    let known: ReturnType<typeof documentOf>;
    try {
      known = documentOf(text);
    } catch {
      // Reported, if helm's output has it, where that is read.
      continue;
    }
    // Stored now as well: the render, once stored, finds it there.
    yield;
    if (known.document && text.length >= SHARED_DOCUMENT_CHARS) storeDocument(known.digest, known.document);
  }
}

/** The CRD documents' texts of each chart read ahead, by the chart's digest. */
const crdTextsByChart = new BoundedMap<string, readonly string[]>(8);

function crdTexts(resolved: ResolvedChart): readonly string[] {
  let texts = crdTextsByChart.get(resolved.digest);
  if (!texts) {
    // A chart's own crds/ and those of its subchart folders, in any depth below crds/, as helm's CRDObjects finds them.
    const files = readChartFiles(resolved.path, file => /^[^/]+(?:\/charts\/[^/]+)*\/crds\/.+\.(?:ya?ml|json)$/.test(file));
    const stream = [...files].map(([file, bytes]) => `---\n# Source: ${file}\n${bytes.toString('utf8')}\n`).join('');
    texts = splitDocuments(stream).map(d => relabeled(d.text));
    crdTextsByChart.set(resolved.digest, texts);
  }
  return texts;
}

// Documents repeat across renders (every CRD, most objects of clusters whose values differ a little):
// a large document already in the cache (from any earlier render) is read from it, not parsed again, and
// each distinct text is looked at once per process; only its canonical form is kept, with its key
// (each document of the render carries that key: storing the render, and writing the document as helm
// wrote it, need no second digest).
const documentMemo = new BoundedMap<string, { readonly document: StoredDocument | null; readonly digest: string }>(20_000);

function parseRendered(text: string): StoredDocument | null {
  const { value, duplicates } = parseDocument(text);
  return value === null || typeof value !== 'object' ? null : { manifest: frozen(canonical(value) as KubeManifest), text, duplicates };
}

const missingByApp = new WeakMap<IConstruct, MissingChartError[]>();

function recordMissing(scope: IConstruct | undefined, error: MissingChartError): void {
  if (!scope) throw error;
  const root = scope.node.root;
  let list = missingByApp.get(root);
  if (!list) {
    const all: MissingChartError[] = [];
    list = all;
    missingByApp.set(root, all);
    // One validation on the app, so cdk8s' synth (and Testing.synth) fails with every missing chart at once.
    root.node.addValidation({ validate: () => (all.length === 0 ? [] : [describeMissing(all)]) });
  }
  if (!list.some(m => m.file === error.file)) list.push(error);
}
