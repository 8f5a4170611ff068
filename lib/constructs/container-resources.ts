import { PropShape } from './known-props';
import { checkResourceQuantity } from './quantity';

/** CPU and memory amounts as Kubernetes quantities (e.g. `cpu: '250m'`, `memory: '512Mi'`). */
export interface ResourceAmounts {
  /**
   * CPU, e.g. '250m' or '1'.
   * @default - not set
   */
  readonly cpu?: string;
  /**
   * Memory, e.g. '512Mi' or '2Gi'.
   * @default - not set
   */
  readonly memory?: string;
}

/** Requests and limits of a container. */
export interface ContainerResources {
  /**
   * What the scheduler reserves.
   * @default - none
   */
  readonly requests?: ResourceAmounts;
  /**
   * The most the container may use.
   * @default - none
   */
  readonly limits?: ResourceAmounts;
}

const RESOURCE_AMOUNTS_SHAPE: PropShape<ResourceAmounts> = { cpu: true, memory: true };
/** The keys of {@link ContainerResources}, for unknown-prop checks of props that hold them. */
export const CONTAINER_RESOURCES_SHAPE: PropShape<ContainerResources> = { requests: RESOURCE_AMOUNTS_SHAPE, limits: RESOURCE_AMOUNTS_SHAPE };

/** The chart-values form of `resources`, with every quantity checked; `prop` names it in errors. */
export function resourcesValues(prop: string, resources: ContainerResources): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const bound of ['requests', 'limits'] as const) {
    const amounts = resources[bound];
    if (!amounts) continue;
    out[bound] = {};
    for (const kind of ['cpu', 'memory'] as const) {
      const value = amounts[kind];
      if (value !== undefined) out[bound][kind] = checkResourceQuantity(`${prop}.${bound}.${kind}`, value);
    }
  }
  return out;
}
