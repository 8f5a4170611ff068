import * as fs from 'fs';
import * as path from 'path';
import { ApplyStep, applyPlan, createSecretHint, FIELD_MANAGER, StepAction } from './apply-plan';
import { OutputFile, readOutputDir } from '../output/validation';
import { KubeManifest, objectName } from '../render/manifest-parse';
import { controllerOf, LiveParent, PARENT_GROUP, PARENT_RESOURCE, PART_OF_LABEL, prunePlan, readParent, resourceOf } from './applyset';
import { commandLine, describeSkew, Kubectl, KubectlResult, KubectlRunner, requireApplySetSupport, serverVersionMismatch, versionSkew } from './kubectl';
import { checkClusterServes, requiredClusterApis } from './cluster-apis';
import { describeReplacement, Replacement, replacements } from './immutable';
import { Adoption, adoptionNeeded, findAdoption, hasAdoption, HelmRelease, liveObjectsOf, earlierMarksRemoval, otherManagers, PREVIOUS_MANAGERS } from './adopt';
import { checkSecretsCanBeMet, ensureSecret, grafanaPassword, GrafanaPassword, GrafanaPasswordSource } from './required-secrets';
import { checkUpgrade, refusalMessage, runningVersions, targetVersions, UpgradeCheck } from './upgrade-guard';
import { Clock, describeWait, statusLine, waitTargets, waitUntilReady } from './wait';

/** How long --wait waits by default: 10 minutes. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60 * 1000;

/** Options of {@link deploy}. */
export interface DeployOptions extends GrafanaPasswordSource {
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
  /**
   * Apply even when the upgrade guard refuses (a Longhorn minor version skipped, a downgrade), or when the output
   * was made for another Kubernetes minor than the server runs.
   * @default false
   */
  readonly force?: boolean;
  /**
   * Take over objects that `helm install` or a client-side `kubectl apply` made (see {@link findAdoption}): conflicts
   * with those tools' fields are resolved in the output's favour, Helm's marks and the release's webhook
   * configurations are removed, and the release record is deleted once everything is applied. Without it, deploy
   * stops on such a cluster, saying what it found.
   * @default false
   */
  readonly adopt?: boolean;
  /** Where each line of progress goes. */
  readonly log: (line: string) => void;
  /**
   * How kubectl is run (tests give a scripted one).
   * @default - the kubectl of tools.ts against `context`
   */
  readonly kubectl?: KubectlRunner;
  /**
   * After the last step, wait until the output's Deployments, StatefulSets and DaemonSets are rolled out, its
   * Prometheus and Alertmanager are Available and Reconciled, and every PersistentVolumeClaim in its namespaces is
   * Bound; fail with what is not ready and why after `timeoutMs`. Without it, one line says what is ready so far.
   * @default false
   */
  readonly wait?: boolean;
  /**
   * How long `wait` waits.
   * @default - 10 minutes (DEFAULT_WAIT_TIMEOUT_MS)
   */
  readonly timeoutMs?: number;
  /**
   * Time between the polls of `wait`.
   * @default 2000
   */
  readonly pollIntervalMs?: number;
  /**
   * How `wait` tells time and sleeps (tests give one that only pretends).
   * @default - the system clock
   */
  readonly clock?: Clock;
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

/** A stack's folder read back: its name (the ApplySet parent's), its files and the plan to apply them. */
export interface StackOutput {
  readonly name: string;
  readonly folder: string;
  readonly files: OutputFile[];
  readonly steps: ApplyStep[];
}

/** Reads the stack's folder and plans its apply. */
export function readStack(outdir: string, stack?: string): StackOutput {
  const folder = stackFolder(outdir, stack);
  const files = readOutputDir(folder);
  if (files.length === 0) throw new Error(`${folder} holds no manifests: run 'npm run synth' first`);
  const name = path.basename(path.resolve(folder));
  return { name, folder, files, steps: applyPlan(files, shownPath(folder), name) };
}

/** A folder as commands show it: relative to the working directory when inside it, else absolute. */
export function shownPath(folder: string): string {
  const relative = path.relative(process.cwd(), folder);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : path.resolve(folder);
}

/** The step as a shell command, with its standard input as a here-document. */
export function stepCommand(step: ApplyStep, context?: string): string {
  const line = commandLine(step.kubectl, context);
  return step.input === undefined ? line : `${line} <<'EOF'\n${step.input.trimEnd()}\nEOF`;
}

/**
 * Applies one stack's folder to a cluster by {@link applyPlan}, stopping at the first step that fails:
 * checks the upgrade first, says what the new output no longer has, then runs each step. Then, with `wait`, waits
 * until what the stack runs is ready (see {@link waitUntilReady}), else says in one line what is ready so far.
 */
export function deploy(options: DeployOptions): void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new Error(`timeoutMs is ${timeoutMs}; give 0 or more milliseconds`);
  const output = readStack(options.outdir, options.stack);
  const { steps } = output;
  const targets = waitTargets(output.files.flatMap(f => f.objects));
  if (options.dryRun) {
    for (const step of steps) {
      options.log(`# ${step.why}${dryRunNote(step)}`);
      options.log(stepCommand(step, options.context));
    }
    if (options.wait) options.log(`# ${describeWait(targets, timeoutMs)}`);
    return;
  }
  const kubectl = options.kubectl ?? new Kubectl(options.context);
  const binary = kubectl instanceof Kubectl ? kubectl.binary : 'kubectl';
  const skew = versionSkew(kubectl);
  options.log(describeSkew(skew, binary));
  requireApplySetSupport(skew, binary);
  const mismatch = serverVersionMismatch(output.files, skew, shownPath(output.folder), kubectl.context);
  if (mismatch && !options.force) throw new Error(mismatch.message);
  if (mismatch) options.log(`--force: applying although ${mismatch.what}`);

