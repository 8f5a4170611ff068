import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { checkProps, describeValue, oneOf, PropShape } from './known-props';
import { setKubernetesVersion } from '../render/kube-api';
import * as semver from 'semver';
import { ChartSource } from '../render/chart-source';
import { ChartValues, mergeValues } from '../render/chart-values';
import { checkChartVersion, LONGHORN_CHART } from '../render/charts';
import { HookPolicy } from '../render/pipeline';
import { HookRevivingValue, OwnedValue, ownedBySetProps, valueAt } from '../render/values-check';
import { addRenderedObjects, RenderedObjects } from '../render/rendered-objects';
import { claimDefaultStorageClass } from './default-storage-class';
import { IStorageClass, LONGHORN_MANAGED_CLASS_NAME } from './longhorn-storage-class';
import { INamespace, NAMESPACE_REFERENCE_SHAPE, PodSecurityLevel, releaseNamespace, requirePodSecurity } from './namespace';
import { Placement } from './placement';
import { checkWholeNumber } from './quantity';

/**
 * Longhorn chart versions the tests cover. Any other version string renders too (with one warning
 * line at synth): Longhorn upgrades one minor version at a time, so every step must be renderable.
 */
export enum LonghornVersion {
  /** 1.6.2: the version most install guides use (end of life upstream; prefer 1.12.1 for new clusters). */
  V1_6_2 = '1.6.2',
  /** 1.7.3: one minor above 1.6, the first step of an upgrade from 1.6. */
  V1_7_3 = '1.7.3',
  /** 1.12.1: newest stable. */
  V1_12_1 = '1.12.1',
}

/** Props of {@link Longhorn}. */
export interface LonghornProps {
  /**
   * Longhorn chart version: a tested one from {@link LonghornVersion}, or any other exact version
   * (e.g. '1.11.3'), which renders with a warning.
   * @default LonghornVersion.V1_12_1
   */
  readonly version?: LonghornVersion | string;
  /**
   * The Kubernetes minor of the cluster (e.g. `'1.34'`), for every construct of it: what charts are rendered for, what
   * the output is validated against, the Pod Security labels' version and what deploy expects. Set it on the first
   * construct of the cluster; on a MonitoringStack it is `cluster.kubernetesVersion`.
   * @default - DEFAULT_KUBERNETES_VERSION, the newest supported minor (1.35)
   */
  readonly kubernetesVersion?: string;
  /**
   * Where the chart comes from.
   * @default - Longhorn's Helm repository (or CDK8S_CHART_MIRROR), through the chart folder and charts.lock
   */
  readonly chartSource?: ChartSource;
  /**
   * Namespace Longhorn runs in. longhorn-manager is privileged with host paths, so a Namespace that
   * enforces a narrower Pod Security level is an error.
   * @default - a `longhorn-system` Namespace (Pod Security `privileged`) created inside this construct
   */
  readonly namespace?: INamespace;
  /**
   * Replicas of each volume, each on a different node: the `longhorn` StorageClass's
   * `numberOfReplicas` and the `default-replica-count` setting. Must not exceed the nodes that can hold replicas.
   * @default 3
   */
  readonly replicaCount?: number;
  /**
   * Host path on each node where Longhorn stores replica data.
   * @default '/var/lib/longhorn/'
   */
  readonly defaultDataPath?: string;
  /**
   * Whether the `longhorn` StorageClass that longhorn-manager maintains is the cluster's default class.
   * @default true
   */
  readonly defaultClass?: boolean;
  /**
   * Replicas of the Longhorn UI Deployment (0 disables the UI).
   * @default 2
   */
  readonly uiReplicas?: number;
  /**
   * Where the Longhorn UI runs (longhorn-manager and the CSI plugin run on every node that holds volumes).
   * @default Placement.ANY_NODE
   */
  readonly placement?: Placement;
  /**
   * Scope for Longhorn's CustomResourceDefinitions, so they can be applied (and waited for) before
   * everything else.
   * @default - a Chart of their own inside this construct, which cdk8s writes before this one's
   */
  readonly crdScope?: Construct;
  /**
   * Raw chart values, deep-merged over everything this construct sets (lists are replaced whole).
   * Checked against the chart before it renders: a key the chart does not know, a value that a prop
   * set here says otherwise (`longhornUI.replicas` with `uiReplicas` set), or one that brings back a
   * Helm hook is an error. Where the prop is unset, the raw value stands.
   * @default - none
   */
  readonly values?: ChartValues;
  /**
   * The name the raw values go by in messages (a composite passes its own prop's name).
   * @default 'values'
   */
  readonly valuesPropName?: string;
  /**
   * The names, in messages, of props a composite sets from props of its own (`{ version: 'longhornVersion' }`).
   * @default - this construct's prop names
   */
  readonly propNames?: Readonly<Record<string, string>>;
}

/**
 * Longhorn, rendered from its upstream Helm chart at a pinned version.
 *
 * Helm hooks are left out, as in Longhorn's own `deploy/longhorn.yaml` (rendered with `--no-hooks`):
 * the uninstall Job is a pre-delete hook and must never run on apply.
 */
export class Longhorn extends Construct {
  /** The rendered chart version. */
  public readonly version: string;
  /** Namespace Longhorn runs in. */
  public readonly namespace: INamespace;
  /** Replicas per volume of the chart's `longhorn` StorageClass. */
  public readonly replicaCount: number;
  /** Whether the chart's `longhorn` StorageClass is the cluster default. */
  public readonly defaultClass: boolean;
  /** The `longhorn` StorageClass that longhorn-manager maintains, for claims that want it. */
  public readonly storageClass: IStorageClass = { storageClassName: LONGHORN_MANAGED_CLASS_NAME };
  /** What the render produced (undefined when the chart is missing: the synth then fails, naming it). */
  public readonly rendered?: RenderedObjects;

