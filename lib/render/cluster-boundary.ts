import { IConstruct } from 'constructs';

const CLUSTER = Symbol.for('cdk8s-monitoring-stack.cluster');

/** Marks `construct` as everything one cluster receives (a MonitoringStack): per-cluster rules, such as one default StorageClass, hold inside it. */
export function markCluster(construct: IConstruct): void {
  Object.defineProperty(construct, CLUSTER, { value: true });
}

/** The cluster `construct` belongs to: the nearest marked scope, else the app (one cluster per app). */
export function clusterOf(construct: IConstruct): IConstruct {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    if ((c as unknown as Record<symbol, unknown>)[CLUSTER]) return c;
  }
  return construct.node.root;
}

/** The output folder of the cluster `construct` belongs to: its stack's id, or '' outside any stack. */
export function folderOf(construct: IConstruct): string {
  const cluster = clusterOf(construct);
  return cluster === construct.node.root ? '' : cluster.node.id;
}
