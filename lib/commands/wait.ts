// deploy --wait: after the last step, wait until what the stack runs is up (as `helm --wait` and kapp do), and say
// why not when it is not. "Up" follows `kubectl rollout status` for Deployments, StatefulSets and DaemonSets, the
// Available and Reconciled conditions prometheus-operator reports on Prometheus and Alertmanager, and Bound for
// every PersistentVolumeClaim in the stack's namespaces: the operator's StatefulSets make claims of their own from
// volumeClaimTemplates, which no output holds, and which appear only after their StatefulSet. Those StatefulSets are
// waited for too, rolled out as any other.
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IEvent } from 'kubernetes-models/v1/Event';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { groupOf } from '../render/kube-api';
import { KubeManifest, objectName } from '../render/manifest-parse';
import { KubectlRunner } from './kubectl';

/** Whether one object is ready, in a few words. */
export interface Readiness {
  /** True when the object is as its spec asks: rolled out, Available and Reconciled, or Bound. */
  readonly ready: boolean;
  /** Its state, e.g. `1/1 available`, `Available, Reconciled` or `Bound, 10Gi, longhorn-prometheus`. */
  readonly summary: string;
  /** Why waiting longer will not help (e.g. a Deployment past its progress deadline): the wait stops on one. */
  readonly failure?: string;
}

/** A condition as workloads, claims and prometheus-operator's resources report it. */
interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

