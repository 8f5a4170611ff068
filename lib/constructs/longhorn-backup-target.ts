import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as semver from 'semver';
import { clusterOf } from '../render/cluster-boundary';
import { DNS_SUBDOMAIN } from './kube-names';
import { Longhorn } from './longhorn';
import { longhornOf, LonghornTarget } from './longhorn-target';
import { requireInsideStack } from './prometheus-selection';
import { checkProps, describeValue, PropShape } from './known-props';
import { checkDuration } from './quantity';

/** Options of {@link BackupStore.s3}. */
export interface S3BackupStoreOptions {
  /** Bucket name. */
  readonly bucket: string;
  /** Region; any string for S3-compatible stores (MinIO, Garage), whose endpoint goes in the credentials Secret as AWS_ENDPOINTS. */
  readonly region: string;
  /**
   * Folder in the bucket, so several clusters can share one.
   * @default - the bucket's root
   */
  readonly path?: string;
}

/** Options of {@link BackupStore.nfs}. */
export interface NfsBackupStoreOptions {
  /** The NFS server's host name or address. */
  readonly server: string;
  /** The exported path, absolute. */
  readonly path: string;
}

/** Where Longhorn keeps backups: an S3 bucket or an NFS export. */
export class BackupStore {
  /** An S3 (or S3-compatible) bucket: `s3://<bucket>@<region>/<path>/`. Needs a credentials Secret. */
  public static s3(options: S3BackupStoreOptions): BackupStore {
    checkProps('BackupStore.s3', options, S3_SHAPE);
    if (typeof options.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new Error(`BackupStore.s3 bucket is ${describeValue(options.bucket)} but an S3 bucket name is 3 to 63 lowercase letters, digits, '.' and '-'`);
    }
    if (typeof options.region !== 'string' || !/^[A-Za-z0-9-]+$/.test(options.region)) {
      throw new Error(`BackupStore.s3 region is ${describeValue(options.region)} but must be a region name such as 'us-east-1' (any word for an S3-compatible store)`);
    }
    if (options.path !== undefined && typeof options.path !== 'string') throw new Error(`BackupStore.s3 path is ${describeValue(options.path)} but must be a folder in the bucket, e.g. 'homelab'`);
    const folder = (options.path ?? '').replace(/^\/+|\/+$/g, '');
    if (folder.split('/').some(p => p === '..' || p === '.')) throw new Error(`BackupStore.s3 path is '${options.path}' but must not contain '.' or '..'`);
    return new BackupStore(`s3://${options.bucket}@${options.region}/${folder ? `${folder}/` : ''}`, true);
  }

  /** An NFS export: `nfs://<server>:<path>`. Takes no credentials. */
  public static nfs(options: NfsBackupStoreOptions): BackupStore {
    checkProps('BackupStore.nfs', options, NFS_SHAPE);
    if (typeof options.server !== 'string' || (!/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(options.server) && !/^\[[0-9a-fA-F:]+\]$/.test(options.server))) {
      throw new Error(`BackupStore.nfs server is ${describeValue(options.server)} but must be a host name or address (an IPv6 address in brackets)`);
    }
    if (typeof options.path !== 'string' || !options.path.startsWith('/')) throw new Error(`BackupStore.nfs path is ${describeValue(options.path)} but must be the absolute exported path, e.g. '/export/longhorn'`);
    return new BackupStore(`nfs://${options.server}:${options.path}`, false);
  }

  private constructor(
    /** The backup target URL Longhorn reads. */
    public readonly url: string,
    /** Whether the store needs a credentials Secret. */
    public readonly needsCredentials: boolean,
  ) {}
}

/** Props of {@link LonghornBackupTarget}. */
export interface LonghornBackupTargetProps {
  /** The Longhorn (or the MonitoringStack whose Longhorn) backs up there. */
  readonly longhorn: LonghornTarget;
  /** The bucket or export. */
  readonly store: BackupStore;
  /**
   * Name of an existing Secret in Longhorn's namespace with the store's credentials
   * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and `AWS_ENDPOINTS` for an S3-compatible store).
   * Create it yourself: it never goes into the output.
   * @default - none; required for S3
   */
  readonly credentialsSecretName?: string;
  /**
   * How often Longhorn reads the store for backups made elsewhere (whole seconds; 0 turns it off).
   * @default Duration.minutes(5)
   */
  readonly pollInterval?: Duration;
}