  // APIs the output relies on the cluster for (declared with ClusterApi at synth) must be there before anything is applied.
  checkClusterServes(kubectl, requiredClusterApis(output.files));
  const check = upgradeCheck(kubectl, output.files);
  if (check.refusals.length > 0) {
    if (!options.force) throw new Error(refusalMessage(check));
    for (const refusal of check.refusals) options.log(`--force: applying although the upgrade guard would stop: ${refusal}`);
  }
  for (const note of check.notes) options.log(`upgrade: ${note}`);

  // A missing Secret that deploy cannot create stops it here, before anything is applied, not half-way.
  const secrets = steps.filter(s => s.action === StepAction.ENSURE_SECRET).map(s => s.secret!);
  const password = secrets.some(s => s.grafanaAdmin) ? grafanaPassword(options) : undefined;
  checkSecretsCanBeMet(kubectl, secrets, password);

  // Changes Kubernetes refuses in place: a StorageClass is replaced where it is applied; anything else stops here.
  const applied = appliedObjects(steps);
  const live = liveObjectsOf(kubectl, applied);
  const replaced = replacements(live, applied);
  const unsafe = replaced.filter(r => !r.safe);
  if (unsafe.length > 0) {
    throw new Error(`nothing was applied: ${unsafe.length} object(s) of the output cannot change in place:\n${unsafe.map(r => `- ${describeReplacement(r)}`).join('\n')}`);
  }

  // What helm install or kubectl apply made: taken over with --adopt, else a stop that says so.
  const adoption = findAdoption(kubectl, applied, live);
  if (hasAdoption(adoption) && !options.adopt) throw new Error(adoptionNeeded(adoption));
  if (hasAdoption(adoption)) adopt(kubectl, adoption, options.log);

  const parent = readParent(kubectl, output.name);
  for (const line of notPruned(parent, output.files)) options.log(line);

