import { Chart, Duration, Testing } from 'cdk8s';
import { DataLocality, FsType, Longhorn, LonghornStorageClass, ReclaimPolicy } from '../lib';

describe('LonghornStorageClass', () => {
  test('defaults: Longhorn-provisioned, 3 replicas, Delete, expandable, ext4, not the default class', () => {
    const chart = Testing.chart();
    const sc = new LonghornStorageClass(chart, 'Data', { name: 'longhorn-data' });
    const objects = Testing.synth(chart);
    expect(objects).toMatchSnapshot();
    expect(objects).toHaveLength(1);
    const [obj] = objects;
    expect(obj).toMatchObject({
      kind: 'StorageClass',
      metadata: { name: 'longhorn-data', annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } },
      provisioner: 'driver.longhorn.io',
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
      parameters: { numberOfReplicas: '3', fsType: 'ext4', dataLocality: 'disabled', staleReplicaTimeout: '30' },
    });
    expect(obj.metadata.namespace).toBeUndefined();
    expect(sc.storageClassName).toBe('longhorn-data');
  });

  test('every prop reaches the StorageClass', () => {
    const chart = Testing.chart();
    new LonghornStorageClass(chart, 'Db', {
      name: 'longhorn-db', replicaCount: 2, reclaimPolicy: ReclaimPolicy.RETAIN, allowVolumeExpansion: false,
      fsType: FsType.XFS, dataLocality: DataLocality.BEST_EFFORT, staleReplicaTimeout: Duration.hours(1), isDefaultClass: true,
    });
    expect(Testing.synth(chart)[0]).toMatchObject({
      metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      reclaimPolicy: 'Retain',
      allowVolumeExpansion: false,
      parameters: { numberOfReplicas: '2', fsType: 'xfs', dataLocality: 'best-effort', staleReplicaTimeout: '60' },
    });
  });

  test('fails when named longhorn, which longhorn-manager owns', () => {
    expect(() => new LonghornStorageClass(Testing.chart(), 'X', { name: 'longhorn' }))
      .toThrow("name is 'longhorn' but longhorn-manager owns the StorageClass 'longhorn'");
  });

  test('fails when replicaCount is not a whole number from 1 to 20', () => {
    expect(() => new LonghornStorageClass(Testing.chart(), 'X', { name: 'x', replicaCount: 0 }))
      .toThrow('replicaCount is 0 but must be a whole number from 1 to 20');
    expect(() => new LonghornStorageClass(Testing.chart(), 'X', { name: 'x', replicaCount: 1.5 }))
      .toThrow('replicaCount is 1.5 but must be a whole number from 1 to 20');
  });

  test('fails when staleReplicaTimeout is not whole minutes, Longhorn\'s unit', () => {
    expect(() => new LonghornStorageClass(Testing.chart(), 'X', { name: 'x', staleReplicaTimeout: Duration.seconds(90) }))
      .toThrow('staleReplicaTimeout is 1 minute 30 seconds but must be a whole number of minutes, at least one (e.g. Duration.minutes(30))');
    expect(() => new LonghornStorageClass(Testing.chart(), 'X', { name: 'x', staleReplicaTimeout: Duration.minutes(0) }))
      .toThrow('staleReplicaTimeout is 0 minutes but must be a whole number of minutes');
  });

  test('fails when strict-local has more than one replica', () => {
    expect(() => new LonghornStorageClass(Testing.chart(), 'X', { name: 'x', replicaCount: 2, dataLocality: DataLocality.STRICT_LOCAL }))
      .toThrow("dataLocality is 'strict-local' but replicaCount is 2");
  });

  test('fails when the name is not a DNS subdomain', () => {
    expect(() => new LonghornStorageClass(Testing.chart(), 'X', { name: 'Fast_SSD' }))
      .toThrow("name is 'Fast_SSD' but a StorageClass name must be a DNS subdomain");
  });
});

describe('default StorageClass', () => {
  test('fails at synth when two classes in the app are the cluster default, naming both and the fix', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'storage');
    new Longhorn(chart, 'Longhorn');
    new LonghornStorageClass(chart, 'Fast', { name: 'longhorn-fast', isDefaultClass: true });
    expect(() => app.synth()).toThrow(
      "2 StorageClasses are marked as the cluster default: 'longhorn' (storage/Longhorn), 'longhorn-fast' (storage/Fast); keep one: defaultClass: false on storage/Longhorn, or isDefaultClass: false on storage/Fast");
  });

  test('one default class is fine', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'storage');
    new Longhorn(chart, 'Longhorn', { defaultClass: false });
    new LonghornStorageClass(chart, 'Fast', { name: 'longhorn-fast', isDefaultClass: true });
    expect(() => app.synth()).not.toThrow();
  });
});
