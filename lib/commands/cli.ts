#!/usr/bin/env node
import { Command } from 'commander';

// Each command loads its own modules when it runs: a synth never pays for deploy's, and the reverse.

/** Runs `fn`, printing only the error's message (never a stack trace) and exiting 1 on failure. */
function run(what: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    console.error(`${what} failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

const program = new Command('cdk8s-monitoring')
  .description('Synthesize, check and apply Longhorn and kube-prometheus-stack for self-built clusters.');

program.command('synth')
  .description('Run the cdk8s app into a staging folder, validate every object, and replace the output folder only on success.')
  .option('--app <file>', 'the app entry file (.ts or .js)', 'main.ts')
  .option('--outdir <dir>', 'output folder', 'dist')
  .option('--report-json <file>', 'also write what the synth did (renders with their helm template invocations, validation, files) as JSON')
  .action((opts: { app: string; outdir: string; reportJson?: string }) => run('synth', () => {
    const { describeSynth, synthesize } = require('./synth') as typeof import('./synth');
    const result = synthesize(opts);
    for (const line of describeSynth(result, opts.outdir)) console.log(line);
    if (opts.reportJson) {
      require('fs').writeFileSync(opts.reportJson, JSON.stringify({ ...result, files: result.files.map(f => ({ ...f, objects: f.objects.length })) }, null, 2));
    }
  }));

program.command('deploy')
  .description('Apply one stack of the synthesized output: CRDs (server-side) and wait, namespaces, required Secrets check, the rest.')
  .option('--outdir <dir>', 'synthesized output folder', 'dist')
  .option('--stack <name>', 'the stack (cluster) folder to apply (default: the only one)')
  .option('--context <name>', 'kubeconfig context (default: the current one)')
  .option('--dry-run', 'print the kubectl commands instead of running them')
  .action((opts: { outdir: string; stack?: string; context?: string; dryRun?: boolean }) => run('deploy', () => {
    const { deploy } = require('./deploy') as typeof import('./deploy');
    deploy({ ...opts, log: line => console.log(line) });
  }));

program.command('vendor')
  .description('Put chart archives into the chart folder (CDK8S_CHARTS_DIR, default charts/), pulling what is missing and recording each in charts.lock.')
  .argument('[charts...]', 'name@version of each chart (default: every tested version)')
  .action((refs: string[]) => run('vendor', () => {
    const { vendorCharts } = require('./charts') as typeof import('./charts');
    const { chartsDir } = require('../render/chart-source') as typeof import('../render/chart-source');
    for (const chart of vendorCharts(refs)) console.log(`ok ${chart.path} sha256:${chart.digest}${chart.recorded ? ` (${chart.recorded})` : ''}`);
    console.log(`chart archives are in ${chartsDir()}`);
  }));

program.command('accept-chart')
  .description('Accept the archive now in the chart folder (or pulled) for name@version as the one charts.lock records.')
  .argument('<chart>', 'name@version, e.g. kube-prometheus-stack@88.5.3')
  .action((ref: string) => run('accept-chart', () => {
    const { acceptChart } = require('./charts') as typeof import('./charts');
    const chart = acceptChart(ref);
    console.log(`charts.lock now records ${ref} as sha256:${chart.digest} from ${chart.source}`);
  }));

program.parse();
