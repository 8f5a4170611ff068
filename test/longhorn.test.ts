import { Chart, Testing } from 'cdk8s';
import * as semver from 'semver';
import * as YAML from 'yaml';
import { Longhorn, LonghornVersion, Namespace, PodSecurityLevel } from '../lib';
import { findObject, inventory, objectsOfKind } from './inventory';

describe.each(Object.values(LonghornVersion))('Longhorn %s', version => {
  const chart = Testing.chart();
  const crds = new Chart(Testing.app(), 'crds');
  const namespace = new Namespace(chart, 'ns', { name: 'longhorn-system' });
  const longhorn = new Longhorn(chart, 'Longhorn', {
    version, namespace, replicaCount: 2, uiReplicas: 1, crdScope: crds, defaultDataPath: '/data/longhorn/',
    values: { longhornUI: { nodeSelector: { disk: 'ssd' } } }, // no prop owns it (see 'raw values are merged last')
  });
  const objects = Testing.synth(chart);
  const crdObjects = Testing.synth(crds);

  test('inventory matches the snapshot', () => {
    expect(inventory(objects)).toMatchSnapshot();
  });

  test('raw values are merged last, beside what props set', () => {
    expect(findObject(objects, 'Deployment', 'longhorn-ui').spec).toMatchObject({ replicas: 1, template: { spec: { nodeSelector: { disk: 'ssd' } } } });
  });

  test('renders the manager DaemonSet, the driver deployer and the UI', () => {
    expect(findObject(objects, 'DaemonSet', 'longhorn-manager').metadata.namespace).toBe('longhorn-system');
    expect(findObject(objects, 'Deployment', 'longhorn-driver-deployer').metadata.namespace).toBe('longhorn-system');
    expect(findObject(objects, 'Deployment', 'longhorn-ui').spec).toMatchObject({ replicas: 1 });
  });

  test('labels every chart object with the pinned chart version', () => {
    const labelled = objects.filter(o => o.metadata.labels?.['helm.sh/chart']);
    expect(labelled.length).toBeGreaterThan(10);
    expect(new Set(labelled.map(o => o.metadata.labels['helm.sh/chart']))).toEqual(new Set([`longhorn-${version}`]));
  });

  test('leaves out every Helm hook: no uninstaller, no upgrade Jobs', () => {
    expect(objectsOfKind(objects, 'Job')).toEqual([]);
    expect(objects.filter(o => o.metadata.annotations?.['helm.sh/hook'])).toEqual([]);
    expect(longhorn.rendered!.droppedHooks).toContainEqual({ object: 'Job/longhorn-uninstall', hook: 'pre-delete' });
  });

  test('puts the CRDs into crdScope and nothing else there', () => {
    expect(objects.filter(o => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(crdObjects.length).toBeGreaterThan(15);
    expect(crdObjects.every(o => o.kind === 'CustomResourceDefinition' && o.spec.group === 'longhorn.io')).toBe(true);
  });

  test('configures its own longhorn StorageClass and settings through the chart', () => {
    const storageClassConfig = findObject(objects, 'ConfigMap', 'longhorn-storageclass').data['storageclass.yaml'];
    expect(storageClassConfig).toMatch(/numberOfReplicas: "2"/);
    expect(storageClassConfig).toMatch(/storageclass.kubernetes.io\/is-default-class: "true"/);
    const settings = YAML.parse(findObject(objects, 'ConfigMap', 'longhorn-default-setting').data['default-setting.yaml']);
    expect(settings['default-data-path']).toBe('/data/longhorn/');
    // Up to 1.7 it takes one number; from 1.8 on the setting is per data engine, as JSON.
    if (semver.lt(version, '1.8.0')) {
      expect(settings['default-replica-count']).toBe(2);
    } else {
      expect(JSON.parse(settings['default-replica-count'])).toEqual({ v1: '2', v2: '2' });
    }
    expect(objectsOfKind(objects, 'StorageClass')).toEqual([]);
    expect(longhorn.storageClass.storageClassName).toBe('longhorn');
  });

  test('cluster-scoped objects carry no namespace', () => {
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'PriorityClass']) {
      for (const o of objectsOfKind(objects, kind)) expect(o.metadata.namespace).toBeUndefined();
    }
  });
});

describe('Longhorn', () => {
  test('defaults: newest version, its own privileged longhorn-system namespace, 3 replicas, CRDs in a Chart of their own', () => {
    const chart = Testing.chart();
    const longhorn = new Longhorn(chart, 'Longhorn');
    const objects = Testing.synth(chart);
    expect(longhorn.version).toBe('1.12.1');
    expect(findObject(objects, 'Namespace', 'longhorn-system').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(findObject(objects, 'ConfigMap', 'longhorn-storageclass').data['storageclass.yaml']).toMatch(/numberOfReplicas: "3"/);
    expect(objectsOfKind(objects, 'CustomResourceDefinition')).toEqual([]);
    expect(findObject(Testing.synth(longhorn.node.findChild('crds') as Chart), 'CustomResourceDefinition', 'volumes.longhorn.io')).toBeDefined();
  });

  test.each([
    ['a raw value contradicts a prop that is set', { uiReplicas: 1, values: { longhornUI: { replicas: 0 } } }, 'values.longhornUI.replicas is set, but the uiReplicas prop owns this value; set uiReplicas instead'],
    ['a raw value is misspelt', { values: { defaultSettings: { defaultDataPaht: '/x' } } }, 'values.defaultSettings.defaultDataPaht is not a value of longhorn 1.12.1; did you mean defaultSettings.defaultDataPath?'],
    ['a raw value brings back the pre-upgrade hook', { values: { preUpgradeChecker: { jobEnabled: true } } }, 'values.preUpgradeChecker.jobEnabled'],
  ])('fails when %s', (_case, props, message) => {
    expect(() => new Longhorn(Testing.chart(), 'L', props)).toThrow(message);
  });

  test('fails when the version is not an exact chart version', () => {
    expect(() => new Longhorn(Testing.chart(), 'L', { version: 'v1.7' }))
      .toThrow("version is 'v1.7' but must be an exact longhorn chart version such as '1.12.1' (tested: 1.6.2, 1.7.3, 1.12.1)");
  });

  test('fails when the namespace enforces a Pod Security level below privileged', () => {
    const chart = Testing.chart();
    const namespace = new Namespace(chart, 'ns', { name: 'storage', podSecurity: PodSecurityLevel.RESTRICTED });
    expect(() => new Longhorn(chart, 'L', { namespace }))
      .toThrow("namespace is the Namespace 'storage', which enforces Pod Security 'restricted', but longhorn-manager and the CSI plugin (privileged, host paths) need 'privileged'; give it podSecurity: PodSecurityLevel.PRIVILEGED or pass another Namespace");
  });

  test('fails when replicaCount is below 1', () => {
    expect(() => new Longhorn(Testing.chart(), 'L', { replicaCount: 0 }))
      .toThrow('replicaCount is 0 but must be a whole number from 1 to 20');
  });

  test('fails when defaultDataPath is relative', () => {
    expect(() => new Longhorn(Testing.chart(), 'L', { defaultDataPath: 'var/lib/longhorn' }))
      .toThrow("defaultDataPath is 'var/lib/longhorn' but must be an absolute host path");
  });
});
