import { Chart, Cron, Duration, Testing } from 'cdk8s';
import { BackupStore, LonghornBackupTarget, LonghornRecurringJob, LonghornVersion, MonitoringStack, RecurringJobTask } from '../lib';
import { synthApp } from './support/synth';

/** A stack with a nightly backup to S3 and hourly snapshots, on the given Longhorn version. */
function backedUp(version: LonghornVersion) {
  const files = synthApp(app => {
    const stack = new MonitoringStack(app, 'homelab', { longhornVersion: version });
    const backups = new Chart(stack, 'backups');
    new LonghornBackupTarget(backups, 'Target', {
      longhorn: stack, store: BackupStore.s3({ bucket: 'lab-backups', region: 'eu-central-1', path: 'homelab' }),
      credentialsSecretName: 'longhorn-s3', pollInterval: Duration.minutes(3),
    });
    new LonghornRecurringJob(backups, 'nightly-backup', { longhorn: stack, task: RecurringJobTask.BACKUP, schedule: Cron.schedule({ minute: '0', hour: '2' }), retain: 14 });
    new LonghornRecurringJob(backups, 'hourly-snapshot', { longhorn: stack, task: RecurringJobTask.SNAPSHOT, schedule: '0 * * * *', retain: 24, groups: ['default', 'databases'], concurrency: 2 });
  });
  const file = files.find(f => f.file === 'homelab/0005-backups.k8s.yaml')!;
  return { files, objects: file.objects as any[] };
}

describe.each([LonghornVersion.V1_6_2, LonghornVersion.V1_7_3])('Longhorn %s: backup target as settings', version => {
  const { objects } = backedUp(version);

  test('the backup-target settings, in Longhorn\'s namespace, validated against the Setting CRD', () => {
    expect(objects.filter(o => o.kind === 'Setting').map(o => [o.metadata.namespace, o.metadata.name, o.value])).toEqual([
      ['longhorn-system', 'backup-target', 's3://lab-backups@eu-central-1/homelab/'],
      ['longhorn-system', 'backup-target-credential-secret', 'longhorn-s3'],
      ['longhorn-system', 'backupstore-poll-interval', '180'],
    ]);
    expect(objects.filter(o => o.kind === 'BackupTarget')).toEqual([]);
  });

  test('recurring jobs with their schedule, retention and groups', () => {
    expect(objects.filter(o => o.kind === 'RecurringJob').map(o => ({ name: o.metadata.name, namespace: o.metadata.namespace, spec: o.spec }))).toEqual([
      { name: 'nightly-backup', namespace: 'longhorn-system', spec: { name: 'nightly-backup', task: 'backup', cron: '0 2 * * *', retain: 14, concurrency: 1, groups: ['default'] } },
      { name: 'hourly-snapshot', namespace: 'longhorn-system', spec: { name: 'hourly-snapshot', task: 'snapshot', cron: '0 * * * *', retain: 24, concurrency: 2, groups: ['default', 'databases'] } },
    ]);
  });
});

describe('Longhorn 1.12.1: backup target as the BackupTarget resource', () => {
  const { objects } = backedUp(LonghornVersion.V1_12_1);

  test('the BackupTarget named default, no settings', () => {
    expect(objects.filter(o => o.kind === 'BackupTarget')).toEqual([{
      apiVersion: 'longhorn.io/v1beta2', kind: 'BackupTarget',
      metadata: { name: 'default', namespace: 'longhorn-system' },
      spec: { backupTargetURL: 's3://lab-backups@eu-central-1/homelab/', credentialSecret: 'longhorn-s3', pollInterval: '180s' },
    }]);
    expect(objects.filter(o => o.kind === 'Setting')).toEqual([]);
  });
});