/** `Type=Status (Reason: message)`, on one line. */
function describeCondition(condition: Condition): string {
  const why = [condition.reason, condition.message && oneLine(condition.message)].filter(Boolean).join(': ');
  return `${condition.type}=${condition.status}${why ? ` (${why})` : ''}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function notObserved(generation: number, observed: number): Readiness {
  return { ready: false, summary: `generation ${generation} not observed by its controller yet (observed: ${observed})` };
}

/**
 * A Deployment is rolled out, as `kubectl rollout status` says, when its controller has seen the current spec and
 * every replica is updated and available, with no old one left; a rollout past its progress deadline is a failure.
 */
export function deploymentReadiness(live: KubeManifest): Readiness {
  const deployment = live as unknown as IDeployment;
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;
  if ((status.observedGeneration ?? 0) < generation) return notObserved(generation, status.observedGeneration ?? 0);
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const old = (status.replicas ?? 0) - updated;
  const counts = `${available}/${desired} available`;
  const progressing = status.conditions?.find(c => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      ready: false,
      summary: `${counts}, ${updated} updated, ${ready} ready`,
      failure: `its rollout exceeded its progress deadline of ${deployment.spec?.progressDeadlineSeconds ?? 600}s (${describeCondition(progressing as Condition)})`,
    };
  }
  if (updated >= desired && old <= 0 && available >= updated && ready >= desired) return { ready: true, summary: counts };
  return { ready: false, summary: `${counts}, ${updated} updated, ${ready} ready${old > 0 ? `, ${old} old pending termination` : ''}` };
}

/**
 * A StatefulSet is rolled out, as `kubectl rollout status` says, when its controller has seen the current spec,
 * every replica is ready and, with RollingUpdate, updated (currentRevision has caught up with updateRevision), or
 * as many as the partition asks. OnDelete replaces pods only when someone deletes them: ready replicas count.
 */
export function statefulSetReadiness(live: KubeManifest): Readiness {
  const statefulSet = live as unknown as IStatefulSet;
  const status = statefulSet.status;
  const generation = statefulSet.metadata?.generation ?? 0;
  const observed = status?.observedGeneration ?? 0;
  if (observed === 0 || observed < generation) return notObserved(generation, observed);
  const desired = statefulSet.spec?.replicas ?? 1;
  const ready = status?.readyReplicas ?? 0;
  const updated = status?.updatedReplicas ?? 0;
  const counts = `${ready}/${desired} ready`;
  if (ready < desired) return { ready: false, summary: `${counts}, ${updated} updated` };
  const strategy = statefulSet.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return { ready: true, summary: counts };
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const toUpdate = Math.max(desired - partition, 0);
    return updated >= toUpdate
      ? { ready: true, summary: `${counts}, ${updated} updated (partition ${partition})` }
      : { ready: false, summary: `${counts}, ${updated}/${toUpdate} updated (partition ${partition})` };
  }
  if (updated >= desired && status?.currentRevision === status?.updateRevision) return { ready: true, summary: counts };
  return { ready: false, summary: `${counts}, ${updated}/${desired} updated to revision ${status?.updateRevision ?? '?'} (current: ${status?.currentRevision ?? '?'})` };
}

/**
 * A DaemonSet is rolled out, as `kubectl rollout status` says, when its controller has seen the current spec and
 * its pod on every node it should run on is updated, ready and available.
 */
export function daemonSetReadiness(live: KubeManifest): Readiness {
  const daemonSet = live as unknown as IDaemonSet;
  const status = daemonSet.status;
  const generation = daemonSet.metadata?.generation ?? 0;
  if ((status?.observedGeneration ?? 0) < generation) return notObserved(generation, status?.observedGeneration ?? 0);
  const desired = status?.desiredNumberScheduled ?? 0;
  const updated = status?.updatedNumberScheduled ?? 0;
  const ready = status?.numberReady ?? 0;
  const available = status?.numberAvailable ?? 0;
  const counts = `${available}/${desired} available`;
  // OnDelete replaces pods only when someone deletes them.
  const rolling = (daemonSet.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if ((!rolling || updated >= desired) && ready >= desired && available >= desired) return { ready: true, summary: counts };
  return { ready: false, summary: `${counts}, ${updated} updated, ${ready} ready` };
}

/** The conditions prometheus-operator sets on a Prometheus or Alertmanager when it runs as asked. */
const OPERATOR_CONDITIONS = ['Available', 'Reconciled'];

/**
 * A Prometheus or Alertmanager is ready when prometheus-operator reports `Available` (every replica's pod ready;
 * `False` with reason NoPodReady, `Degraded` with SomePodsNotReady otherwise) and `Reconciled` (its StatefulSet and
 * configuration made; `False` with the reason, e.g. an invalid config) as `True`, both for the current generation.
 */
export function operatorResourceReadiness(live: KubeManifest): Readiness {
  const generation = live.metadata.generation as number | undefined;
  const conditions = (live.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  if (conditions.length === 0) return { ready: false, summary: 'no status yet: prometheus-operator has not reconciled it (is the operator running?)' };
  const states = OPERATOR_CONDITIONS.map(type => {
    const condition = conditions.find(c => c.type === type);
    if (!condition) return { ok: false, text: `${type} not reported yet` };
    if (generation !== undefined && condition.observedGeneration !== undefined && condition.observedGeneration !== generation) {
      return { ok: false, text: `${describeCondition(condition)} for generation ${condition.observedGeneration}, not the current ${generation}` };
    }
    const ok = condition.status === 'True';
    return { ok, text: ok ? type : describeCondition(condition) };
  });
  return { ready: states.every(s => s.ok), summary: states.map(s => s.text).join(', ') };
}

/** A PersistentVolumeClaim is ready when Bound; Lost (its volume is gone) does not heal. */
export function claimReadiness(live: KubeManifest): Readiness {
  const claim = live as unknown as IPersistentVolumeClaim;
  const phase = claim.status?.phase ?? 'Pending';
  const storageClass = claim.spec?.storageClassName ?? 'the default StorageClass';
  if (phase === 'Bound') return { ready: true, summary: `Bound, ${claim.status?.capacity?.storage ?? '?'}, ${storageClass}` };
  const summary = `${phase}, ${claim.spec?.resources?.requests?.storage ?? '?'} requested, ${storageClass}`;
  if (phase === 'Lost') return { ready: false, summary, failure: `its PersistentVolume ${claim.spec?.volumeName ?? ''} no longer exists (phase Lost)` };
  return { ready: false, summary };
}

/** One kind that --wait waits for. */
interface WaitedKind {
  readonly group: string;
  readonly kind: string;
  /** As `kubectl get` takes it. */
  readonly resource: string;
  readonly readiness: (live: KubeManifest) => Readiness;
}

const CLAIM: WaitedKind = { group: '', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', readiness: claimReadiness };
const STATEFUL_SET: WaitedKind = { group: 'apps', kind: 'StatefulSet', resource: 'statefulsets.apps', readiness: statefulSetReadiness };
const WORKLOADS: readonly WaitedKind[] = [
  { group: 'apps', kind: 'Deployment', resource: 'deployments.apps', readiness: deploymentReadiness },
  STATEFUL_SET,
  { group: 'apps', kind: 'DaemonSet', resource: 'daemonsets.apps', readiness: daemonSetReadiness },
];
const OPERATOR_RESOURCES: readonly WaitedKind[] = [
  { group: 'monitoring.coreos.com', kind: 'Prometheus', resource: 'prometheuses.monitoring.coreos.com', readiness: operatorResourceReadiness },
  { group: 'monitoring.coreos.com', kind: 'Alertmanager', resource: 'alertmanagers.monitoring.coreos.com', readiness: operatorResourceReadiness },
];
const WAITED_KINDS: readonly WaitedKind[] = [...WORKLOADS, ...OPERATOR_RESOURCES, CLAIM];

function waitedKind(o: { apiVersion?: string; kind: string }): WaitedKind | undefined {
  return WAITED_KINDS.find(k => k.kind === o.kind && k.group === groupOf(o.apiVersion ?? ''));
}

/** Whether a live object is ready, by the rule of its kind. */
export function readiness(live: KubeManifest): Readiness {
  const kind = waitedKind(live);
  if (!kind) throw new Error(`${objectName(live)}: --wait has no readiness rule for ${live.apiVersion} ${live.kind}`);
  return kind.readiness(live);
}

/** What --wait waits for in one stack's output. */
export interface WaitTargets {
  /** The output's Deployments, StatefulSets, DaemonSets, Prometheuses, Alertmanagers and PersistentVolumeClaims. */
  readonly objects: readonly KubeManifest[];
  /**
   * The stack's namespaces: those the output creates and those its waited objects live in. Every PersistentVolumeClaim
   * in them is waited for too. A namespace where the output has only, say, a scrape Service (kube-system) is not the
   * stack's: a claim there is someone else's.
   */
  readonly namespaces: readonly string[];
  /**
   * What one `kubectl get` per namespace lists: the workloads and claims, and the operator's kinds only when the
   * output has them (on a cluster without their CRDs, asking for them would fail the get).
   */
  readonly resources: readonly string[];
}

/** What --wait covers for a stack's output objects. */
export function waitTargets(outputObjects: readonly KubeManifest[]): WaitTargets {
  const objects = outputObjects.filter(o => o.metadata.namespace && waitedKind(o));
  const created = outputObjects.filter(o => o.kind === 'Namespace' && groupOf(o.apiVersion) === '').map(o => o.metadata.name);
  const namespaces = [...new Set([...created, ...objects.map(o => o.metadata.namespace!)])].sort();
  const resources = [...WORKLOADS, CLAIM, ...OPERATOR_RESOURCES.filter(k => objects.some(o => waitedKind(o) === k))].map(k => k.resource);
  return { objects, namespaces, resources };
}

/** What --wait would wait for, in one line (for --dry-run). */
export function describeWait(targets: WaitTargets, timeoutMs: number): string {
  const counts = WAITED_KINDS.filter(k => k !== CLAIM).map(k => [k.kind, targets.objects.filter(o => waitedKind(o) === k).length] as const)
    .filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`);
  return `--wait: then waits up to ${formatDuration(timeoutMs)} until ${counts.join(', ') || 'nothing'} are ready (rolled out as kubectl rollout status says; Prometheus and Alertmanager Available and Reconciled) `
    + `and every PersistentVolumeClaim in ${targets.namespaces.join(', ')} is Bound`;
}

