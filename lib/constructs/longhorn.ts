import { Construct } from 'constructs';
import { checkPinnedVersion, LONGHORN_CHART } from '../render/chart-pins';
import { ChartValues, mergeValues } from '../render/chart-values';
import { addHelmChartObjects, HelmChartObjects } from '../render/helm-chart-objects';
import { HookPolicy } from '../render/helm-render';
import { claimDefaultStorageClass } from './default-storage-class';
import { IStorageClass, LONGHORN_MANAGED_CLASS_NAME } from './longhorn-storage-class';
import { Namespace } from './namespace';
import { Placement, placeOnWorkers } from './placement';
import { checkWholeNumber } from './quantity';

/** Longhorn chart versions this library renders and tests. */
export enum LonghornVersion {
  /** 1.6.2: the version most install guides use (end of life upstream; prefer 1.12.1 for new clusters). */
  V1_6_2 = '1.6.2',
  /** 1.12.1: newest stable. */
  V1_12_1 = '1.12.1',
}

/** Props of {@link Longhorn}. */
export interface LonghornProps {
  /**
   * Longhorn chart version.
   * @default LonghornVersion.V1_12_1
   */
  readonly version?: LonghornVersion;
  /**
   * Namespace Longhorn runs in.
   * @default - a `longhorn-system` Namespace created inside this construct
   */
  readonly namespace?: Namespace;
  /**
   * Replicas of each volume, each on a different node: the `longhorn` StorageClass's
   * `numberOfReplicas` and the `default-replica-count` setting. Must not exceed the nodes that can hold replicas.
   * @default 3
   */
  readonly defaultReplicaCount?: number;
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
   * Scope for Longhorn's CustomResourceDefinitions, so they can be applied before everything else.
   * @default - this construct
   */
  readonly crdScope?: Construct;
  /**
   * Raw chart values, deep-merged over everything this construct sets (lists are replaced whole).
   * @default - none
   */
  readonly values?: ChartValues;
}

/**
 * Longhorn, rendered from its upstream Helm chart at a pinned version.
 *
 * Helm hooks are left out, as in Longhorn's own `deploy/longhorn.yaml` (rendered with `--no-hooks`):
 * the uninstall Job is a pre-delete hook and must never run on apply.
 */
export class Longhorn extends Construct {
  /** The rendered chart version. */
  public readonly version: LonghornVersion;
  /** Namespace Longhorn runs in. */
  public readonly namespace: Namespace;
  /** Replicas per volume of the chart's `longhorn` StorageClass. */
  public readonly defaultReplicaCount: number;
  /** Whether the chart's `longhorn` StorageClass is the cluster default. */
  public readonly defaultClass: boolean;
  /** The `longhorn` StorageClass that longhorn-manager maintains, for claims that want it. */
  public readonly storageClass: IStorageClass = { storageClassName: LONGHORN_MANAGED_CLASS_NAME };
  /** What the render produced. */
  public readonly rendered: HelmChartObjects;

  constructor(scope: Construct, id: string, props: LonghornProps = {}) {
    super(scope, id);
    this.version = checkPinnedVersion('version', LONGHORN_CHART, props.version ?? LonghornVersion.V1_12_1, 'LonghornVersion', LonghornVersion) as LonghornVersion;
    this.defaultReplicaCount = checkWholeNumber('defaultReplicaCount', props.defaultReplicaCount ?? 3, 1, 20);
    const uiReplicas = checkWholeNumber('uiReplicas', props.uiReplicas ?? 2, 0, 10);
    const defaultDataPath = props.defaultDataPath ?? '/var/lib/longhorn/';
    if (!defaultDataPath.startsWith('/')) {
      throw new Error(`defaultDataPath is '${defaultDataPath}' but must be an absolute host path such as '/var/lib/longhorn/'`);
    }
    this.defaultClass = props.defaultClass ?? true;
    if (this.defaultClass) {
      claimDefaultStorageClass(this, LONGHORN_MANAGED_CLASS_NAME, `defaultClass: false on ${this.node.path}`);
    }
    this.namespace = props.namespace ?? new Namespace(this, 'Namespace', { name: 'longhorn-system' });

    const replicas = String(this.defaultReplicaCount);
    const values: ChartValues = {
      persistence: { defaultClass: this.defaultClass, defaultClassReplicaCount: this.defaultReplicaCount },
      defaultSettings: {
        defaultDataPath,
        // From 1.8 on the setting is per data engine; 1.6 takes one number.
        defaultReplicaCount: this.version === LonghornVersion.V1_6_2 ? this.defaultReplicaCount : { v1: replicas, v2: replicas },
      },
      longhornUI: { replicas: uiReplicas },
      // Its Job is a pre-upgrade hook, which plain YAML cannot run at the right moment.
      preUpgradeChecker: { jobEnabled: false },
    };

    this.rendered = addHelmChartObjects({ scope: this, crdScope: props.crdScope ?? this }, {
      chart: LONGHORN_CHART,
      version: this.version,
      releaseName: 'longhorn',
      namespace: this.namespace.name,
      values: mergeValues(values, props.values),
      hooks: HookPolicy.DROP_ALL,
    });
    if (props.placement === Placement.WORKERS_ONLY) {
      placeOnWorkers(this.rendered.apiObjects, this.rendered.manifests, [{ kind: 'Deployment', name: 'longhorn-ui' }]);
    }
  }
}