describe('LonghornRecurringJob and LonghornBackupTarget', () => {
  // The Longhorn of stacks whose renders the backup tests above (and monitoring-stack.test.ts) make already.
  const v16 = new MonitoringStack(Testing.app(), 'homelab', { longhornVersion: LonghornVersion.V1_6_2 }).longhorn;
  const v17 = new MonitoringStack(Testing.app(), 'homelab', { longhornVersion: LonghornVersion.V1_7_3 }).longhorn;
  const job = (props: Partial<ConstructorParameters<typeof LonghornRecurringJob>[2]>, id = 'job') =>
    new LonghornRecurringJob(new Chart(Testing.app(), 'c'), id, { longhorn: v17, task: RecurringJobTask.SNAPSHOT, schedule: '0 3 * * *', retain: 3, ...props });

  test('an NFS target needs no Secret; full backups every 7th on 1.7', () => {
    const c = new Chart(Testing.app(), 'nfs');
    new LonghornBackupTarget(c, 'T', { longhorn: v17, store: BackupStore.nfs({ server: 'nas.lab', path: '/export/longhorn' }) });
    new LonghornRecurringJob(c, 'weekly-full', { longhorn: v17, task: RecurringJobTask.BACKUP, schedule: '@weekly', retain: 4, fullBackupInterval: 7 });
    const objects = Testing.synth(c);
    expect(objects.find(o => o.metadata.name === 'backup-target').value).toBe('nfs://nas.lab:/export/longhorn');
    expect(objects.find(o => o.kind === 'RecurringJob').spec.parameters).toEqual({ 'full-backup-interval': '7' });
  });

  test('fails on a cron string Longhorn cannot read', () => {
    expect(() => job({ schedule: '0 3 * *' })).toThrow("schedule is '0 3 * *' but has 4 field(s), and Longhorn reads exactly five; use five fields");
    expect(() => job({ schedule: '61 3 * * *' })).toThrow("schedule is '61 3 * * *' but Invalid value for minute: 61");
    expect(() => job({ schedule: '0 0 L * *' })).toThrow("schedule is '0 0 L * *' but uses L, W or #, which Longhorn's cron parser does not know");
    expect(() => job({ schedule: '0 3 * * 7' })).toThrow("schedule is '0 3 * * 7' but has a day of week above 6 (Sunday is 0)");
    expect(() => job({ schedule: '0 0 0 3 * *' })).toThrow("schedule is '0 0 0 3 * *' but has 6 field(s)");
    expect(() => job({ schedule: '@every day' })).toThrow("schedule is '@every day' but is not a descriptor Longhorn knows");
    expect(job({ schedule: '*/15 8-18 * * MON-FRI' }).apiObject.toJson().spec.cron).toBe('*/15 8-18 * * MON-FRI');
  });

  test('fails on a retention Longhorn refuses', () => {
    expect(() => job({ retain: undefined })).toThrow('retain is not set but task RecurringJobTask.SNAPSHOT keeps snapshots or backups; say how many (1 to 100)');
    expect(() => job({ retain: 101 })).toThrow('retain is 101 but must be a whole number from 1 to 100');
    expect(() => job({ task: RecurringJobTask.FILESYSTEM_TRIM, retain: 2 })).toThrow('retain is 2 but task RecurringJobTask.FILESYSTEM_TRIM keeps nothing; leave retain out');
  });

  test('fails on a task or parameter the Longhorn version does not have', () => {
    expect(() => job({ longhorn: v16, task: RecurringJobTask.SYSTEM_BACKUP })).toThrow('task is RecurringJobTask.SYSTEM_BACKUP but Longhorn 1.6.2 does not have it');
    expect(() => job({ longhorn: v16, task: RecurringJobTask.BACKUP, fullBackupInterval: 7 })).toThrow('fullBackupInterval is 7 but Longhorn 1.6.2 has no recurring job parameters (from 1.7 on)');
  });

  test('fails on names Longhorn cannot label volumes with', () => {
    expect(() => job({}, 'Nightly Backup!')).not.toThrow();
    expect(() => job({ name: 'a'.repeat(41) })).toThrow(`name is '${'a'.repeat(41)}' but a recurring job name is lowercase letters, digits and '-', at most 40 characters`);
    expect(() => job({ groups: ['data bases'] })).toThrow("groups has 'data bases' but a group name is letters, digits, '-', '_' and '.'");
  });

  test('fails when a backup job has no backup target', () => {
    expect(() => synthApp(app => {
      const stack = new MonitoringStack(app, 'homelab');
      new LonghornRecurringJob(new Chart(stack, 'backups'), 'nightly', { longhorn: stack, task: RecurringJobTask.BACKUP, schedule: '@daily', retain: 7 });
    })).toThrow('task is RecurringJobTask.BACKUP but Longhorn homelab/longhorn/Longhorn has no backup target, so every run would fail; add a LonghornBackupTarget (S3 or NFS) for it');
  });

  test('fails on an S3 store without credentials, and on bad store addresses', () => {
    expect(() => new LonghornBackupTarget(new Chart(Testing.app(), 'x'), 'T', { longhorn: v17, store: BackupStore.s3({ bucket: 'b-1', region: 'us-east-1' }) }))
      .toThrow("credentialsSecretName is not set but store s3://b-1@us-east-1/ is S3, which needs credentials: create a Secret in namespace 'longhorn-system'");
    expect(() => BackupStore.s3({ bucket: 'My_Bucket', region: 'us-east-1' })).toThrow("BackupStore.s3 bucket is 'My_Bucket' but an S3 bucket name is 3 to 63 lowercase letters");
    expect(() => BackupStore.nfs({ server: 'nas.lab', path: 'export' })).toThrow("BackupStore.nfs path is 'export' but must be the absolute exported path");
  });
});