/** How the wait tells time and sleeps (tests give one that only pretends). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Blocks for `ms` milliseconds. */
  sleep(ms: number): void;
}

/** The real clock. kubectl runs synchronously, so the wait does too: Atomics.wait blocks without spinning. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: ms => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  },
};

/** Milliseconds of a duration such as `90s`, `10m`, `1h` or `1m30s`; throws naming `option`, the value and the form. */
export function parseDuration(value: string, option = '--timeout'): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value.trim());
  if (!match || !value.trim()) {
    throw new Error(`${option} is '${value}' but it takes a duration: whole numbers with a unit h, m or s, e.g. 90s, 10m, 1h or 1m30s`);
  }
  const [hours, minutes, seconds] = match.slice(1).map(n => Number(n ?? 0));
  return ((hours * 60 + minutes) * 60 + seconds) * 1000;
}

/** A duration as `parseDuration` reads it, in whole seconds: `10m`, `1m30s`, `1h`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const parts = [[Math.floor(total / 3600), 'h'], [Math.floor(total / 60) % 60, 'm'], [total % 60, 's']].filter(([n]) => n !== 0);
  return parts.length === 0 ? '0s' : parts.map(([n, unit]) => `${n}${unit}`).join('');
}

/** One object the wait covers, as one poll found it. */
interface Assessed {
  readonly name: string;
  readonly key: string;
  readonly namespace: string;
  readonly kind: WaitedKind;
  readonly live?: KubeManifest;
  readonly readiness: Readiness;
}