  steps.forEach((step, index) => {
    const label = `step ${index + 1} of ${steps.length}: ${step.title}`;
    options.log(`[${index + 1}/${steps.length}] ${step.title}`);
    try {
      for (const r of replaced.filter(x => step.objects.includes(x.object))) replace(kubectl, r, options.log);
      runStep(kubectl, step, output, parent, password, options);
    } catch (e) {
      throw new Error(`${label} failed${(e as StepFailure).objects ? ` for ${(e as StepFailure).objects}` : ''}:\n${(e as Error).message}`);
    }
  });
  for (const release of adoption.releases) forgetRelease(kubectl, release, options.log);
  options.log(`deployed ${output.folder} (${output.files.reduce((n, f) => n + f.objects.length, 0)} objects) to ${kubectl.context ? `context ${kubectl.context}` : 'the current context'}`);
  if (options.wait) {
    waitUntilReady({ kubectl, targets, timeoutMs, log: options.log, pollIntervalMs: options.pollIntervalMs, clock: options.clock });
  } else {
    options.log(statusLine(kubectl, targets));
  }
}

/** The objects the output applies (the steps' that apply, not the ApplySet parent's). */
export function appliedObjects(steps: readonly ApplyStep[]): KubeManifest[] {
  return steps.filter(s => s.action === StepAction.APPLY || s.action === StepAction.APPLY_AND_PRUNE).flatMap(s => s.objects);
}

/**
 * Takes over what earlier tools made, before the steps: removes the releases' webhook configurations (they call a
 * webhook the output does not run), applies the output's version of each adopted object resolving conflicts (only
 * objects no manager but helm, kubectl-client-side-apply and this library's own has fields of), and takes Helm's
 * release annotations off. Nothing is deleted but the webhook configurations.
 */
function adopt(kubectl: KubectlRunner, adoption: Adoption, log: (line: string) => void): void {
  for (const r of adoption.releases) log(`adopt: Helm release '${r.name}' in ${r.namespace} (${r.chart}, revision ${r.revision})`);
  // An object only the earlier tools (and this library) manage is forced; one that others also manage (a controller's
  // annotation, a person's kubectl edit) is tried first: forced when its only conflicts are with the earlier tools,
  // else the deploy stops, naming the other managers.
  const forced: KubeManifest[] = [];
  adoption.adopted.forEach((live, i) => {
    const desired = adoption.desired[i];
    if (otherManagers(live).length === 0) {
      forced.push(desired);
      return;
    }
    const trial = kubectl.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--dry-run=server', '-f', '-'], JSON.stringify(desired));
    if (trial.status === 0) return; // no conflict: the steps apply it
    const managers = [...trial.stderr.matchAll(/conflicts? with "([^"]+)"/g)].map(m => m[1]);
    const others = [...new Set(managers.filter(m => !PREVIOUS_MANAGERS.includes(m)))];
    if (managers.length === 0 || others.length > 0) {
      throw new StepFailure(`adopt: ${objectName(desired)} has fields that ${others.length > 0 ? others.join(', ') : 'another manager'} set differently, which deploy does not take: ${trial.stderr.trim()}\nFix: make them agree with the output (or remove that manager's change), then deploy --adopt again`, objectName(desired));
    }
    forced.push(desired);
  });
  for (const w of adoption.webhooks) {
    const result = kubectl.run(['delete', resourceOf(w), w.metadata.name, '--ignore-not-found']);
    if (result.status !== 0) throw new StepFailure(`adopt: deleting ${objectName(w)}: ${result.stderr.trim()}`, objectName(w));
    log(`adopt: deleted ${objectName(w)}: it sends objects to the release's admission webhook, which this stack does not run`);
  }
  if (forced.length > 0) {
    const result = kubectl.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: forced }));
    if (result.status !== 0) throw new StepFailure(`adopt: applying the output over what helm and kubectl apply made: ${result.stderr.trim()}`, failedObjects(forced, result));
    log(`adopt: applied ${forced.length} object(s) over their earlier managers' (${PREVIOUS_MANAGERS.join(', ')}), taking the fields they set differently`);
  }
  let unmarked = 0;
  adoption.adopted.forEach((o, i) => {
    const calls = earlierMarksRemoval(o, adoption.desired[i]);
    for (const args of calls) {
      const result = kubectl.run(args);
      if (result.status !== 0) throw new StepFailure(`adopt: taking the earlier tools' marks off ${objectName(o)}: ${result.stderr.trim()}`, objectName(o));
    }
    if (calls.length > 0) unmarked++;
  });
  if (unmarked > 0) log(`adopt: took Helm's marks (meta.helm.sh/release-name, -namespace, app.kubernetes.io/managed-by: Helm) and kubectl's last-applied configuration off ${unmarked} object(s)`);
  for (const o of adoption.leftAlone) log(`adopt: left alone: ${objectName(o)}, which the Helm release has and the output does not (delete it by hand if nothing needs it)`);
}