/**
 * Longhorn's default backup target, as the rendered Longhorn version takes it: from 1.8 on the
 * `BackupTarget` custom resource named `default`; before (1.6, 1.7) the `backup-target`,
 * `backup-target-credential-secret` and `backupstore-poll-interval` settings, as `Setting` objects.
 * The credentials come from an existing Secret, named here and never written out. One per Longhorn.
 */
export class LonghornBackupTarget extends Construct {
  /** The Longhorn it belongs to. */
  public readonly longhorn: Longhorn;
  /** The objects written: the BackupTarget, or the Settings. */
  public readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: LonghornBackupTargetProps) {
    super(scope, id);
    checkProps(`LonghornBackupTarget '${id}'`, props, LONGHORN_BACKUP_TARGET_SHAPE);
    if (!(props.store instanceof BackupStore)) throw new Error(`store is ${describeValue(props.store)} but must be BackupStore.s3({ bucket, region }) or BackupStore.nfs({ server, path })`);
    this.longhorn = longhornOf(props.longhorn);
    requireInsideStack(this, props.longhorn, !(props.longhorn instanceof Longhorn), 'longhorn');
    const secret = props.credentialsSecretName;
    if (props.store.needsCredentials && !secret) {
      throw new Error(`credentialsSecretName is not set but store ${props.store.url} is S3, which needs credentials: create a Secret in namespace '${this.longhorn.namespace.name}' with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINTS for MinIO and the like) and name it here`);
    }
    if (!props.store.needsCredentials && secret) {
      throw new Error(`credentialsSecretName is '${secret}' but store ${props.store.url} is NFS, which takes no credentials; leave it out`);
    }
    if (secret !== undefined && !DNS_SUBDOMAIN.test(secret)) throw new Error(`credentialsSecretName is '${secret}' but a Secret name is a DNS subdomain (lowercase letters, digits, '-' and '.')`);
    const seconds = checkDuration('pollInterval', props.pollInterval ?? Duration.minutes(5), 'seconds', 300).toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`pollInterval is ${seconds} s but must be a whole number of seconds >= 0 (0 turns polling off)`);

    const namespace = this.longhorn.namespace.name;
    const generated = require('../../imports/longhorn.io') as typeof import('../../imports/longhorn.io');
    if (semver.gte(this.longhorn.version, '1.8.0')) {
      // From 1.8 the settings are gone: longhorn-manager makes a BackupTarget 'default' and reads it.
      this.apiObjects = [new generated.BackupTarget(this, 'Resource', {
        metadata: { name: 'default', namespace },
        spec: { backupTargetUrl: props.store.url, ...(secret && { credentialSecret: secret }), pollInterval: `${seconds}s` },
      })];
    } else {
      const setting = (name: string, value: string) => new generated.Setting(this, name, { metadata: { name, namespace }, value });
      this.apiObjects = [
        setting('backup-target', props.store.url),
        setting('backup-target-credential-secret', secret ?? ''),
        setting('backupstore-poll-interval', String(seconds)),
      ];
    }
    this.node.addDependency(this.longhorn);
    this.node.addValidation({
      validate: () => {
        const others = clusterOf(this).node.findAll().filter(c => c !== this && c instanceof LonghornBackupTarget && (c as LonghornBackupTarget).longhorn === this.longhorn);
        return others.length > 0 && others[0].node.path < this.node.path
          ? [`Longhorn ${this.longhorn.node.path} already has a backup target (${others[0].node.path}); it has one default target, so keep one LonghornBackupTarget`]
          : [];
      },
    });
  }
}

const S3_SHAPE: PropShape<S3BackupStoreOptions> = { bucket: true, region: true, path: true };
const NFS_SHAPE: PropShape<NfsBackupStoreOptions> = { server: true, path: true };
const LONGHORN_BACKUP_TARGET_SHAPE: PropShape<LonghornBackupTargetProps> = { longhorn: true, store: true, credentialsSecretName: true, pollInterval: true };

/** Whether the Longhorn chart values already set a backup target (`defaultSettings.backupTarget` before 1.8, `defaultBackupStore.backupTarget` from 1.8). */
export function renderedBackupTarget(longhorn: Longhorn): boolean {
  return (longhorn.rendered?.manifests ?? []).some(m => m.kind === 'ConfigMap'
    && ['longhorn-default-setting', 'longhorn-default-resource'].includes(m.metadata.name)
    && Object.values((m.data ?? {}) as Record<string, string>).some(text => /^\s*"?backup-target"?\s*:\s*"?[a-z0-9]+:\/\//m.test(text)));
}
