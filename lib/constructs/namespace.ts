import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { keepClusterScoped } from './cluster-scoped';
import { DNS_LABEL } from './kube-names';


/** Pod Security Standards levels, enforced per namespace by the built-in admission controller. */
export enum PodSecurityLevel {
  /** No restrictions: for system agents that need host access (storage drivers, node exporters). */
  PRIVILEGED = 'privileged',
  /** Blocks known privilege escalations (host namespaces, host paths, privileged containers). */
  BASELINE = 'baseline',
  /** Hardened pods only. */
  RESTRICTED = 'restricted',
}

/** Props of {@link Namespace}. */
export interface NamespaceProps {
  /** Namespace name: a DNS label (lowercase letters, digits and '-', at most 63 characters). */
  readonly name: string;
  /**
   * Extra labels on the Namespace.
   * @default - only `app.kubernetes.io/managed-by: cdk8s-monitoring-stack`
   */
  readonly labels?: { readonly [key: string]: string };
  /**
   * Pod Security level enforced, audited and warned about in this namespace (pinned to the 1.28 rules).
   * @default - no label: the cluster's default admission configuration applies
   */
  readonly podSecurity?: PodSecurityLevel;
}

/** A Kubernetes Namespace that other constructs of this library are placed in by reference. */
export class Namespace extends Construct {
  /** The namespace name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: NamespaceProps) {
    super(scope, id);
    if (!DNS_LABEL.test(props.name)) {
      throw new Error(`name is '${props.name}' but a namespace name must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. 'monitoring')`);
    }
    this.name = props.name;
    keepClusterScoped(new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: { 'app.kubernetes.io/managed-by': 'cdk8s-monitoring-stack', ...podSecurityLabels(props.podSecurity), ...props.labels },
      },
    }));
  }
}

function podSecurityLabels(level: PodSecurityLevel | undefined): Record<string, string> {
  if (level === undefined) return {};
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = 'v1.28';
  }
  return labels;
}
