import * as path from 'path';
import { FIELD_MANAGER, StepAction } from './apply-plan';
import { prunePlan, readParent, withMembership } from './applyset';
import { objectName } from '../render/manifest-parse';
import { appliedObjects, notPruned, readStack, shownPath, upgradeCheck } from './deploy';
import { describeReplacement, replacements } from './immutable';
import { adoptionNeeded, findAdoption, hasAdoption, isServed, liveObjectsOf, servedCustomKinds } from './adopt';
import { describeSkew, Kubectl, KubectlRunner, serverVersionMismatch, versionSkew } from './kubectl';
import { ensureSecretNote } from './required-secrets';

/** Options of {@link diff}. */
export interface DiffOptions {
  /** Synthesized output folder. */
  readonly outdir: string;
  /**
   * The stack (cluster) to compare: its folder under `outdir`.
   * @default - the only stack folder in `outdir`
   */
  readonly stack?: string;
  /**
   * kubeconfig context.
   * @default - kubectl's current context
   */
  readonly context?: string;
  /** Where the diff and each note go. */
  readonly log: (line: string) => void;
  /**
   * How kubectl is run (tests give a scripted one).
   * @default - the kubectl of tools.ts against `context`
   */
  readonly kubectl?: KubectlRunner;
  /**
   * Compare even when the output was made for another Kubernetes minor than the server runs.
   * @default false
   */
  readonly force?: boolean;
}

/** Exit codes, as `kubectl diff` has them. */
export enum DiffResult {
  /** Nothing would change. */
  NO_CHANGES = 0,
  /** A deploy would change something. */
  CHANGES = 1,
  /** Something failed; what would change is not known. */
  ERROR = 2,
}

/**
 * What a deploy of the stack would change, file by file in apply order: a server-side dry-run diff of each
 * file (`kubectl diff --server-side` with deploy's field manager; objects of the pruned set carry the set's
 * label, as deploy applies them), objects that cannot be compared yet because their namespace or CRD does not
 * exist, and what the prune would delete. Also says when the upgrade guard would stop the deploy.
 */
export function diff(options: DiffOptions): DiffResult {
  const output = readStack(options.outdir, options.stack);
  const kubectl = options.kubectl ?? new Kubectl(options.context);
  const log = options.log;
  const skew = versionSkew(kubectl);
  log(describeSkew(skew, kubectl instanceof Kubectl ? kubectl.binary : 'kubectl'));
  const mismatch = serverVersionMismatch(output.files, skew, shownPath(output.folder), kubectl.context);
  if (mismatch && !options.force) throw new Error(mismatch.message);
  if (mismatch) log(`--force: comparing although ${mismatch.what}`);
  let result = DiffResult.NO_CHANGES as DiffResult;
  const changed = () => { if (result === DiffResult.NO_CHANGES) result = DiffResult.CHANGES; };

  const check = upgradeCheck(kubectl, output.files);
  for (const refusal of check.refusals) log(`deploy would stop here (upgrade guard): ${refusal}`);
  for (const note of check.notes) log(`upgrade: ${note}`);

  const applied = appliedObjects(output.steps);
  const served = servedCustomKinds(kubectl);
  const live = liveObjectsOf(kubectl, applied, served);
  const adoption = findAdoption(kubectl, applied, live);
  if (hasAdoption(adoption)) {
    log(`deploy would stop here unless given --adopt: ${adoptionNeeded(adoption).replace(/^nothing was applied: /, '')}`);
    changed();
  }

  // What Kubernetes refuses to change in place: a server-side dry run would fail on it, so it is said here instead.
  const replaced = replacements(live, applied);
  for (const r of replaced) log(`${r.safe ? '~' : '!'} ${r.safe ? '' : 'deploy would stop here: '}${describeReplacement(r)}`);
  if (replaced.length > 0) changed();
  const replacedObjects = new Set(replaced.map(r => r.object));

  const namespaces = existingNamespaces(kubectl);
  for (const step of output.steps) {
    if (step.action === StepAction.ENSURE_SECRET) {
      const note = ensureSecretNote(kubectl, step.secret!);
      if (note) { log(note); changed(); }
    }
    if (step.action !== StepAction.APPLY && step.action !== StepAction.APPLY_AND_PRUNE) continue;
    const pruned = step.action === StepAction.APPLY_AND_PRUNE;
    // Per file, in apply order; a step of standard input is one part of its own.
    const parts = output.files.filter(f => f.objects.some(o => step.objects.includes(o)))
      .map(f => ({ what: path.join(shownPath(output.folder), f.file), objects: f.objects.filter(o => step.objects.includes(o)) }));
    for (const part of parts.length > 0 ? parts : [{ what: step.title, objects: [...step.objects] }]) {
      const kept = part.objects.filter(o => !replacedObjects.has(o));
      const objects = pruned ? withMembership(kept, output.name) : kept;
      // Objects whose namespace or CRD a deploy creates first cannot be sent to a dry run yet.
      const pending = objects.filter(o => !isServed(o, served) || (o.metadata.namespace !== undefined && !namespaces.has(o.metadata.namespace)));
      const ready = objects.filter(o => !pending.includes(o));
      for (const o of pending) log(`+ ${objectName(o)}: would be created (${!isServed(o, served) ? `its CRD is not served yet` : `namespace ${o.metadata.namespace} does not exist yet`})`);
      if (pending.length > 0) changed();
      if (ready.length === 0) continue;
      const kubectlDiff = () => kubectl.run(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--concurrency=4', '--filename=-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: ready }));
      let run = kubectlDiff();
      // kubectl reads each live object, then dry-runs the apply, which keeps the resourceVersion it finds: a diff that
      // shows a new resourceVersion saw the object change in between (a controller updating its status, a rollout
      // still settling), not a change a deploy would make. Such a diff is taken again, twice at most.
      for (let again = 0; again < 2 && run.status === 1 && /^[-+]\s+resourceVersion: /m.test(run.stdout); again++) run = kubectlDiff();
      if (run.status === 0) {
        log(`${part.what}: no changes (${ready.length} object(s))`);
      } else if (run.status === 1 && run.stdout) {
        log(`${part.what}: changes:`);
        log(run.stdout.trimEnd());
        changed();
      } else {
        log(`${part.what}: kubectl diff failed: ${run.stderr.trim() || run.stdout.trim() || `exit ${run.status}`}`);
        result = DiffResult.ERROR;
      }
    }
  }

  const parent = readParent(kubectl, output.name);
  if (parent) {
    const desired = output.steps.filter(s => s.action === StepAction.APPLY_AND_PRUNE).flatMap(s => s.objects);
    const plan = prunePlan(kubectl, output.name, parent, desired);
    for (const member of plan.prune) log(`- ${objectName(member)}: would be pruned (an earlier deploy applied it; the output no longer has it)`);
    if (plan.prune.length > 0) changed();
    for (const member of plan.ownedByController) log(`not pruned: ${objectName(member)}, made by a controller that copied the ApplySet label onto it`);
  }
  for (const line of notPruned(parent, output.files)) log(line);
  log(result === DiffResult.NO_CHANGES ? 'no changes: a deploy would change nothing' : result === DiffResult.CHANGES ? 'a deploy would change the cluster (see above)' : 'diff failed (see above)');
  return result;
}

function existingNamespaces(kubectl: KubectlRunner): Set<string> {
  const result = kubectl.run(['get', 'namespaces', '--output=jsonpath={.items[*].metadata.name}']);
  if (result.status !== 0) throw new Error(`listing the cluster's namespaces: ${result.stderr.trim()}`);
  return new Set(result.stdout.split(/\s+/).filter(Boolean));
}