/** Deletes a release's record (its release Secrets) once the output is applied: helm then knows no such release. */
function forgetRelease(kubectl: KubectlRunner, release: HelmRelease, log: (line: string) => void): void {
  const result = kubectl.run(['delete', 'secret', '--namespace', release.namespace, ...release.secrets]);
  if (result.status !== 0) throw new Error(`deployed, but removing the record of the Helm release '${release.name}' failed: ${result.stderr.trim()}; remove it by hand: kubectl --namespace ${release.namespace} delete secret ${release.secrets.join(' ')}`);
  log(`adopt: removed the record of the Helm release '${release.name}' in ${release.namespace} (${release.secrets.join(', ')}): 'helm list' no longer shows it, and 'helm uninstall' can no longer delete what deploy manages`);
}

/** Deletes an object the next apply creates again (only what {@link replacements} calls safe), saying so. */
function replace(kubectl: KubectlRunner, r: Replacement, log: (line: string) => void): void {
  log(`replacing ${describeReplacement(r)}`);
  const result = kubectl.run(['delete', resourceOf(r.object), r.object.metadata.name, ...(r.object.metadata.namespace ? ['--namespace', r.object.metadata.namespace] : []), '--wait=true']);
  if (result.status !== 0) throw new StepFailure(`deleting ${objectName(r.object)} to create it again: ${result.stderr.trim()}`, objectName(r.object));
}

/** What `--dry-run` adds to a step's comment: what happens beyond the command. */
function dryRunNote(step: ApplyStep): string {
  if (step.action === StepAction.ENSURE_PARENT) return ' (only when missing)';
  if (step.action !== StepAction.ENSURE_SECRET) return '';
  const byDeploy = step.secret!.grafanaAdmin ? 'deploy creates it from --grafana-admin-password-file, GRAFANA_ADMIN_PASSWORD or --generate-grafana-admin-password, or ' : '';
  return `; when missing: ${byDeploy}${createSecretHint(step.secret!)}`;
}

/** The upgrade guard between what runs and what the output would run. */
export function upgradeCheck(kubectl: KubectlRunner, files: readonly OutputFile[]): UpgradeCheck {
  return checkUpgrade(runningVersions(kubectl), targetVersions(files));
}

/** Lines about the Namespaces and CRDs an earlier deploy applied that the output no longer has: never pruned. */
export function notPruned(parent: LiveParent | undefined, files: readonly OutputFile[]): string[] {
  if (!parent) return [];
  const names = (kind: string) => new Set(files.flatMap(f => f.objects.filter(o => o.kind === kind).map(o => o.metadata.name)));
  const namespaces = names('Namespace');
  const crds = names('CustomResourceDefinition');
  return [
    ...parent.namespaces.filter(n => !namespaces.has(n)).map(n => `not pruned: Namespace ${n}, which the output no longer has: deleting it deletes everything in it (volumes' claims, Secrets you made); when nothing in it is needed: kubectl delete namespace ${n}`),
    ...parent.crds.filter(c => !crds.has(c)).map(c => `not pruned: CustomResourceDefinition ${c}, which the output no longer has: deleting it deletes every object of its kind in the cluster; when none is needed: kubectl delete customresourcedefinition ${c}`),
  ];
}

/** A step's failure, with the objects it is about when they can be told. */
class StepFailure extends Error {
  constructor(message: string, public readonly objects?: string) {
    super(message);
  }
}

