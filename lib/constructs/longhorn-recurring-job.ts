import { ApiObject, Cron as ScheduleCron } from 'cdk8s';
import { Construct } from 'constructs';
import { Cron } from 'croner';
import { clusterOf } from '../render/cluster-boundary';
import { Longhorn } from './longhorn';
import { LonghornBackupTarget, renderedBackupTarget } from './longhorn-backup-target';
import { longhornOf, longhornSpecSchema, LonghornTarget } from './longhorn-target';
import { requireInsideStack } from './prometheus-selection';
import { checkProps, describeValue, enumChoices, oneOf, PropShape } from './known-props';
import { asNumber } from './quantity';

/** What a Longhorn recurring job does each time it runs. */
export enum RecurringJobTask {
  /** Takes a snapshot of each volume, keeping the newest `retain`. */
  SNAPSHOT = 'snapshot',
  /** Like SNAPSHOT, but deletes old snapshots first, so it runs even at the snapshot limit. */
  SNAPSHOT_FORCE_CREATE = 'snapshot-force-create',
  /** Purges snapshots that were removed, and system snapshots; keeps no count. */
  SNAPSHOT_CLEANUP = 'snapshot-cleanup',
  /** Deletes snapshots beyond the newest `retain`. */
  SNAPSHOT_DELETE = 'snapshot-delete',
  /** Backs each volume up to the backup target, keeping the newest `retain` backups. */
  BACKUP = 'backup',
  /** Like BACKUP, but deletes old snapshots first. */
  BACKUP_FORCE_CREATE = 'backup-force-create',
  /** Trims the filesystem of each volume, giving unused blocks back; keeps no count. */
  FILESYSTEM_TRIM = 'filesystem-trim',
  /** Backs up Longhorn's own resources (a system backup) to the backup target; Longhorn 1.8 and later. */
  SYSTEM_BACKUP = 'system-backup',
}

const KEEPS_NOTHING = [RecurringJobTask.SNAPSHOT_CLEANUP, RecurringJobTask.FILESYSTEM_TRIM];
const NEEDS_BACKUP_TARGET = [RecurringJobTask.BACKUP, RecurringJobTask.BACKUP_FORCE_CREATE, RecurringJobTask.SYSTEM_BACKUP];

/** The group Longhorn applies to every volume that has no recurring job or group of its own. */
export const DEFAULT_RECURRING_JOB_GROUP = 'default';

/** Props of {@link LonghornRecurringJob}. */
export interface LonghornRecurringJobProps {
  /** The Longhorn (or the MonitoringStack whose Longhorn) runs the job. */
  readonly longhorn: LonghornTarget;
  /** What the job does. */
  readonly task: RecurringJobTask;
  /**
   * When it runs: a cdk8s Cron (`Cron.daily()`, `Cron.schedule({ minute: '0', hour: '3' })`), or a
   * five-field cron string as Longhorn reads it ('0 3 * * *', '@daily', '@every 6h'), in the
   * longhorn-manager's time zone (UTC unless changed).
   */
  readonly schedule: ScheduleCron | string;
  /**
   * How many snapshots or backups the job keeps (1 to 100).
   * @default - required for every task but SNAPSHOT_CLEANUP and FILESYSTEM_TRIM, which keep nothing
   */
  readonly retain?: number;
  /**
   * How many volumes the job works on at once.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Groups of volumes the job applies to (volumes and StorageClasses join groups by label).
   * `'default'` means every volume with no job or group of its own.
   * @default ['default']
   */
  readonly groups?: string[];
  /**
   * Labels put on each snapshot or backup.
   * @default - none
   */
  readonly labels?: { readonly [key: string]: string };
  /**
   * For backups: make every Nth backup a full one instead of incremental (Longhorn 1.7 and later).
   * @default - only incremental backups after the first
   */
  readonly fullBackupInterval?: number;
  /**
   * Name of the job (the RecurringJob object and its `spec.name`).
   * @default - derived from the construct id
   */
  readonly name?: string;
}

const LONGHORN_RECURRING_JOB_SHAPE: PropShape<LonghornRecurringJobProps> = {
  longhorn: true, task: oneOf(RecurringJobTask, 'RecurringJobTask'), schedule: true, retain: true, concurrency: true, groups: [true], labels: true, fullBackupInterval: true, name: true };

