import { oneOf, PropShape } from '../constructs/known-props';
import { checkWholeNumber } from '../constructs/quantity';
import { checkKubernetesVersion, DEFAULT_KUBERNETES_VERSION } from '../render/kube-api';

/** How the cluster was built: decides what its control plane exposes. */
export enum KubernetesDistribution {
  /**
   * kubeadm: kube-controller-manager, kube-scheduler, etcd metrics and kube-proxy metrics listen
   * on 127.0.0.1 only, so Prometheus cannot scrape them without node-side changes.
   */
  KUBEADM = 'kubeadm',
  /** Anything else: the chart's defaults apply. */
  OTHER = 'other',
}

/** The cluster a stack is for; defaults derive from it. */
export interface ClusterDescription {
  /**
   * How the cluster was built.
   * @default KubernetesDistribution.KUBEADM
   */
  readonly distribution?: KubernetesDistribution;
  /**
   * Control-plane nodes.
   * @default 1
   */
  readonly controlPlaneNodes?: number;
  /**
   * Worker nodes.
   * @default 2
   */
  readonly workerNodes?: number;
  /**
   * Whether control-plane nodes keep the `node-role.kubernetes.io/control-plane:NoSchedule` taint
   * (kubeadm's default), so ordinary pods and volume replicas do not go there.
   * @default true
   */
  readonly controlPlaneTaint?: boolean;
  /**
   * The Kubernetes minor the cluster runs (`kubectl version` shows it), e.g. `'1.34'`: what the charts are rendered
   * for (helm's `--kube-version`), the API and fields the output is validated against, the Pod Security labels'
   * version, and what deploy and diff expect of the server. Supported: `SUPPORTED_KUBERNETES_VERSIONS` (1.28 to 1.35).
   * @default - DEFAULT_KUBERNETES_VERSION: the newest supported minor, 1.35
   */
  readonly kubernetesVersion?: string;
}

/** The keys of {@link ClusterDescription}, for unknown-prop checks. */
export const CLUSTER_DESCRIPTION_SHAPE: PropShape<ClusterDescription> = {
  distribution: oneOf(KubernetesDistribution, 'KubernetesDistribution'), controlPlaneNodes: true, workerNodes: true, controlPlaneTaint: 'boolean', kubernetesVersion: true };

/** A {@link ClusterDescription} with every default filled in and checked. */
export interface Cluster {
  readonly distribution: KubernetesDistribution;
  readonly controlPlaneNodes: number;
  readonly workerNodes: number;
  readonly controlPlaneTaint: boolean;
  readonly kubernetesVersion: string;
  /** Nodes that run ordinary pods and hold volume replicas. */
  readonly schedulableNodes: number;
}

/** Fills in defaults and checks the description; throws naming the field. */
export function describeCluster(description: ClusterDescription = {}): Cluster {
  const distribution = description.distribution ?? KubernetesDistribution.KUBEADM;
  const controlPlaneNodes = checkWholeNumber('cluster.controlPlaneNodes', description.controlPlaneNodes ?? 1, 1);
  const workerNodes = checkWholeNumber('cluster.workerNodes', description.workerNodes ?? 2, 0);
  const controlPlaneTaint = description.controlPlaneTaint ?? true;
  const kubernetesVersion = checkKubernetesVersion('cluster.kubernetesVersion', description.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  const schedulableNodes = workerNodes + (controlPlaneTaint ? 0 : controlPlaneNodes);
  if (schedulableNodes === 0) {
    throw new Error(`cluster.workerNodes is 0 and cluster.controlPlaneTaint is true, so no node can run the stack; add workers or set controlPlaneTaint: false (a single-node cluster with the taint removed)`);
  }
  return { distribution, controlPlaneNodes, workerNodes, controlPlaneTaint, kubernetesVersion, schedulableNodes };
}
