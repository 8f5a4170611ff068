import { Construct, IConstruct } from 'constructs';
import { clusterOf } from '../render/cluster-boundary';

interface DefaultClassClaim {
  readonly storageClassName: string;
  readonly by: IConstruct;
  readonly fix: string;
}

const claimsByCluster = new WeakMap<IConstruct, DefaultClassClaim[]>();

/**
 * Records that `by` makes `storageClassName` the cluster's default StorageClass. When two
 * constructs for one cluster do (one MonitoringStack, or one app without stacks), validation fails at
 * synth: claims without a `storageClassName` would land on whichever default the API server picks.
 */
export function claimDefaultStorageClass(by: Construct, storageClassName: string, fix: string): void {
  const cluster = clusterOf(by);
  let claims = claimsByCluster.get(cluster);
  if (!claims) {
    const all: DefaultClassClaim[] = [];
    claims = all;
    claimsByCluster.set(cluster, all);
    by.node.addValidation({
      validate: () => all.length <= 1 ? [] : [
        `${all.length} StorageClasses are marked as the cluster default: ${all.map(c => `'${c.storageClassName}' (${c.by.node.path})`).join(', ')}; keep one: ${all.map(c => c.fix).join(', or ')}`,
      ],
    });
  }
  claims.push({ storageClassName, by, fix });
}