const JOB_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const GROUP_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const MAX_RETAIN = 100;

/**
 * A Longhorn RecurringJob: snapshots, backups, cleanups or trims on a schedule, for groups of volumes,
 * in Longhorn's namespace. The schedule is parsed as Longhorn's cron parser would (five fields, or a
 * descriptor); the task and parameters are checked against the rendered Longhorn version's CRD; a
 * backup job needs a backup target ({@link LonghornBackupTarget}, or one in the chart values).
 */
export class LonghornRecurringJob extends Construct {
  /** The RecurringJob object. */
  public readonly apiObject: ApiObject;
  /** The job's name. */
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: LonghornRecurringJobProps) {
    super(scope, id);
    checkProps(`LonghornRecurringJob '${id}'`, props, LONGHORN_RECURRING_JOB_SHAPE);
    if (props.task === undefined) throw new Error(`task is not set but must be ${enumChoices(RecurringJobTask, 'RecurringJobTask')}`);
    const longhorn = longhornOf(props.longhorn);
    requireInsideStack(this, props.longhorn, !(props.longhorn instanceof Longhorn), 'longhorn');
    this.jobName = props.name ?? id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    if (!JOB_NAME.test(this.jobName)) {
      throw new Error(`${props.name === undefined ? `the id '${id}' gives the name` : 'name is'} '${this.jobName}' but a recurring job name is lowercase letters, digits and '-', at most 40 characters (Longhorn labels volumes with it); ${props.name === undefined ? 'pass name' : "e.g. 'daily-backup'"}`);
    }
    const schema = longhornSpecSchema(longhorn, 'RecurringJob');
    const tasks = schema?.task?.enum;
    if (tasks && !tasks.includes(props.task)) {
      throw new Error(`task is RecurringJobTask.${taskKey(props.task)} but Longhorn ${longhorn.version} does not have it (its tasks: ${tasks.join(', ')}); use a newer Longhorn or another task`);
    }
    const cron = checkSchedule(props.schedule);
    const retain = checkRetain(props.task, props.retain);
    const concurrency = props.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`concurrency is ${asNumber(concurrency)} but must be a whole number >= 1 (volumes worked on at once)`);
    }
    const groups = props.groups ?? [DEFAULT_RECURRING_JOB_GROUP];
    for (const group of groups) {
      if (!GROUP_NAME.test(group)) throw new Error(`groups has '${group}' but a group name is letters, digits, '-', '_' and '.', at most 63 characters (Longhorn labels volumes with it)`);
    }
    if (new Set(groups).size !== groups.length) throw new Error(`groups is ${JSON.stringify(groups)} and names a group twice`);
    for (const key of Object.keys(props.labels ?? {})) {
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(key)) {
        throw new Error(`labels has the key '${key}' but must be a Kubernetes label key (e.g. 'backup' or 'example.com/backup')`);
      }
    }
    let parameters: Record<string, string> | undefined;
    if (props.fullBackupInterval !== undefined) {
      if (![RecurringJobTask.BACKUP, RecurringJobTask.BACKUP_FORCE_CREATE].includes(props.task)) {
        throw new Error(`fullBackupInterval is set but task is RecurringJobTask.${taskKey(props.task)}; it only applies to BACKUP and BACKUP_FORCE_CREATE`);
      }
      if (!Number.isInteger(props.fullBackupInterval) || props.fullBackupInterval < 1) {
        throw new Error(`fullBackupInterval is ${asNumber(props.fullBackupInterval)} but must be a whole number >= 1 (every Nth backup is full)`);
      }
      if (schema && !schema.parameters) {
        throw new Error(`fullBackupInterval is ${props.fullBackupInterval} but Longhorn ${longhorn.version} has no recurring job parameters (from 1.7 on); leave it out or use a newer Longhorn`);
      }
      parameters = { 'full-backup-interval': String(props.fullBackupInterval) };
    }

    const generated = require('../../imports/longhorn.io') as typeof import('../../imports/longhorn.io');
    this.apiObject = new generated.RecurringJob(this, 'Resource', {
      metadata: { name: this.jobName, namespace: longhorn.namespace.name },
      spec: {
        name: this.jobName,
        task: props.task as unknown as import('../../imports/longhorn.io').RecurringJobSpecTask,
        cron,
        retain,
        concurrency,
        groups,
        ...(props.labels && { labels: { ...props.labels } }),
        ...(parameters && { parameters }),
      },
    });
    this.node.addDependency(longhorn);

    if (NEEDS_BACKUP_TARGET.includes(props.task)) {
      this.node.addValidation({
        validate: () => {
          const targets = clusterOf(this).node.findAll().filter(c => c instanceof LonghornBackupTarget && (c as LonghornBackupTarget).longhorn === longhorn);
          if (targets.length > 0 || renderedBackupTarget(longhorn)) return [];
          return [`task is RecurringJobTask.${taskKey(props.task)} but Longhorn ${longhorn.node.path} has no backup target, so every run would fail; add a LonghornBackupTarget (S3 or NFS) for it`];
        },
      });
    }
  }
}