  constructor(scope: Construct, id: string, props: LonghornProps = {}) {
    super(scope, id);
    checkProps(`Longhorn '${id}'`, props, LONGHORN_SHAPE);
    if (props.kubernetesVersion !== undefined) setKubernetesVersion(this, props.kubernetesVersion, props.propNames?.kubernetesVersion ?? 'kubernetesVersion');
    this.version = checkChartVersion(props.propNames?.version ?? 'version', LONGHORN_CHART, props.version ?? LonghornVersion.V1_12_1);
    // A raw value stands where its prop is unset, so what depends on it (the default class claim, the
    // replica count others read) follows the raw value.
    const raw = (path: string): unknown => valueAt(props.values, path.split('.'));
    const rawReplicas = raw('persistence.defaultClassReplicaCount');
    this.replicaCount = props.replicaCount !== undefined || rawReplicas === undefined
      ? checkWholeNumber(props.propNames?.replicaCount ?? 'replicaCount', props.replicaCount ?? 3, 1, 20)
      : checkWholeNumber(`${props.valuesPropName ?? 'values'}.persistence.defaultClassReplicaCount`, Number(rawReplicas), 1, 20);
    const uiReplicas = checkWholeNumber('uiReplicas', props.uiReplicas ?? 2, 0, 10);
    const defaultDataPath = props.defaultDataPath ?? '/var/lib/longhorn/';
    if (typeof defaultDataPath !== 'string' || !defaultDataPath.startsWith('/')) {
      throw new Error(`defaultDataPath is ${describeValue(defaultDataPath)} but must be an absolute host path such as '/var/lib/longhorn/'`);
    }
    this.defaultClass = props.defaultClass ?? (raw('persistence.defaultClass') as boolean | undefined) ?? true;
    if (this.defaultClass) {
      claimDefaultStorageClass(this, LONGHORN_MANAGED_CLASS_NAME, `defaultClass: false on ${this.node.path}`);
    }
    const namespaceProp = props.propNames?.namespace ?? 'namespace';
    if (props.namespace) requirePodSecurity(props.namespace, PodSecurityLevel.PRIVILEGED, 'longhorn-manager and the CSI plugin (privileged, host paths)', namespaceProp);
    this.namespace = releaseNamespace(this, {
      namespace: props.namespace, override: raw('namespaceOverride'), defaultName: 'longhorn-system', podSecurity: PodSecurityLevel.PRIVILEGED, namespaceProp, valuesProp: props.valuesPropName ?? 'values',
    });

    const replicas = String(this.replicaCount);
    const values: ChartValues = {
      persistence: { defaultClass: this.defaultClass, defaultClassReplicaCount: this.replicaCount },
      defaultSettings: {
        defaultDataPath,
        // From 1.8 on the setting is per data engine; earlier versions take one number.
        defaultReplicaCount: semver.gte(this.version, '1.8.0') ? { v1: replicas, v2: replicas } : this.replicaCount,
      },
      longhornUI: { replicas: uiReplicas },
      // Its Job is a pre-upgrade hook, which plain YAML cannot run at the right moment.
      preUpgradeChecker: { jobEnabled: false },
    };

    this.rendered = addRenderedObjects({ scope: this, crdScope: props.crdScope ?? new Chart(this, 'crds') }, {
      chart: LONGHORN_CHART,
      version: this.version,
      source: props.chartSource,
      releaseName: 'longhorn',
      namespace: this.namespace.name,
      values: mergeValues(values, props.values),
      rawValues: props.values && { prop: props.valuesPropName ?? 'values', values: props.values, owned: ownedBySetProps(LONGHORN_OWNED_VALUES, props, values, props.propNames), hookReviving: LONGHORN_HOOK_VALUES },
    }, {
      hooks: HookPolicy.DROP_ALL,
      // Only the UI: longhorn-manager and the CSI plugin run on every node that holds volumes.
      keepOffControlPlane: props.placement === Placement.WORKERS_ONLY ? [{ kind: 'Deployment', labels: { app: 'longhorn-ui' } }] : [],
    });
  }
}

/** Chart values the typed props set. */
const LONGHORN_OWNED_VALUES: OwnedValue[] = [
  { path: 'persistence.defaultClass', prop: 'defaultClass' },
  { path: 'persistence.defaultClassReplicaCount', prop: 'replicaCount', owns: "the longhorn StorageClass's replica count" },
  { path: 'defaultSettings.defaultReplicaCount', prop: 'replicaCount', owns: 'the default-replica-count setting (its shape changed in 1.8; the prop writes the right one)' },
  { path: 'defaultSettings.defaultDataPath', prop: 'defaultDataPath' },
  { path: 'longhornUI.replicas', prop: 'uiReplicas' },
];

/** Chart values that bring back Helm hooks, which plain YAML cannot run at their moment. */
const LONGHORN_HOOK_VALUES: HookRevivingValue[] = [
  { path: 'preUpgradeChecker.jobEnabled', value: true, why: 'the pre-upgrade checker is a pre-upgrade Helm hook Job: applied as plain YAML it runs at once and again on every apply, not before an upgrade' },
];

const LONGHORN_SHAPE: PropShape<LonghornProps> = { version: true, kubernetesVersion: true, chartSource: ChartSource, namespace: NAMESPACE_REFERENCE_SHAPE, replicaCount: true, defaultDataPath: true, defaultClass: 'boolean', uiReplicas: true, placement: oneOf(Placement, 'Placement'), crdScope: true, values: true, valuesPropName: true, propNames: true };
