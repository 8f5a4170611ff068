import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { chartArchive } from './chart-archive';
import { ChartPin } from './chart-pins';
import { helmBinary } from './bundled-binaries';
import { isClusterScoped, KubeManifest } from '../output/kube-scope';

/** The Kubernetes version charts are rendered for (their `.Capabilities.KubeVersion`). */
export const TARGET_KUBE_VERSION = 'v1.28.0';

/** What a Helm hook becomes in plain YAML, where no Helm runs it at its moment. */
export enum HookPolicy {
  /**
   * Drop every hook object, as `helm template --no-hooks` does (the way Longhorn's own
   * `deploy/longhorn.yaml` is made).
   */
  DROP_ALL = 'drop-all',
  /**
   * Keep `pre-/post-install` and `pre-/post-upgrade` hooks as plain objects (annotations stripped),
   * so what they create at install exists; drop test, delete and rollback hooks.
   */
  KEEP_INSTALL_HOOKS = 'keep-install-hooks',
}

/** One `helm template` of a pinned chart. */
export interface HelmRenderRequest {
  /** The chart. */
  readonly chart: ChartPin;
  /** One of the chart's pinned versions. */
  readonly version: string;
  /** Helm release name; chart templates derive object names from it. */
  readonly releaseName: string;
  /** Namespace of the release: every namespaced object ends up in it unless the chart says otherwise. */
  readonly namespace: string;
  /** Chart values. */
  readonly values: Record<string, unknown>;
  /** What happens to hook objects. */
  readonly hooks: HookPolicy;
}

/** A hook object left out of the output, and why. */
export interface DroppedHook {
  /** `Kind/name` of the object. */
  readonly object: string;
  /** Its `helm.sh/hook` annotation. */
  readonly hook: string;
}

/** What a render produced. */
export interface HelmRenderResult {
  /** Objects in helm's install order, namespaces settled, hook annotations stripped. */
  readonly manifests: KubeManifest[];
  /** Hook objects left out. */
  readonly droppedHooks: DroppedHook[];
}

/** What one render produced, for the synth summary. */
export interface HelmRenderReport {
  /** Chart name. */
  readonly chart: string;
  /** Chart version. */
  readonly version: string;
  /** Release namespace. */
  readonly namespace: string;
  /** Objects kept. */
  readonly objectCount: number;
  /** Hook objects left out. */
  readonly droppedHooks: DroppedHook[];
}

/**
 * Env var naming a file that each render appends its {@link HelmRenderReport} to, as one JSON
 * line: how the synth command learns what the app's renders left out.
 */
export const RENDER_REPORT_ENV = 'CDK8S_RENDER_REPORT';

const KEPT_HOOKS = new Set(['pre-install', 'post-install', 'pre-upgrade', 'post-upgrade']);

/**
 * Renders a pinned chart with the real `helm template` and returns its objects.
 *
 * This is the one path every chart render goes through, so hook policy, namespace scoping (and,
 * later, caching and validation) have one home.
 */
export function renderHelmChart(request: HelmRenderRequest): HelmRenderResult {
  const archive = chartArchive(request.chart, request.version);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-render-'));
  try {
    const valuesFile = path.join(workDir, 'values.json');
    fs.writeFileSync(valuesFile, JSON.stringify(request.values));
    const result = spawnSync(helmBinary(), [
      'template', request.releaseName, archive,
      '--namespace', request.namespace,
      '--include-crds',
      '--kube-version', TARGET_KUBE_VERSION,
      '--values', valuesFile,
    ], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) {
      const reason = result.error ? result.error.message : result.stderr.trim();
      throw new Error(`helm template of ${request.chart.name} ${request.version} failed: ${reason}`);
    }
    const settled = settle(parseManifests(result.stdout), request);
    const reportFile = process.env[RENDER_REPORT_ENV];
    if (reportFile) {
      const report: HelmRenderReport = {
        chart: request.chart.name, version: request.version, namespace: request.namespace,
        objectCount: settled.manifests.length, droppedHooks: settled.droppedHooks,
      };
      fs.appendFileSync(reportFile, `${JSON.stringify(report)}\n`);
    }
    return settled;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Parses helm's multi-document output the way Kubernetes' YAML reader does: YAML 1.1 numbers and
 * booleans (`0644` is octal), but timestamps and sexagesimal forms (`12:30`) stay strings.
 */
export function parseManifests(text: string): KubeManifest[] {
  return YAML.parseAllDocuments(text, {
    version: '1.1',
    customTags: tags => tags.filter(tag => typeof tag === 'string' || (tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME')),
  }).map(doc => {
    if (doc.errors.length > 0) throw new Error(`helm output is not valid YAML: ${doc.errors[0].message}`);
    return doc.toJS({ maxAliasCount: -1 }) as KubeManifest | null;
  }).filter((m): m is KubeManifest => m !== null && typeof m === 'object');
}

function settle(rendered: KubeManifest[], request: HelmRenderRequest): HelmRenderResult {
  const droppedHooks: DroppedHook[] = [];
  const kept: KubeManifest[] = [];
  for (const manifest of rendered) {
    const hook = manifest.metadata.annotations?.['helm.sh/hook'];
    if (hook === undefined) {
      kept.push(manifest);
      continue;
    }
    const phases = hook.split(',').map(p => p.trim());
    if (request.hooks === HookPolicy.KEEP_INSTALL_HOOKS && phases.some(p => KEPT_HOOKS.has(p))) {
      kept.push(withoutHookAnnotations(manifest));
    } else {
      droppedHooks.push({ object: `${manifest.kind}/${manifest.metadata.name}`, hook });
    }
  }
  const crds = kept.filter(m => m.kind === 'CustomResourceDefinition');
  const manifests = kept.map(manifest => {
    const metadata = { ...manifest.metadata };
    if (isClusterScoped(manifest, crds)) {
      delete metadata.namespace;
    } else {
      metadata.namespace = metadata.namespace ?? request.namespace;
    }
    return { ...manifest, metadata };
  });
  return { manifests, droppedHooks };
}

function withoutHookAnnotations(manifest: KubeManifest): KubeManifest {
  const annotations = Object.fromEntries(
    Object.entries(manifest.metadata.annotations ?? {}).filter(([key]) => !key.startsWith('helm.sh/hook')),
  );
  const metadata: KubeManifest['metadata'] = { ...manifest.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete metadata.annotations;
  return { ...manifest, metadata };
}
