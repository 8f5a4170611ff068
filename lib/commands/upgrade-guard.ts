// Before deploy applies anything: what runs in the cluster now, what the output would run, and whether the step
// between them is one the charts support.
//
// Longhorn (its upgrade-path enforcement, LEP 20230315) supports an upgrade only from the previous minor version
// (x.y.* to x.(y+1).*) or within a minor version, and no downgrade: longhorn-manager refuses to start otherwise,
// which leaves every volume without its manager. kube-prometheus-stack's upgrade note is that the prometheus-operator
// CRDs go first, server-side: the plan's first step does that; an older CRD over a newer one is refused here.
import * as semver from 'semver';
import { LONGHORN_CHART } from '../render/charts';
import { OutputFile } from '../output/validation';
import { KubectlRunner } from './kubectl';

/** The annotation prometheus-operator's CRDs carry their operator version in. */
export const OPERATOR_VERSION_ANNOTATION = 'operator.prometheus.io/version';
/** The CRD whose operator version stands for all of `monitoring.coreos.com`. */
const OPERATOR_CRD = 'prometheuses.monitoring.coreos.com';

/** Versions of what a stack runs. */
export interface StackVersions {
  /** Longhorn, from longhorn-manager's image tag (e.g. '1.6.2'), with where it was read. */
  readonly longhorn?: { readonly version: string; readonly where: string };
  /** prometheus-operator, from its CRDs' version annotation (e.g. '0.93.1'). */
  readonly operatorCrds?: { readonly version: string; readonly where: string };
}

/** What the guard decided. */
export interface UpgradeCheck {
  /** Why deploy must stop (each names the versions and the way forward); `--force` skips these. */
  readonly refusals: string[];
  /** What the upgrade involves, printed before applying. */
  readonly notes: string[];
}

/** A version from an image reference (`docker.io/longhornio/longhorn-manager:v1.6.2`), or undefined. */
export function versionOfImage(image: string): string | undefined {
  const tag = image.split('@')[0].match(/:([^:/]+)$/)?.[1];
  return tag ? semver.valid(semver.clean(tag) ?? '') ?? undefined : undefined;
}

interface WorkloadLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: Array<{ name: string; image?: string }> } } };
}

/** Longhorn's version of a longhorn-manager DaemonSet: its manager container's image tag, else its version label. */
function longhornOf(daemonSet: WorkloadLike): string | undefined {
  const containers = daemonSet.spec?.template?.spec?.containers ?? [];
  const manager = containers.find(c => c.name === 'longhorn-manager') ?? containers[0];
  const fromImage = manager?.image ? versionOfImage(manager.image) : undefined;
  return fromImage ?? semver.valid(semver.clean(daemonSet.metadata.labels?.['app.kubernetes.io/version'] ?? '') ?? '') ?? undefined;
}

/** What the output would run. */
export function targetVersions(files: readonly OutputFile[]): StackVersions {
  const objects = files.flatMap(f => f.objects.map(o => ({ o, file: f.file })));
  const manager = objects.find(({ o }) => o.kind === 'DaemonSet' && o.metadata.name === 'longhorn-manager');
  const longhorn = manager && longhornOf(manager.o as unknown as WorkloadLike);
  const crd = objects.find(({ o }) => o.kind === 'CustomResourceDefinition' && o.metadata.name === OPERATOR_CRD);
  const operator = crd?.o.metadata.annotations?.[OPERATOR_VERSION_ANNOTATION];
  return {
    longhorn: longhorn ? { version: longhorn, where: `${manager!.file}: DaemonSet ${manager!.o.metadata.namespace}/longhorn-manager` } : undefined,
    operatorCrds: operator ? { version: operator, where: `${crd!.file}: CRD ${OPERATOR_CRD}` } : undefined,
  };
}

/** What the cluster runs: longhorn-manager in any namespace (there is one Longhorn per cluster), and the operator CRDs. */
export function runningVersions(kubectl: KubectlRunner): StackVersions {
  const daemonSets = getJson(kubectl, ['get', 'daemonsets', '--all-namespaces', '--field-selector=metadata.name=longhorn-manager', '--output=json']);
  const managers = (daemonSets?.items ?? []) as WorkloadLike[];
  const versions = managers.map(d => ({ version: longhornOf(d), where: `DaemonSet ${d.metadata.namespace}/longhorn-manager` }));
  const unreadable = versions.find(v => !v.version);
  if (unreadable) {
    throw new Error(`cannot tell which Longhorn runs: ${unreadable.where} has no version in its image tag or app.kubernetes.io/version label; check it by hand and deploy with --force`);
  }
  const crd = getJson(kubectl, ['get', 'customresourcedefinition', OPERATOR_CRD, '--ignore-not-found', '--output=json']);
  const operator = crd?.metadata?.annotations?.[OPERATOR_VERSION_ANNOTATION] as string | undefined;
  // Several longhorn-managers would be a broken cluster; the newest decides what a step may skip.
  const newest = versions.sort((a, b) => semver.rcompare(a.version!, b.version!))[0];
  return {
    longhorn: newest ? { version: newest.version!, where: newest.where } : undefined,
    operatorCrds: operator ? { version: operator, where: `CRD ${OPERATOR_CRD}` } : undefined,
  };
}

