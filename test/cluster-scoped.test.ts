import { Chart, Testing } from 'cdk8s';
import { KubeManifest, Longhorn, LonghornStorageClass, Namespace } from '../lib';
import { validateOutput } from '../lib/output/validation';
import { findObject } from './inventory';

describe('constructs in a Chart that has a namespace', () => {
  const chart = new Chart(Testing.app(), 'apps', { namespace: 'apps' });
  new Namespace(chart, 'ns', { name: 'storage' });
  new Longhorn(chart, 'Longhorn', { namespace: new Namespace(chart, 'lh', { name: 'longhorn-system' }), defaultClass: false, crdScope: chart });
  new LonghornStorageClass(chart, 'sc', { name: 'longhorn-fast' });
  const objects = Testing.synth(chart) as KubeManifest[];

  test('keep cluster-scoped objects free of the chart namespace', () => {
    for (const [kind, name] of [['Namespace', 'storage'], ['StorageClass', 'longhorn-fast'], ['ClusterRole', 'longhorn-role'], ['PriorityClass', 'longhorn-critical'], ['CustomResourceDefinition', 'volumes.longhorn.io']]) {
      expect([kind, findObject(objects, kind, name).metadata.namespace]).toEqual([kind, undefined]);
    }
  });

  test('keep namespaced chart objects in their own namespace', () => {
    expect(findObject(objects, 'DaemonSet', 'longhorn-manager').metadata.namespace).toBe('longhorn-system');
  });

  test('pass validation', () => {
    expect(validateOutput([{ file: 'apps.k8s.yaml', objects }]).problems).toEqual([]);
  });
});
