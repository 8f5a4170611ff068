import * as fs from 'fs';
import * as path from 'path';
import { collectWrites, listYaml, WrittenFile } from '../output/layout';
import { preflight } from '../output/preflight';
import { formatProblems, OutputValidationSummary, validateOutput } from '../output/validation';
import { parseManifests } from '../render/manifest-parse';
import { SynthReport } from '../render/report';
import { loadApp } from './app-loader';

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  /** The cdk8s app's entry file (.js or .ts); it must build an `App` without `outdir` and call `synth()`. */
  readonly app: string;
  /** Output folder, replaced whole on success. */
  readonly outdir: string;
}

/** What a successful synth wrote. */
export interface SynthesizeResult {
  /** The files now in `outdir` (paths relative to it). */
  readonly files: WrittenFile[];
  /** What validation covered. */
  readonly validation: OutputValidationSummary;
  /** What the renders said. */
  readonly report: SynthReport;
}

/**
 * Runs a cdk8s app (in this process) into a temporary folder beside `outdir`, where the app's writer
 * validates every object before writing, and only then swaps the folder in. A failure (bad props, a
 * missing chart, invalid output) throws and leaves `outdir` as it was, byte for byte. (`cdk8s synth`,
 * by contrast, empties `dist/` first.)
 */
export function synthesize(options: SynthesizeOptions): SynthesizeResult {
  const outdir = path.resolve(options.outdir);
  const parent = path.dirname(outdir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(outdir)}.tmp-`));
  try {
    const written = collectWrites({ staging, outdir }, () => withOutdir(staging, () => loadApp(path.resolve(options.app))));
    // An app without this library's constructs is written by cdk8s itself: read it back and check it.
    const result = written.length > 0 ? merge(written) : readBack(staging);
    if (result.files.length === 0) {
      throw new Error(`${options.app} wrote nothing to CDK8S_OUTDIR; build the App without an outdir so the synth command can choose it, and call app.synth()`);
    }
    // mkdtemp makes the folder owner-only; dist/ is for everyone who may read the project.
    fs.chmodSync(staging, 0o755);
    replaceDir(staging, outdir);
    return result;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function withOutdir<T>(dir: string, fn: () => T): T {
  const saved = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = dir;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  }
}

function merge(written: ReturnType<typeof collectWrites>): SynthesizeResult {
  return {
    files: written.flatMap(w => w.files),
    validation: {
      builtIn: written.reduce((n, w) => n + w.validation.builtIn, 0),
      kubernetesVersions: [...new Set(written.flatMap(w => w.validation.kubernetesVersions))].sort(),
      custom: written.reduce((n, w) => n + w.validation.custom, 0),
      clusterProvided: written.flatMap(w => w.validation.clusterProvided),
      problems: [],
    },
    report: {
      renders: written.flatMap(w => w.report.renders),
      warnings: [...new Set(written.flatMap(w => w.report.warnings))],
      notices: [...new Set(written.flatMap(w => w.report.notices))],
      leftOut: written.flatMap(w => w.report.leftOut),
    },
  };
}

function readBack(dir: string): SynthesizeResult {
  const files = listYaml(dir).map(file => ({ file, bootstrap: false, objects: parseManifests(fs.readFileSync(path.join(dir, file), 'utf8')) }));
  const validation = validateOutput(files);
  if (validation.problems.length > 0) {
    const shown = validation.problems.slice(0, 50);
    throw new Error(`the output has ${validation.problems.length} problem(s):\n${formatProblems(shown)}${validation.problems.length > shown.length ? '\n...' : ''}`);
  }
  return { files, validation, report: { renders: [], warnings: [], notices: [], leftOut: [] } };
}

/** Puts `staging` at `outdir` with two renames, so `outdir` is never half-written. */
function replaceDir(staging: string, outdir: string): void {
  const previous = `${staging}.previous`;
  const hadPrevious = fs.existsSync(outdir);
  if (hadPrevious) fs.renameSync(outdir, previous);
  fs.renameSync(staging, outdir);
  if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
}

/** What a person reads after a synth: a pre-flight check, one line per fact. */
export function describeSynth(result: SynthesizeResult, outdir: string): string[] {
  const lines = result.report.renders.map(r => {
    const dropped = r.droppedHooks.length === 0
      ? 'no Helm hooks left out'
      : `left out ${r.droppedHooks.length} Helm hook object(s): ${r.droppedHooks.map(h => `${h.object} (${h.hook})`).join(', ')}`;
    return `${r.chart} ${r.version}${r.tested ? '' : ' (untested)'} in ${r.namespace}: ${r.objectCount} objects; ${dropped}; from ${r.source}; helm ${r.helm}; ${r.cache === 'miss' ? 'rendered' : r.cache === 'hit' ? 'from the render cache' : 'shared with an identical render'}`;
  });
  lines.push(...result.report.warnings.map(w => `warning: ${w}`));
  lines.push(...result.report.notices);
  lines.push(`validated ${result.validation.builtIn} objects against Kubernetes ${result.validation.kubernetesVersions.join(' and ')} and ${result.validation.custom} custom resources against their schemas`);
  lines.push(...result.validation.clusterProvided.map(c => `not checked: ${c}`));
  lines.push(...result.files.map(f => `${path.join(outdir, f.file)} (${f.objects.length} objects)${f.bootstrap ? ' — GitOps bootstrap: apply once by hand' : ''}`));
  // The pre-flight check, per cluster: what is monitored, where alerts go, what is exposed, what was left out.
  const folders = [...new Set(result.files.filter(f => !f.bootstrap).map(f => f.folder ?? ''))];
  for (const folder of folders) {
    const objects = result.files.filter(f => !f.bootstrap && (f.folder ?? '') === folder).flatMap(f => f.objects);
    const prefix = folder ? `${folder}: ` : '';
    lines.push(...preflight(objects).map(l => `${prefix}${l}`));
    lines.push(...result.report.leftOut.filter(l => l.folder === folder).map(l => `${prefix}left out: ${l.line}`));
  }
  return lines;
}
