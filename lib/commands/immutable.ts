import { groupOf } from '../render/kube-api';
import { KubeManifest, objectName } from '../render/manifest-parse';
import { keyOf } from './adopt';

/**
 * A change the output makes to a live object that Kubernetes refuses to make in place ("updates to parameters are
 * forbidden", "spec.selector: field is immutable"): the object must be deleted and created again.
 */
export interface Replacement {
  /** The object as the output has it. */
  readonly object: KubeManifest;
  /** Each changed field, `parameters.numberOfReplicas: '2' → '3'`. */
  readonly changes: readonly string[];
  /** Whether deploy deletes and recreates it by itself (a StorageClass); otherwise it stops with {@link how}. */
  readonly safe: boolean;
  /** What replacing it does, or the step a person takes. */
  readonly how: string;
}

/** The fields Kubernetes forbids updating, per kind, with the value the API server gives each when it is not set. */
const IMMUTABLE: Record<string, { fields: ReadonlyArray<[string, unknown]>; safe: boolean; how: (o: KubeManifest) => string }> = {
  StorageClass: {
    fields: [['provisioner', undefined], ['parameters', {}], ['reclaimPolicy', 'Delete'], ['volumeBindingMode', 'Immediate']],
    safe: true,
    how: () => 'deploy deletes it and creates it again: volumes made from it keep the parameters they were made with (only new volumes get the new ones)',
  },
  StatefulSet: {
    fields: [['spec.selector', undefined], ['spec.volumeClaimTemplates', []], ['spec.serviceName', undefined], ['spec.podManagementPolicy', 'OrderedReady']],
    safe: false,
    how: o => `delete it without its pods and claims (kubectl --namespace ${o.metadata.namespace} delete statefulset ${o.metadata.name} --cascade=orphan), then deploy again: the new StatefulSet takes over the running pods, and their claims stay (a claim template's new size or class applies to new claims only; grow an existing claim by editing the claim itself)`,
  },
  Deployment: { fields: [['spec.selector', undefined]], safe: false, how: orphanStep('deployment') },
  DaemonSet: { fields: [['spec.selector', undefined]], safe: false, how: orphanStep('daemonset') },
  Service: {
    fields: [['spec.clusterIP', undefined]],
    safe: false,
    how: o => `delete it (kubectl --namespace ${o.metadata.namespace} delete service ${o.metadata.name}), then deploy again: clients of its old cluster IP lose it until they resolve the name again`,
  },
};

function orphanStep(resource: string): (o: KubeManifest) => string {
  return o => `delete it without its pods (kubectl --namespace ${o.metadata.namespace} delete ${resource} ${o.metadata.name} --cascade=orphan), then deploy again: the new one starts its own pods, and the old ones, which its selector no longer matches, are deleted by hand (kubectl --namespace ${o.metadata.namespace} delete pods -l <the old selector>)`;
}

/**
 * The output's objects whose forbidden fields differ from the live objects'. A field the output leaves unset is
 * compared as the API server's default; an object `live` (the cluster's objects of the output, as
 * `liveObjectsOf` in adopt.ts reads them) does not have is no replacement.
 */
export function replacements(live: readonly KubeManifest[], objects: readonly KubeManifest[]): Replacement[] {
  const found: Replacement[] = [];
  const liveByKey = new Map(live.map(o => [keyOf(o), o]));
  for (const [kind, rule] of Object.entries(IMMUTABLE)) {
    const desired = objects.filter(o => o.kind === kind && groupOf(o.apiVersion) === (kind === 'StorageClass' ? 'storage.k8s.io' : kind === 'Service' ? '' : 'apps'));
    for (const object of desired) {
      const current = liveByKey.get(keyOf(object));
      if (!current) continue;
      const changes = rule.fields.flatMap(([field, unset]) => {
        const want = at(object, field) ?? unset;
        const have = at(current, field) ?? unset;
        if (field === 'spec.clusterIP' && (want === undefined || want === '')) return []; // the server picks one
        if (!differs(field, want, have)) return [];
        if (field === 'parameters') {
          // one line per parameter that differs: `parameters.numberOfReplicas: '2' → '3'`
          const [w, h] = [want, have] as Array<Record<string, unknown>>;
          return [...new Set([...Object.keys(w), ...Object.keys(h)])].sort()
            .filter(k => String(w[k]) !== String(h[k])).map(k => `parameters.${k}: ${show(h[k])} → ${show(w[k])}`);
        }
        return [`${field}: ${show(have)} → ${show(want)}`];
      });
      if (changes.length > 0) found.push({ object, changes, safe: rule.safe, how: rule.how(object) });
    }
  }
  return found;
}

/** One line about a replacement: the object, what changed, and what happens or what to do. */
export function describeReplacement(r: Replacement): string {
  const fields = [...new Set(r.changes.map(c => c.split(':')[0].replace(/^parameters\..*/, 'parameters')))];
  return `${objectName(r.object)} must be replaced, as Kubernetes forbids changing ${fields.join(', ')} in place (${r.changes.join('; ')}): ${r.how}`;
}

function at(o: unknown, field: string): unknown {
  return field.split('.').reduce<any>((node, k) => node?.[k], o);
}

/**
 * Whether the output's value differs from the live one. Claim templates are compared on what the output sets
 * (the server adds defaults and a status to each); everything else as a whole, with numbers and strings alike
 * (a StorageClass parameter is a string on the server).
 */
function differs(field: string, want: unknown, have: unknown): boolean {
  if (field === 'spec.volumeClaimTemplates') {
    const wanted = (want as KubeManifest[]) ?? [];
    const live = (have as KubeManifest[]) ?? [];
    return wanted.length !== live.length || wanted.some(w => {
      const l = live.find(x => x.metadata?.name === w.metadata?.name);
      return !l || !covers(l.spec, w.spec);
    });
  }
  return JSON.stringify(normal(want)) !== JSON.stringify(normal(have));
}

/** Whether `have` holds every value `want` sets. */
function covers(have: unknown, want: unknown): boolean {
  if (want === null || typeof want !== 'object') return String(want) === String(have);
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((w, i) => covers(have[i], w));
  return typeof have === 'object' && have !== null && Object.entries(want).every(([k, v]) => covers((have as Record<string, unknown>)[k], v));
}

/** Keys sorted, scalars as strings: the form two values are compared in. */
function normal(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(normal);
  if (typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map(k => [k, normal((value as Record<string, unknown>)[k])]));
  return String(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'unset';
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}
