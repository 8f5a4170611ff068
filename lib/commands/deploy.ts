#!/usr/bin/env node
import { spawnSync } from 'child_process';
import { Command } from 'commander';
import { applyPlan, ApplyStep } from '../output/apply-plan';
import { kubectlBinary } from '../render/bundled-binaries';
import { readOutputDir } from '../output/output-validation';

/** Options of {@link deploy}. */
export interface DeployOptions {
  /** Synthesized output folder. */
  readonly outdir: string;
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

/** Applies `outdir` to a cluster by {@link applyPlan}, stopping at the first step that fails. */
export function deploy(options: DeployOptions): void {
  const steps = applyPlan(readOutputDir(options.outdir), options.outdir);
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

if (require.main === module) {
  new Command('deploy')
    .description('Apply the synthesized output to a cluster: CRDs (server-side) and wait, namespaces, required Secrets check, the rest.')
    .option('--outdir <dir>', 'synthesized output folder', 'dist')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--dry-run', 'print the kubectl commands instead of running them')
    .action((opts: { outdir: string; context?: string; dryRun?: boolean }) => {
      try {
        deploy({ ...opts, log: line => console.log(line) });
      } catch (e) {
        console.error(`deploy stopped: ${(e as Error).message}`);
        process.exitCode = 1;
      }
    })
    .parse();
}
