import { ApiObject, JsonPatch } from 'cdk8s';
import { KubeManifest } from '../output/kube-scope';

/** Where the stack's servers (not its per-node agents) may run. */
export enum Placement {
  /** Wherever the scheduler puts them (taints still apply). */
  ANY_NODE = 'any-node',
  /** Never on a control-plane node (`node-role.kubernetes.io/control-plane`), even if its taint is removed. */
  WORKERS_ONLY = 'workers-only',
}

const NOT_ON_CONTROL_PLANE = {
  requiredDuringSchedulingIgnoredDuringExecution: {
    nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }],
  },
};

/**
 * Keeps the rendered objects named in `names` (Deployments, StatefulSets, or Prometheus/Alertmanager
 * resources, whose pod spec is `spec`) off control-plane nodes. A node affinity the chart values
 * already set is left as it is.
 */
export function placeOnWorkers(apiObjects: readonly ApiObject[], manifests: readonly KubeManifest[], names: ReadonlyArray<{ kind: string; name: string }>): void {
  for (const { kind, name } of names) {
    const index = manifests.findIndex(m => m.kind === kind && m.metadata.name === name);
    if (index < 0) continue; // that component is disabled in the values
    const podSpecPath = kind === 'Deployment' || kind === 'StatefulSet' ? '/spec/template/spec' : '/spec';
    const podSpec = podSpecPath.split('/').slice(1).reduce<any>((node, key) => node?.[key], manifests[index]);
    if (podSpec?.affinity?.nodeAffinity) continue;
    apiObjects[index].addJsonPatch(podSpec?.affinity
      ? JsonPatch.add(`${podSpecPath}/affinity/nodeAffinity`, NOT_ON_CONTROL_PLANE)
      : JsonPatch.add(`${podSpecPath}/affinity`, { nodeAffinity: NOT_ON_CONTROL_PLANE }));
  }
}
