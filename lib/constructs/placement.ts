/** Where the stack's servers (not its per-node agents) may run. */
export enum Placement {
  /** Wherever the scheduler puts them (taints still apply). */
  ANY_NODE = 'any-node',
  /**
   * Never on a control-plane node (`node-role.kubernetes.io/control-plane`), even if its taint is removed.
   * A node affinity of your own (in raw values or a typed spec) holds too: both must be met.
   */
  WORKERS_ONLY = 'workers-only',
}