function getJson(kubectl: KubectlRunner, args: string[]): any {
  const result = kubectl.run(args);
  if (result.status !== 0) throw new Error(`reading what the cluster runs (kubectl ${args.join(' ')}): ${result.stderr.trim()}`);
  return result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
}

/** The rules, between what runs and what the output would run. */
export function checkUpgrade(running: StackVersions, target: StackVersions): UpgradeCheck {
  const refusals: string[] = [];
  const notes: string[] = [];
  if (running.longhorn && target.longhorn) checkLonghorn(running.longhorn, target.longhorn, refusals, notes);
  if (running.operatorCrds && target.operatorCrds) checkOperator(running.operatorCrds, target.operatorCrds, refusals, notes);
  return { refusals, notes };
}

function checkLonghorn(running: { version: string; where: string }, target: { version: string; where: string }, refusals: string[], notes: string[]): void {
  const from = semver.parse(running.version)!;
  const to = semver.parse(target.version)!;
  const said = `Longhorn ${from.version} runs (${running.where}) and the output has ${to.version} (${target.where})`;
  if (semver.lt(to, from)) {
    refusals.push(`${said}: that is a downgrade, which Longhorn does not support (longhorn-manager refuses to start on data a newer version wrote); synthesize longhornVersion: '${from.version}' or newer`);
    return;
  }
  if (to.major !== from.major) {
    refusals.push(`${said}: a major version change; follow Longhorn's upgrade guide for it by hand, then deploy with --force`);
    return;
  }
  if (to.minor - from.minor > 1) {
    const steps = [];
    for (let minor = from.minor + 1; minor <= to.minor; minor++) steps.push(`${from.major}.${minor}`);
    const how = steps.map((step, i) => {
      const tested = [...LONGHORN_CHART.testedVersions].reverse().find(v => semver.satisfies(v, `~${step}.0`));
      const version = i === steps.length - 1 ? to.version : tested;
      return version
        ? `longhornVersion: '${version}'`
        : `longhornVersion: '${step}.<newest patch>' (untested here: vendor it with npm run vendor longhorn@${step}.<patch>)`;
    });
    refusals.push([
      `${said}: Longhorn upgrades one minor version at a time (from ${from.major}.${from.minor} only to ${from.major}.${from.minor + 1}), and longhorn-manager refuses to start after a skipped one.`,
      `Upgrade path: ${[`${from.major}.${from.minor}`, ...steps].join(' → ')}, one deploy each; for each step synthesize with`,
      ...how.map((h, i) => `  ${i + 1}. ${h}, then npm run synth && npm run deploy, and wait until longhorn-manager runs the new version on every node and every volume's engine is upgraded`),
    ].join('\n'));
    return;
  }
  if (to.minor === from.minor + 1) {
    notes.push(`Longhorn ${from.version} → ${to.version}: one minor version, as Longhorn requires. longhorn-manager is replaced first; then each volume's engine is upgraded `
      + '(automatically where the setting Concurrent Automatic Engine Upgrade Per Node Limit is above 0, else per volume in the Longhorn UI): finish that before the next minor upgrade.');
  } else if (semver.gt(to, from)) {
    notes.push(`Longhorn ${from.version} → ${to.version}: a patch upgrade.`);
  }
}

function checkOperator(running: { version: string; where: string }, target: { version: string; where: string }, refusals: string[], notes: string[]): void {
  const from = semver.coerce(running.version);
  const to = semver.coerce(target.version);
  if (!from || !to) return;
  if (semver.lt(to, from)) {
    refusals.push(`the prometheus-operator CRDs in the cluster are version ${running.version} (${running.where}) and the output has older ones, ${target.version} (${target.where}): `
      + 'applying them would drop what the newer operator relies on; synthesize the kube-prometheus-stack version whose operator is at least as new');
  } else if (semver.gt(to, from)) {
    notes.push(`prometheus-operator CRDs ${running.version} → ${target.version}: applied server-side before everything else, as kube-prometheus-stack's upgrade notes require `
      + '(its UPGRADE.md lists what else changes between chart major versions).');
  }
}

/** The refusals as one error, with what `--force` would skip. */
export function refusalMessage(check: UpgradeCheck): string {
  return `the upgrade guard stops this deploy; nothing was applied:\n${check.refusals.map(r => `- ${r}`).join('\n')}\n`
    + '(--force skips this check: it applies the output whatever runs in the cluster now.)';
}
