#!/usr/bin/env node
import { Command } from 'commander';

// Each command loads its own modules when it runs: a synth never pays for deploy's, and the reverse.

/**
 * Runs `fn`, printing only the error's message and exiting `failure` (1) on failure; with `--verbose`
 * the whole stack follows (the app's own error's, for an error of the app).
 */
function run(what: string, fn: () => void, failure = 1): void {
  try {
    fn();
  } catch (e) {
    console.error(`${what} failed: ${(e as Error).message}`);
    if (program.opts().verbose) {
      const error = e as Error;
      console.error((error.cause instanceof Error ? error.cause : error).stack);
    }
    process.exitCode = failure;
  }
}

const program = new Command('cdk8s-monitoring')
  .description('Synthesize, check and apply Longhorn and kube-prometheus-stack for self-built clusters.')
  .option('--verbose', 'on failure, print the whole stack trace after the message');

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
  .description('Apply one stack of the synthesized output: upgrade guard, CRDs (server-side) and wait, namespaces, the Secrets pods need (Grafana\'s created from a password you give), then the rest, pruning what the output no longer has.')
  .option('--outdir <dir>', 'synthesized output folder', 'dist')
  .option('--stack <name>', 'the stack (cluster) folder to apply (default: the only one)')
  .option('--context <name>', 'kubeconfig context (default: the current one)')
  .option('--grafana-admin-password-file <file>', 'when Grafana\'s admin Secret does not exist yet: create it with the password in this file (also: GRAFANA_ADMIN_PASSWORD in the environment)')
  .option('--generate-grafana-admin-password', 'when Grafana\'s admin Secret does not exist yet: create it with a random password (deploy prints how to read it)')
  .option('--grafana-admin-user <name>', 'the admin user of a Secret deploy creates', 'admin')
  .option('--force', 'skip the upgrade guard (a Longhorn minor version skipped, a downgrade, older operator CRDs) and the Kubernetes version check (output made for another minor than the server runs), and apply anyway')
  .option('--adopt', 'take over objects that helm install or a client-side kubectl apply made (the install guides\' cluster): resolve conflicts only with those tools, keep every volume, remove Helm\'s marks and, once applied, the release record')
  .option('--dry-run', 'print the kubectl commands instead of running them')
  .option('--wait', 'then wait until the Deployments, StatefulSets and DaemonSets are rolled out, Prometheus and Alertmanager are Available and Reconciled, and the volume claims are Bound; on timeout, say what is not ready and why, and fail')
  .option('--timeout <duration>', 'how long --wait waits, e.g. 90s, 10m, 1h', '10m')
  .action((opts: { outdir: string; stack?: string; context?: string; grafanaAdminPasswordFile?: string; generateGrafanaAdminPassword?: boolean; grafanaAdminUser: string; force?: boolean; adopt?: boolean; dryRun?: boolean; wait?: boolean; timeout: string }, command: Command) => run('deploy', () => {
    const { deploy } = require('./deploy') as typeof import('./deploy');
    const { parseDuration } = require('./wait') as typeof import('./wait');
    if (!opts.wait && command.getOptionValueSource('timeout') === 'cli') throw new Error(`--timeout ${opts.timeout} is for --wait, which is not given; add --wait`);
    deploy({
      outdir: opts.outdir, stack: opts.stack, context: opts.context, dryRun: opts.dryRun, force: opts.force, adopt: opts.adopt,
      passwordFile: opts.grafanaAdminPasswordFile, generate: opts.generateGrafanaAdminPassword, user: opts.grafanaAdminUser,
      wait: opts.wait, timeoutMs: parseDuration(opts.timeout, '--timeout'),
      log: line => console.log(line),
    });
  }));

program.command('diff')
  .description('Show what a deploy of one stack would change: a server-side dry-run diff per file in apply order, and what it would prune. Exits 0 when nothing would change, 1 when something would, 2 on errors (as kubectl diff).')
  .option('--outdir <dir>', 'synthesized output folder', 'dist')
  .option('--stack <name>', 'the stack (cluster) folder to compare (default: the only one)')
  .option('--context <name>', 'kubeconfig context (default: the current one)')
  .option('--force', 'compare even when the output was made for another Kubernetes minor than the server runs')
  .action((opts: { outdir: string; stack?: string; context?: string; force?: boolean }) => run('diff', () => {
    const { diff } = require('./diff') as typeof import('./diff');
    process.exitCode = diff({ ...opts, log: line => console.log(line) });
  }, 2));

program.command('import-values')
  .description('Write a main.ts with a MonitoringStack from the values.yaml of a helm install of kube-prometheus-stack: typed props where a prop owns the value, the rest as raw chart values; prints what moved and what it could not map.')
  .argument('<values>', 'the values.yaml given to helm install')
  .option('--release <name>', 'the Helm release name', 'kube-prom-stack')
  .option('--namespace <name>', 'the release\'s namespace', 'monitoring')
  .option('--longhorn-version <version>', 'the Longhorn version the cluster runs', '1.6.2')
  .option('--out <file>', 'where to write the app', 'main.ts')
  .option('--overwrite', 'replace the file if it exists')
  .action((file: string, opts: { release: string; namespace: string; longhornVersion: string; out: string; overwrite?: boolean }) => run('import-values', () => {
    const fs = require('fs') as typeof import('fs');
    const { importValues } = require('./import-values') as typeof import('./import-values');
    if (fs.existsSync(opts.out) && !opts.overwrite) throw new Error(`${opts.out} exists; pass --overwrite to replace it, or --out another file`);
    const imported = importValues({ values: fs.readFileSync(file, 'utf8'), source: file, release: opts.release, namespace: opts.namespace, longhornVersion: opts.longhornVersion });
    fs.writeFileSync(opts.out, imported.mainTs);
    console.log(`wrote ${opts.out}`);
    for (const note of imported.notes) console.log(`note: ${note}`);
    for (const left of imported.unmapped) console.log(`not mapped: ${left}`);
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
