import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { applyPlan, ApplyStep } from '../output/apply-plan';
import { readOutputDir } from '../output/validation';
import { kubectlBinary } from '../render/tools';

/** Options of {@link deploy}. */
export interface DeployOptions {
  /** Synthesized output folder. */
  readonly outdir: string;
  /**
   * The stack (cluster) to apply: its folder under `outdir`.
   * @default - the only stack folder in `outdir`, or `outdir` itself when it holds the files
   */
  readonly stack?: string;
  /**
   * kubeconfig context.
   * @default - kubectl's current context
   */
  readonly context?: string;
  /**
   * Print the kubectl commands instead of running them.
   * @default false
   */
  readonly dryRun?: boolean;
  /** Where each line of progress goes. */
  readonly log: (line: string) => void;
}

/** kubectl's arguments for a step, against `context` if given. */
function kubectlArgs(step: ApplyStep, context?: string): string[] {
  return [...(context ? ['--context', context] : []), ...step.kubectl];
}

/** The kubectl command line of a step, as a person would type it. */
export function commandLine(step: ApplyStep, context?: string): string {
  return ['kubectl', ...kubectlArgs(step, context)].join(' ');
}

/**
 * The folder of one stack's files: `outdir/<stack>`, or the only stack folder there, or `outdir`
 * itself when it holds the files. Throws with what to do when there is nothing, or a choice to make.
 */
export function stackFolder(outdir: string, stack?: string): string {
  if (!fs.existsSync(outdir)) {
    throw new Error(`${outdir} does not exist: run 'npm run synth' (or npx cdk8s-monitoring synth) first`);
  }
  const entries = fs.readdirSync(outdir, { withFileTypes: true });
  const stacks = entries.filter(e => e.isDirectory() && !e.name.startsWith('.')).map(e => e.name).sort();
  if (stack !== undefined) {
    if (!stacks.includes(stack)) throw new Error(`${outdir} has no stack '${stack}'; it has: ${stacks.join(', ') || 'none'}`);
    return path.join(outdir, stack);
  }
  if (entries.some(e => e.isFile() && e.name.endsWith('.yaml') && !e.name.includes('.gitops.'))) return outdir;
  if (stacks.length === 1) return path.join(outdir, stacks[0]);
  if (stacks.length === 0) throw new Error(`${outdir} holds no manifests: run 'npm run synth' first`);
  throw new Error(`${outdir} holds ${stacks.length} stacks (${stacks.join(', ')}); choose one with --stack NAME`);
}

/** Applies one stack's folder to a cluster by {@link applyPlan}, stopping at the first step that fails. */
export function deploy(options: DeployOptions): void {
  const folder = stackFolder(options.outdir, options.stack);
  const steps = applyPlan(readOutputDir(folder), path.relative(process.cwd(), folder) || folder);
  if (options.dryRun) {
    for (const step of steps) options.log(`${commandLine(step, options.context)}    # ${step.why}`);
    return;
  }
  const kubectl = kubectlBinary();
  for (const step of steps) {
    options.log(`$ ${commandLine(step, options.context)}`);
    const result = spawnSync(kubectl, kubectlArgs(step, options.context), {
      encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (result.stdout) options.log(result.stdout.trimEnd());
    if (result.status !== 0) {
      const kubectlSays = result.error?.message || result.stderr.trim();
      // Only a clean NotFound means "missing"; Forbidden, a wrong context or a lost connection say so themselves.
      const reason = step.ifMissing && /\bNotFound\b|not found/.test(kubectlSays) ? step.ifMissing : kubectlSays;
      throw new Error(`${step.why}: ${reason}`);
    }
  }
}