function runStep(kubectl: KubectlRunner, step: ApplyStep, output: StackOutput, parent: LiveParent | undefined, password: GrafanaPassword | undefined, options: DeployOptions): void {
  switch (step.action) {
    case StepAction.ENSURE_SECRET:
      ensureSecret(kubectl, step.secret!, password, options.user ?? 'admin', options.log);
      return;
    case StepAction.ENSURE_PARENT: {
      const found = kubectl.run(['get', `${PARENT_RESOURCE}.${PARENT_GROUP}`, output.name, '--ignore-not-found', '--output=name']);
      if (found.status !== 0) throw new StepFailure(found.stderr.trim());
      if (found.stdout.trim()) return;
      break;
    }
    case StepAction.APPLY_AND_PRUNE:
      if (parent) keepControllerMade(kubectl, output, parent, step.objects, options.log);
      break;
    default:
      break;
  }
  const result = kubectl.run(step.kubectl, step.input);
  report(result, options.log);
  if (result.status !== 0) {
    throw new StepFailure(result.stderr.trim() || `kubectl exited with ${result.status}`, failedObjects(step.objects, result));
  }
}

/**
 * Says what the prune will delete, and takes the set's label off members a controller made: a controller that
 * copies its owner's labels (prometheus-operator copies a Prometheus' labels to its StatefulSet) would otherwise
 * have them pruned. Objects created by controllers are never deleted by deploy.
 */
function keepControllerMade(kubectl: KubectlRunner, output: StackOutput, parent: LiveParent, desired: readonly KubeManifest[], log: (line: string) => void): void {
  const plan = prunePlan(kubectl, output.name, parent, desired);
  for (const member of plan.ownedByController) {
    const resource = `${resourceOf(member)}/${member.metadata.name}`;
    const args = ['label', resource, `${PART_OF_LABEL}-`, ...(member.metadata.namespace ? ['--namespace', member.metadata.namespace] : [])];
    const result = kubectl.run(args);
    if (result.status !== 0) throw new StepFailure(`taking the ApplySet label off ${objectName(member)}, made by ${controllerOf(member)}: ${result.stderr.trim()}`);
    log(`not pruned: ${objectName(member)}, made by ${controllerOf(member)} (which copied the ApplySet label onto it)`);
  }
  log(plan.prune.length === 0 ? 'prune: nothing the output no longer has' : `prune: ${plan.prune.map(objectName).join(', ')}`);
}

/** kubectl's output, without one line per unchanged object. */
function report(result: KubectlResult, log: (line: string) => void): void {
  const lines = result.stdout.split('\n').filter(Boolean);
  const applied = lines.filter(l => / serverside-applied$| condition met$/.test(l));
  for (const line of lines.filter(l => !applied.includes(l))) log(`  ${line}`);
  if (applied.length > 0) log(`  ${applied.length} object(s) ${applied.every(l => l.endsWith('condition met')) ? 'ready' : 'applied'}`);
  // kubectl's warnings, not its klog chatter (client-side throttling notes)
  if (result.status === 0) for (const line of result.stderr.split('\n').filter(l => l && !/^I\d{4} /.test(l))) log(`  ${line}`);
}

/**
 * The objects of a failed step that kubectl did not report as done, e.g. `Deployment monitoring/grafana`:
 * kubectl goes on after an object fails and prints each one it applied, but its messages do not always
 * name the object (a field-manager conflict, a missing namespace).
 */
export function failedObjects(objects: readonly KubeManifest[], result: KubectlResult): string | undefined {
  const done = new Set(result.stdout.split('\n').map(l => l.match(/^(\S+)\s+(serverside-applied|created|configured|unchanged|labeled|annotated|condition met)/)?.[1]).filter(Boolean));
  const failed = objects.filter(o => !done.has(`${resourceOf(o)}/${o.metadata.name}`));
  if (failed.length === 0 || failed.length === objects.length && objects.length > 5) return undefined;
  const shown = failed.slice(0, 5).map(objectName).join(', ');
  return failed.length > 5 ? `${shown} and ${failed.length - 5} more` : shown;
}
