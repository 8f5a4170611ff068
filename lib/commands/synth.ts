#!/usr/bin/env node
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { accessUrls } from '../output/access-urls';
import { HelmRenderReport, RENDER_REPORT_ENV } from '../render/helm-render';
import { formatProblems, OutputFile, OutputValidationSummary, readOutputDir, validateOutput } from '../output/output-validation';

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  /** The cdk8s app's entry file; it must build an `App` without `outdir` and call `synth()`. */
  readonly app: string;
  /** Output folder, replaced whole on success. */
  readonly outdir: string;
}

/** What a successful synth wrote. */
export interface SynthesizeResult {
  /** The files now in `outdir`. */
  readonly files: OutputFile[];
  /** What validation covered. */
  readonly validation: OutputValidationSummary;
  /** Each Helm render, with what it left out. */
  readonly renders: HelmRenderReport[];
  /** What the app printed on stderr (warnings such as a plain-text password). */
  readonly warnings: string;
}

/**
 * Runs a cdk8s app into a temporary folder beside `outdir`, validates every object, and only
 * then swaps it in. A failure (bad props, a missing chart, invalid output) throws and leaves
 * `outdir` as it was, byte for byte. (`cdk8s synth`, by contrast, empties `dist/` first.)
 */
export function synthesize(options: SynthesizeOptions): SynthesizeResult {
  const outdir = path.resolve(options.outdir);
  const app = path.resolve(options.app);
  const parent = path.dirname(outdir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(outdir)}.tmp-`));
  try {
    const { renders, warnings } = runApp(app, staging);
    const files = readOutputDir(staging);
    if (files.length === 0) {
      throw new Error(`${options.app} wrote nothing to CDK8S_OUTDIR; build the App without an outdir so the synth command can choose it`);
    }
    const validation = validateOutput(files);
    if (validation.problems.length > 0) {
      const shown = validation.problems.slice(0, 50);
      throw new Error(`the output has ${validation.problems.length} problem(s); ${options.outdir} was left as it was:\n${formatProblems(shown)}${validation.problems.length > shown.length ? '\n...' : ''}`);
    }
    // mkdtemp makes the folder owner-only; dist/ is for everyone who may read the project.
    fs.chmodSync(staging, 0o755);
    replaceDir(staging, outdir);
    return { files, validation, renders, warnings };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Runs the app in its own node process (TypeScript through ts-node, without type-checking). */
function runApp(app: string, outdir: string): { renders: HelmRenderReport[]; warnings: string } {
  const reportFile = path.join(outdir, '.renders.jsonl');
  const preload = app.endsWith('.ts') ? ['-r', require.resolve('ts-node/register/transpile-only', { paths: [path.dirname(app), process.cwd()] })] : [];
  // Only the error's message reaches the user: a stack trace of the app says nothing about the fix.
  const bootstrap = 'try { require(process.argv[1]); } catch (e) { process.stderr.write(String(e && e.message || e)); process.exit(1); }';
  const result = spawnSync(process.execPath, [...preload, '-e', bootstrap, app], {
    env: { ...process.env, CDK8S_OUTDIR: outdir, [RENDER_REPORT_ENV]: reportFile },
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(result.stderr.trim() || `${app} exited with ${result.status ?? result.signal}`);
  }
  const reports = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l) as HelmRenderReport) : [];
  fs.rmSync(reportFile, { force: true });
  return { renders: reports, warnings: result.stderr.trim() };
}

/** Puts `staging` at `outdir` with two renames, so `outdir` is never half-written. */
function replaceDir(staging: string, outdir: string): void {
  const previous = `${staging}.previous`;
  const hadPrevious = fs.existsSync(outdir);
  if (hadPrevious) fs.renameSync(outdir, previous);
  fs.renameSync(staging, outdir);
  if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
}

/** One line per render and one for validation: what a person reads after a synth. */
export function describeSynth(result: SynthesizeResult, outdir: string): string[] {
  const lines = result.renders.map(r => {
    const dropped = r.droppedHooks.length === 0
      ? 'no Helm hooks left out'
      : `left out ${r.droppedHooks.length} Helm hook object(s): ${r.droppedHooks.map(h => `${h.object} (${h.hook})`).join(', ')}`;
    return `${r.chart} ${r.version} in ${r.namespace}: ${r.objectCount} objects; ${dropped}`;
  });
  lines.push(`validated ${result.validation.builtIn} objects against Kubernetes 1.28 and ${result.validation.custom} custom resources against their CRDs`);
  lines.push(...result.files.map(f => `${path.join(outdir, f.file)} (${f.objects.length} objects)`));
  lines.push(...accessUrls(result.files).map(u => `open ${u.url}  (${u.via})`));
  return lines;
}

if (require.main === module) {
  const program = new Command('synth')
    .description('Synthesize the cdk8s app into a folder, validate every object, and replace the folder only on success.')
    .option('--app <file>', 'the app entry file', 'main.ts')
    .option('--outdir <dir>', 'output folder', 'dist')
    .action((opts: { app: string; outdir: string }) => {
      try {
        const result = synthesize({ app: opts.app, outdir: opts.outdir });
        if (result.warnings) console.error(result.warnings);
        for (const line of describeSynth(result, opts.outdir)) console.log(line);
      } catch (e) {
        console.error(`synth failed: ${(e as Error).message}`);
        process.exitCode = 1;
      }
    });
  program.parse();
}
