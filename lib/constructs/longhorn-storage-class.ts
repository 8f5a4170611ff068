import { ApiObject, Duration } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { checkProps, describeValue, oneOf, PropShape } from './known-props';
import { keepClusterScoped } from './cluster-scoped';
import { claimDefaultStorageClass } from './default-storage-class';
import { DNS_SUBDOMAIN } from './kube-names';
import { checkWholeNumber, wholeMinutes } from './quantity';

/** Anything that names a StorageClass a PersistentVolumeClaim can use. */
export interface IStorageClass {
  /** The StorageClass's `metadata.name`. */
  readonly storageClassName: string;
}

/** What happens to a volume when its claim is deleted. */
export enum ReclaimPolicy {
  /** The volume and its data are deleted. */
  DELETE = 'Delete',
  /** The volume is kept (Released) for manual recovery or deletion. */
  RETAIN = 'Retain',
}

/** Filesystem Longhorn formats a block volume with. */
export enum FsType {
  /** ext4. */
  EXT4 = 'ext4',
  /** XFS. */
  XFS = 'xfs',
}

/** Whether Longhorn keeps a replica on the node that uses the volume. */
export enum DataLocality {
  /** Replicas anywhere. */
  DISABLED = 'disabled',
  /** Try to keep one replica on the consuming node. */
  BEST_EFFORT = 'best-effort',
  /** Exactly one replica, on the consuming node (requires replicaCount 1). */
  STRICT_LOCAL = 'strict-local',
}

/** The name longhorn-manager reserves for the StorageClass it builds from the chart's `persistence.*` values. */
export const LONGHORN_MANAGED_CLASS_NAME = 'longhorn';

/** Props of {@link LonghornStorageClass}. */
export interface LonghornStorageClassProps {
  /**
   * StorageClass name. Not `longhorn`: longhorn-manager owns that name and rebuilds it from
   * the Longhorn chart's `persistence.*` values (configure it through the `Longhorn` construct).
   */
  readonly name: string;
  /**
   * Replicas per volume, each on its own node.
   * @default 3
   */
  readonly replicaCount?: number;
  /**
   * What happens to the volume when its claim is deleted.
   * @default ReclaimPolicy.DELETE
   */
  readonly reclaimPolicy?: ReclaimPolicy;
  /**
   * Whether claims can be grown after creation.
   * @default true
   */
  readonly allowVolumeExpansion?: boolean;
  /**
   * Filesystem of the volume.
   * @default FsType.EXT4
   */
  readonly fsType?: FsType;
  /**
   * Replica placement relative to the consuming node.
   * @default DataLocality.DISABLED
   */
  readonly dataLocality?: DataLocality;
  /**
   * How long a failed replica is kept before Longhorn removes it, in whole minutes (Longhorn's unit).
   * @default Duration.minutes(30)
   */
  readonly staleReplicaTimeout?: Duration;
  /**
   * Whether this class is the cluster default (claims without `storageClassName` use it).
   * Only one class should be default: leave the Longhorn chart's own class non-default if this is.
   * @default false
   */
  readonly isDefaultClass?: boolean;
  /**
   * The names, in messages, of props a composite sets from props of its own (`{ name: 'prometheusStorageClassName' }`).
   * @default - this construct's prop names
   */
  readonly propNames?: Readonly<Record<string, string>>;
}

/**
 * A StorageClass provisioned by Longhorn (`driver.longhorn.io`), usable on its own.
 *
 * Requires Longhorn in the cluster; it never takes the name `longhorn` (see {@link LonghornStorageClassProps.name}).
 */
export class LonghornStorageClass extends Construct implements IStorageClass {
  /** The StorageClass's name, for claims. */
  public readonly storageClassName: string;
  /** Replicas per volume. */
  public readonly replicaCount: number;
  /** Whether this class is the cluster default. */
  public readonly isDefaultClass: boolean;

  constructor(scope: Construct, id: string, props: LonghornStorageClassProps) {
    super(scope, id);
    checkProps(`LonghornStorageClass '${id}'`, props, LONGHORN_STORAGE_CLASS_SHAPE);
    const nameProp = props.propNames?.name ?? 'name';
    if (props.name === LONGHORN_MANAGED_CLASS_NAME) {
      throw new Error(`${nameProp} is '${props.name}' but longhorn-manager owns the StorageClass 'longhorn' and rebuilds it from the chart's persistence.* values, so a second definition would be overwritten; configure that class through the Longhorn construct's props, or give this class another name such as 'longhorn-prometheus'`);
    }
    if (typeof props.name !== 'string' || !DNS_SUBDOMAIN.test(props.name)) {
      throw new Error(`${nameProp} is ${describeValue(props.name)} but a StorageClass name must be a DNS subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`);
    }
    this.storageClassName = props.name;
    this.replicaCount = checkWholeNumber(props.propNames?.replicaCount ?? 'replicaCount', props.replicaCount ?? 3, 1, 20);
    const dataLocality = props.dataLocality ?? DataLocality.DISABLED;
    if (dataLocality === DataLocality.STRICT_LOCAL && this.replicaCount !== 1) {
      throw new Error(`dataLocality is '${dataLocality}' but replicaCount is ${this.replicaCount}: strict-local keeps exactly one replica on the consuming node; use replicaCount: 1 or DataLocality.BEST_EFFORT`);
    }
    const staleReplicaTimeout = wholeMinutes('staleReplicaTimeout', props.staleReplicaTimeout ?? Duration.minutes(30));
    this.isDefaultClass = props.isDefaultClass ?? false;
    if (this.isDefaultClass) {
      claimDefaultStorageClass(this, props.name, `isDefaultClass: false on ${this.node.path}`);
    }

    const spec: k8s.KubeStorageClassProps = {
      metadata: {
        name: props.name,
        annotations: { 'storageclass.kubernetes.io/is-default-class': String(this.isDefaultClass) },
      },
      provisioner: 'driver.longhorn.io',
      allowVolumeExpansion: props.allowVolumeExpansion ?? true,
      reclaimPolicy: props.reclaimPolicy ?? ReclaimPolicy.DELETE,
      volumeBindingMode: 'Immediate',
      parameters: {
        numberOfReplicas: String(this.replicaCount),
        staleReplicaTimeout: String(staleReplicaTimeout),
        fsType: props.fsType ?? FsType.EXT4,
        dataLocality,
      },
    };
    keepClusterScoped(new ApiObject(this, 'Resource', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', ...spec }));
  }
}

const LONGHORN_STORAGE_CLASS_SHAPE: PropShape<LonghornStorageClassProps> = {
  name: true, replicaCount: true, reclaimPolicy: oneOf(ReclaimPolicy, 'ReclaimPolicy'), allowVolumeExpansion: 'boolean', fsType: oneOf(FsType, 'FsType'),
  dataLocality: oneOf(DataLocality, 'DataLocality'), staleReplicaTimeout: true, isDefaultClass: 'boolean', propNames: true };