function taskKey(task: RecurringJobTask): string {
  return Object.entries(RecurringJobTask).find(([, v]) => v === task)?.[0] ?? String(task);
}

function checkRetain(task: RecurringJobTask, retain: number | undefined): number {
  if (KEEPS_NOTHING.includes(task)) {
    if (retain !== undefined && retain !== 0) throw new Error(`retain is ${asNumber(retain)} but task RecurringJobTask.${taskKey(task)} keeps nothing; leave retain out`);
    return 0;
  }
  if (retain === undefined) throw new Error(`retain is not set but task RecurringJobTask.${taskKey(task)} keeps snapshots or backups; say how many (1 to ${MAX_RETAIN})`);
  if (!Number.isInteger(retain) || retain < 1 || retain > MAX_RETAIN) {
    throw new Error(`retain is ${asNumber(retain)} but must be a whole number from 1 to ${MAX_RETAIN} (Longhorn's recurring-job-max-retention default)`);
  }
  return retain;
}

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * The schedule as Longhorn's parser (robfig/cron, ParseStandard) accepts it: five fields (minute,
 * hour, day of month, month, day of week 0-6), a descriptor, or `@every <duration>`. Ranges are
 * checked by croner; what robfig/cron does not know (L, W, #, a seconds field, day 7) is refused.
 */
function checkSchedule(schedule: ScheduleCron | string): string {
  const expression = typeof schedule === 'string' ? schedule.trim() : (schedule as Partial<ScheduleCron> | undefined)?.expressionString;
  if (typeof expression !== 'string') {
    throw new Error(`schedule is ${describeValue(schedule)} but must be a cron string such as '0 3 * * *' (minute hour day-of-month month day-of-week), '@daily', '@every 6h', or a cdk8s Cron such as Cron.daily() or Cron.schedule({ minute: '0', hour: '3' })`);
  }
  const fail = (why: string) => new Error(`schedule is '${expression}' but ${why}; use five fields 'minute hour day-of-month month day-of-week' (e.g. '0 3 * * *'), '@daily', '@every 6h', or a cdk8s Cron`);
  if (expression.startsWith('@')) {
    if (DESCRIPTORS.includes(expression)) return expression;
    const every = /^@every\s+(\S+)$/.exec(expression);
    if (every && GO_DURATION.test(every[1])) return `@every ${every[1]}`;
    throw fail('is not a descriptor Longhorn knows');
  }
  const fields = expression.split(/\s+/);
  if (fields.length !== 5) throw fail(`has ${fields.length} field(s), and Longhorn reads exactly five`);
  if (/[LW#]/i.test(fields.slice(2).join(' ').replace(/[A-Za-z]{3}/g, m => (/^(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)$/i.test(m) ? '' : m)))) {
    throw fail("uses L, W or #, which Longhorn's cron parser does not know");
  }
  if (fields[4].split(/[,/-]/).some(part => /^[0-9]+$/.test(part) && Number(part) > 6)) throw fail('has a day of week above 6 (Sunday is 0)');
  try {
    new Cron(expression, { paused: true });
  } catch (e) {
    throw fail((e as Error).message.replace(/^CronPattern: /, '').replace(/\.$/, ''));
  }
  return expression;
}
