import { ApiObject } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { keepClusterScoped } from './cluster-scoped';
import { DNS_LABEL } from './kube-names';
import { checkProps, describeValue, oneOf, PropShape } from './known-props';
import { KUBERNETES_VERSION_ANNOTATION, kubernetesVersionOf } from '../render/kube-api';

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
   * Pod Security level enforced, audited and warned about in this namespace (pinned to the rules of the cluster's
   * Kubernetes minor: `cluster.kubernetesVersion`).
   * @default - no label: the cluster's default admission configuration applies
   */
  readonly podSecurity?: PodSecurityLevel;
}

const NAMESPACE_PROPS: PropShape<NamespaceProps> = { name: true, labels: true, podSecurity: oneOf(PodSecurityLevel, 'PodSecurityLevel') };

/**
 * A namespace other constructs are placed in: a {@link Namespace} of this library, or any object with a `name` (a
 * namespace that exists already, `{ name: 'apps' }`, or a cdk8s-plus `Namespace`). Only this library's Namespace
 * says its Pod Security level; for the others it is the cluster's to enforce.
 */
export interface INamespace {
  /** The namespace name. */
  readonly name: string;
  /**
   * The Pod Security level the namespace enforces, where known.
   * @default - unknown: not checked here
   */
  readonly podSecurity?: PodSecurityLevel;
}

/** A namespace reference as a prop's shape: a Namespace construct (of any library), or `{ name: 'apps' }`. */
export const NAMESPACE_REFERENCE_SHAPE: PropShape<INamespace> = { name: true, podSecurity: true };

/** A Kubernetes Namespace that other constructs of this library are placed in by reference. */
export class Namespace extends Construct implements INamespace {
  /** The namespace name. */
  public readonly name: string;
  /** The Pod Security level enforced, if this Namespace sets one. */
  public readonly podSecurity?: PodSecurityLevel;

  constructor(scope: Construct, id: string, props: NamespaceProps) {
    super(scope, id);
    checkProps(`Namespace '${id}'`, props, NAMESPACE_PROPS);
    if (typeof props.name !== 'string' || !DNS_LABEL.test(props.name)) {
      throw new Error(`name is ${describeValue(props.name)} but a namespace name must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. 'monitoring')`);
    }
    this.name = props.name;
    this.podSecurity = props.podSecurity;
    // Fixed from here on: setting another version for this cluster later is an error that names this Namespace.
    const version = kubernetesVersionOf(this, `the Namespace '${props.name}' (${this.node.path})`);
    const spec: k8s.KubeNamespaceProps = {
      metadata: {
        name: props.name,
        labels: { 'app.kubernetes.io/managed-by': 'cdk8s-monitoring-stack', ...podSecurityLabels(version, props.podSecurity), ...props.labels },
        annotations: { [KUBERNETES_VERSION_ANNOTATION]: version },
      },
    };
    // A plain ApiObject typed by cdk8s-plus-28: the library needs its types, not its code, at run time.
    keepClusterScoped(new ApiObject(this, 'Resource', { apiVersion: 'v1', kind: 'Namespace', ...spec }));
  }

}

/**
 * Throws unless pods that need `level` are admitted in `namespace`: `who` names the pods, `prop` the prop
 * that passed it. A namespace without a known level leaves it to the cluster's default.
 */
export function requirePodSecurity(namespace: INamespace, level: PodSecurityLevel, who: string, prop: string): void {
  const order = [PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE, PodSecurityLevel.PRIVILEGED];
  const enforced = namespace.podSecurity ?? enforcedLabel(namespace);
  if (enforced !== undefined && order.indexOf(enforced) >= 0 && order.indexOf(enforced) < order.indexOf(level)) {
    const fix = namespace.podSecurity !== undefined ? `give it podSecurity: PodSecurityLevel.${level.toUpperCase()}` : `label it ${ENFORCE_LABEL}: ${level}`;
    throw new Error(`${prop} is the Namespace '${namespace.name}', which enforces Pod Security '${enforced}', but ${who} need '${level}'; ${fix} or pass another Namespace`);
  }
}

const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** The level another library's Namespace object (cdk8s-plus, an ApiObject) enforces by its label, if any. */
function enforcedLabel(namespace: INamespace): PodSecurityLevel | undefined {
  if (!Construct.isConstruct(namespace)) return undefined;
  try {
    return ApiObject.of(namespace).metadata.getLabel(ENFORCE_LABEL) as PodSecurityLevel | undefined;
  } catch {
    return undefined;
  }
}

function podSecurityLabels(version: string, level: PodSecurityLevel | undefined): Record<string, string> {
  if (level === undefined) return {};
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = `v${version}`;
  }
  return labels;
}

/** Input of {@link releaseNamespace}. */
export interface ReleaseNamespaceOptions {
  /** The namespace the app passed, if any. */
  readonly namespace?: INamespace;
  /** The chart's top-level `namespaceOverride` raw value, if any. */
  readonly override: unknown;
  /** The name of the Namespace made when neither is set. */
  readonly defaultName: string;
  /** The Pod Security level a Namespace made here enforces. */
  readonly podSecurity: PodSecurityLevel;
  /** The namespace prop's name, for messages. */
  readonly namespaceProp: string;
  /** The raw values prop's name, for messages. */
  readonly valuesProp: string;
}

/**
 * The Namespace a chart's release runs in: the one passed, else one made (as `scope`'s 'Namespace') for
 * the chart's own `namespaceOverride` value, which moves every object of the release, else the default.
 * Throws when both are set and differ.
 */
export function releaseNamespace(scope: Construct, options: ReleaseNamespaceOptions): INamespace {
  const override = typeof options.override === 'string' && options.override !== '' ? options.override : undefined;
  if (override !== undefined && options.namespace && override !== options.namespace.name) {
    throw new Error(`${options.valuesProp}.namespaceOverride is '${override}' but the ${options.namespaceProp} prop is the Namespace '${options.namespace.name}'; the release runs in one of them only: pass a Namespace named '${override}' as ${options.namespaceProp} and drop namespaceOverride`);
  }
  return options.namespace ?? new Namespace(scope, 'Namespace', { name: override ?? options.defaultName, podSecurity: options.podSecurity });
}