/** What one poll found. */
interface Poll {
  readonly items: Assessed[];
  /** Everything the gets listed, for finding the operator's StatefulSets when reporting. */
  readonly live: KubeManifest[];
  /** Why a namespace could not be read. */
  readonly errors: string[];
}

/** How long one `kubectl get` of a poll may take. */
const REQUEST_TIMEOUT = '--request-timeout=30s';

const keyOf = (o: KubeManifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Lists `resources` (or pods, events) in `namespace` as JSON; an error message instead when kubectl fails. */
function list(kubectl: KubectlRunner, namespace: string, resources: string, extra: readonly string[] = []): KubeManifest[] | string {
  // Each get gives up after REQUEST_TIMEOUT: a server that takes the connection and never answers must not hold
  // --wait past its --timeout (which it may overshoot by at most one such get).
  const args = ['get', resources, '--namespace', namespace, ...extra, '--output=json', REQUEST_TIMEOUT];
  const result = kubectl.run(args);
  if (result.status !== 0) return `kubectl ${args.join(' ')} failed: ${oneLine(result.stderr) || `exit ${result.status}`}`;
  try {
    return (JSON.parse(result.stdout) as { items?: KubeManifest[] }).items ?? [];
  } catch {
    return `kubectl ${args.join(' ')} printed no JSON list: ${oneLine(result.stdout).slice(0, 200) || '(nothing)'}`;
  }
}

/** One round: a get per namespace, each output object and every claim assessed (claims made by controllers after the output's). */
function poll(kubectl: KubectlRunner, targets: WaitTargets): Poll {
  const live: KubeManifest[] = [];
  const errors: string[] = [];
  const unread = new Map<string, string>();
  for (const namespace of targets.namespaces) {
    const items = list(kubectl, namespace, targets.resources.join(','));
    if (typeof items === 'string') {
      errors.push(items);
      unread.set(namespace, items);
    } else {
      live.push(...items);
    }
  }
  const byKey = new Map(live.map(o => [keyOf(o), o]));
  const assess = (o: KubeManifest): Assessed => {
    const namespace = o.metadata.namespace!;
    const kind = waitedKind(o)!;
    const found = byKey.get(keyOf(o));
    const state: Readiness = unread.has(namespace) ? { ready: false, summary: `not read: ${unread.get(namespace)}` }
      : found ? kind.readiness(found) : { ready: false, summary: 'not found in the cluster' };
    return { name: objectName(o), key: keyOf(o), namespace, kind, live: found, readiness: state };
  };
  const items = targets.objects.map(assess);
  const listed = new Set(items.map(i => i.key));
  // The operator's StatefulSets too: right after a change, the operator may already report the new generation
  // Available and Reconciled from the pods of the old one, before the StatefulSet controller replaced any of them.
  const madeByControllers = live.filter(o => !listed.has(keyOf(o)) && (waitedKind(o) === CLAIM || madeByOperator(o)))
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  return { items: [...items, ...madeByControllers.map(assess)], live, errors };
}

/** A StatefulSet prometheus-operator made for one of the output's Prometheus or Alertmanager resources. */
function madeByOperator(o: KubeManifest): boolean {
  return operatorOwner(o) !== undefined;
}

/** The `Kind/namespace/name` of the Prometheus or Alertmanager that owns a StatefulSet, if one does. */
function operatorOwner(o: KubeManifest): string | undefined {
  if (waitedKind(o) !== STATEFUL_SET) return undefined;
  const owner = ((o.metadata.ownerReferences ?? []) as Array<{ apiVersion?: string; kind: string; name: string }>)
    .find(r => OPERATOR_RESOURCES.some(k => k.kind === r.kind && groupOf(r.apiVersion ?? '') === k.group));
  return owner && `${owner.kind}/${o.metadata.namespace ?? ''}/${owner.name}`;
}

/** Options of {@link waitUntilReady}. */
export interface WaitOptions {
  /** The cluster. */
  readonly kubectl: KubectlRunner;
  /** What to wait for (see {@link waitTargets}). */
  readonly targets: WaitTargets;
  /** How long to wait before failing with what is not ready. */
  readonly timeoutMs: number;
  /** Where each line of progress goes. */
  readonly log: (line: string) => void;
  /**
   * Time between polls.
   * @default 2000
   */
  readonly pollIntervalMs?: number;
  /**
   * How time is told and slept.
   * @default SYSTEM_CLOCK
   */
  readonly clock?: Clock;
}

/**
 * Polls until every target is ready, printing `ready: <object> (<summary>)` as each becomes so. Throws, naming each
 * object that is not ready with its numbers, conditions, Warning events and not-ready pods, on timeout, or sooner
 * when one will not become ready by waiting (e.g. a Deployment past its progress deadline).
 */
export function waitUntilReady(options: WaitOptions): void {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const interval = options.pollIntervalMs ?? 2000;
  const start = clock.now();
  const reported = new Set<string>();
  for (;;) {
    const round = poll(options.kubectl, options.targets);
    for (const item of round.items) {
      if (item.readiness.ready && !reported.has(item.key)) {
        reported.add(item.key);
        options.log(`ready: ${item.name} (${item.readiness.summary})`);
      } else if (!item.readiness.ready && reported.delete(item.key)) {
        options.log(`no longer ready: ${item.name} (${item.readiness.summary})`);
      }
    }
    const failed = round.items.filter(i => i.readiness.failure);
    if (failed.length > 0) {
      throw new Error(`--wait: ${failed.length === 1 ? 'an object' : `${failed.length} objects`} will not become ready by waiting:\n${explain(options.kubectl, failed, round).join('\n')}`);
    }
    const pending = round.items.filter(i => !i.readiness.ready);
    const elapsed = clock.now() - start;
    if (pending.length === 0 && round.errors.length === 0) {
      options.log(`--wait: all ${round.items.length} ready after ${formatDuration(elapsed)}`);
      return;
    }
    if (elapsed >= options.timeoutMs) {
      // An operator's StatefulSet is told in its owner's line when the owner is not ready either.
      const pendingKeys = new Set(pending.map(i => i.key));
      const told = (i: Assessed) => !(i.live && pendingKeys.has(operatorOwner(i.live) ?? ''));
      const shown = pending.filter(told);
      const problems = shown.length > 0 ? explain(options.kubectl, shown, round) : round.errors.map(e => `  ${e}`);
      throw new Error(`--wait: ${shown.length} of ${round.items.filter(told).length} not ready after ${formatDuration(elapsed)} (--timeout ${formatDuration(options.timeoutMs)}):\n${problems.join('\n')}`);
    }
    clock.sleep(Math.min(interval, options.timeoutMs - elapsed));
  }
}

/**
 * One line about what is ready now, for a deploy without --wait; never throws (a cluster that cannot be read is
 * said in the line): the objects were applied, and whether they come up is --wait's question.
 */
export function statusLine(kubectl: KubectlRunner, targets: WaitTargets): string {
  const round = poll(kubectl, targets);
  if (round.errors.length > 0) return `status: not read: ${round.errors.join('; ')}`;
  const pending = round.items.filter(i => !i.readiness.ready);
  const total = round.items.length;
  if (pending.length === 0) return `status: all ${total} ready (workloads rolled out, Prometheus and Alertmanager Available and Reconciled, volume claims Bound)`;
  const shown = pending.slice(0, 8).map(i => `${i.name} (${i.readiness.summary})`).join(', ');
  const more = pending.length > 8 ? ` and ${pending.length - 8} more` : '';
  return `status: ${total - pending.length} of ${total} ready now; not yet: ${shown}${more}; deploy --wait waits until they are`;
}

/** The Warning events and pods of the namespaces a report is about, read once per namespace. */
class Evidence {
  private readonly events = new Map<string, IEvent[] | string>();
  private readonly pods = new Map<string, IPod[] | string>();

  constructor(private readonly kubectl: KubectlRunner) {}

  /** The last few Warning events about one object, e.g. `Warning FailedMount: MountVolume.SetUp failed ...`. */
  public warnings(namespace: string, kind: string, name: (n: string) => boolean): string[] {
    if (!this.events.has(namespace)) {
      this.events.set(namespace, list(this.kubectl, namespace, 'events', ['--field-selector=type=Warning']) as IEvent[] | string);
    }
    const events = this.events.get(namespace)!;
    if (typeof events === 'string') return [`(events not read: ${events})`];
    const about = events.filter(e => e.type === 'Warning' && e.involvedObject.kind === kind && name(e.involvedObject.name ?? ''))
      .sort((a, b) => eventTime(a) - eventTime(b));
    const lines = [...new Set(about.map(e => `Warning ${e.reason ?? ''}: ${oneLine(e.message ?? '')}`))];
    return lines.slice(-3);
  }

  /** Pods whose labels carry every one of `matchLabels`. */
  public podsMatching(namespace: string, matchLabels: Record<string, string> | undefined): IPod[] | string {
    if (!matchLabels || Object.keys(matchLabels).length === 0) return [];
    if (!this.pods.has(namespace)) this.pods.set(namespace, list(this.kubectl, namespace, 'pods') as IPod[] | string);
    const pods = this.pods.get(namespace)!;
    if (typeof pods === 'string') return pods;
    return pods.filter(p => Object.entries(matchLabels).every(([k, v]) => p.metadata?.labels?.[k] === v));
  }
}

function eventTime(event: IEvent): number {
  const time = event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return time ? Date.parse(String(time)) : 0;
}

/** A workload's own conditions, for the report (the operator's resources have theirs in their summary). */
function conditionsOf(live: KubeManifest | undefined): string[] {
  const conditions = (live?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conditions.length > 0 ? [`conditions: ${conditions.map(describeCondition).join(', ')}`] : [];
}

const MAX_PODS = 3;

/** What is wrong with the pods a selector picks: each not-ready one's phase, its containers' waiting reasons, its Warning events. */
function podsReport(evidence: Evidence, namespace: string, matchLabels: Record<string, string> | undefined): string[] {
  const pods = evidence.podsMatching(namespace, matchLabels);
  if (typeof pods === 'string') return [`(pods not read: ${pods})`];
  const notReady = pods.filter(p => !p.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True'));
  const lines = notReady.slice(0, MAX_PODS).flatMap(pod => {
    const name = pod.metadata?.name ?? '';
    const containers = [
      ...(pod.status?.initContainerStatuses ?? []).map(c => ({ c, what: 'init container' })),
      ...(pod.status?.containerStatuses ?? []).map(c => ({ c, what: 'container' })),
    ].filter(({ c }) => c.state?.waiting?.reason)
      .map(({ c, what }) => `${what} ${c.name}: ${c.state!.waiting!.reason}${c.state!.waiting!.message ? ` (${oneLine(c.state!.waiting!.message)})` : ''}`);
    return [
      `pod ${namespace}/${name}: ${[pod.status?.phase ?? 'Unknown', ...containers].join(', ')}`,
      ...evidence.warnings(namespace, 'Pod', n => n === name),
    ];
  });
  return notReady.length > MAX_PODS ? [...lines, `and ${notReady.length - MAX_PODS} more pods not ready`] : lines;
}

function selectorOf(live: KubeManifest | undefined): Record<string, string> | undefined {
  return (live?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
}

/**
 * The StatefulSets prometheus-operator made for a Prometheus or Alertmanager (one per shard): they own the pods.
 * Found by owner rather than by pod label: Prometheus pods carry `operator.prometheus.io/name`, Alertmanager pods
 * do not (both carry `app.kubernetes.io/instance=<name>`), and the StatefulSet's selector is right for either.
 */
function operatorStatefulSets(owner: Assessed, live: readonly KubeManifest[]): KubeManifest[] {
  return live.filter(o => waitedKind(o) === STATEFUL_SET && o.metadata.namespace === owner.namespace
    && ((o.metadata.ownerReferences ?? []) as Array<{ kind: string; name: string }>).some(r => r.kind === owner.kind.kind && r.name === owner.live?.metadata.name));
}

/** One line per object: why it is not ready, with what its pods and events say. */
function explain(kubectl: KubectlRunner, items: readonly Assessed[], round: Poll): string[] {
  const evidence = new Evidence(kubectl);
  return items.map(item => {
    const { namespace, live } = item;
    const name = live?.metadata.name ?? '';
    const parts = [`${item.name} ${item.readiness.failure ? `will not become ready: ${item.readiness.failure}; ${item.readiness.summary}` : `not ready: ${item.readiness.summary}`}`];
    if (live) {
      if (item.kind === CLAIM || WORKLOADS.includes(item.kind)) parts.push(...conditionsOf(live));
      parts.push(...evidence.warnings(namespace, item.kind.kind, n => n === name));
      if (item.kind.kind === 'Deployment') {
        // Pods that cannot be created (Pod Security, quota) show only as FailedCreate on the ReplicaSet, named <deployment>-<hash>.
        parts.push(...evidence.warnings(namespace, 'ReplicaSet', n => n.startsWith(`${name}-`) && /^[a-z0-9]+$/.test(n.slice(name.length + 1))));
      }
      if (WORKLOADS.includes(item.kind)) parts.push(...podsReport(evidence, namespace, selectorOf(live)));
      if (OPERATOR_RESOURCES.includes(item.kind)) {
        const statefulSets = operatorStatefulSets(item, round.live);
        if (statefulSets.length === 0) parts.push('prometheus-operator has made no StatefulSet for it yet');
        for (const statefulSet of statefulSets) {
          parts.push(`${objectName(statefulSet)}: ${statefulSetReadiness(statefulSet).summary}`);
          parts.push(...evidence.warnings(namespace, 'StatefulSet', n => n === statefulSet.metadata.name));
          parts.push(...podsReport(evidence, namespace, selectorOf(statefulSet)));
        }
      }
    }
    return `  ${parts.join('; ')}`;
  });
}
