import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { MonitoringApp, MonitoringStack, RecurringJobTask } from '../lib';
import { validateOutput } from '../lib/output/validation';
import { applyPlan } from '../lib/commands/apply-plan';
import { OFFICE } from './support/stacks';
import { synthApp } from './support/synth';

describe('several clusters from one app', () => {
  const files = synthApp(app => {
    new MonitoringStack(app, 'homelab');
    new MonitoringStack(app, 'office', OFFICE);
  });
  const folder = (name: string) => files.filter(f => f.file.startsWith(`${name}/`));

  test('each stack writes its own folder, with its own apply order and names without a hash', () => {
    expect(files.map(f => f.file)).toEqual([
      'homelab/0000-crds.k8s.yaml', 'homelab/0001-namespaces.k8s.yaml', 'homelab/0002-longhorn.k8s.yaml', 'homelab/0003-storage.k8s.yaml', 'homelab/0004-monitoring.k8s.yaml',
      'office/0000-crds.k8s.yaml', 'office/0001-namespaces.k8s.yaml', 'office/0002-longhorn.k8s.yaml', 'office/0003-storage.k8s.yaml', 'office/0004-monitoring.k8s.yaml',
    ]);
  });

  test('each folder applies on its own: it passes validation alone and has a complete apply plan', () => {
    for (const name of ['homelab', 'office']) {
      const own = folder(name).map(f => ({ file: f.file, objects: f.objects }));
      expect([name, validateOutput(own).problems]).toEqual([name, []]);
      expect(applyPlan(own, `dist/${name}`).filter(s => s.kubectl[0] === 'apply')).toHaveLength(5);
    }
  });

  test('each cluster gets its own settings (and its own default StorageClass)', () => {
    const retention = (name: string) => folder(name).flatMap(f => f.objects).find(o => o.kind === 'Prometheus')!.spec as any;
    expect([retention('homelab').retention, retention('office').retention]).toEqual(['10d', '30d']);
    const replicas = (name: string) => (folder(name).flatMap(f => f.objects).find(o => o.kind === 'StorageClass')!.parameters as any).numberOfReplicas;
    expect([replicas('homelab'), replicas('office')]).toEqual(['2', '3']);
    // A raw chart value, merged last, turns the office's Alertmanager off.
    const alertmanagers = (name: string) => folder(name).flatMap(f => f.objects).filter(o => o.kind === 'Alertmanager').length;
    expect([alertmanagers('homelab'), alertmanagers('office')]).toEqual([1, 0]);
  });

  test('fails when two stacks would write one folder', () => {
    const app = Testing.app();
    new MonitoringStack(new Construct(app, 'site-a'), 'lab');
    new MonitoringStack(new Construct(app, 'site-b'), 'lab');
    expect(() => app.synth()).toThrow('site-a/lab and site-b/lab would both write lab/0000-crds.k8s.yaml; give the stacks different ids');
  });

  test('fails when a stack id cannot name a folder and GitOps objects', () => {
    expect(() => new MonitoringStack(new MonitoringApp(), 'Home Lab'))
      .toThrow("the MonitoringStack id is 'Home Lab' but it names the stack's output folder (dist/Home Lab/) and its GitOps objects, so it must be a DNS label: lowercase letters, digits and '-', at most 63 characters, e.g. 'homelab'");
  });
});

describe('what an app adds to one cluster', () => {
  test('goes into the stack\'s apps chart, written last into its folder and validated with it', () => {
    const files = synthApp(app => {
      const stack = new MonitoringStack(app, 'homelab');
      stack.addPrometheusRules('web-rules', { groups: [{ name: 'web', rules: [{ record: 'job:up:sum', expr: 'sum by (job) (up)' }] }] });
      stack.addLonghornRecurringJob('nightly', { task: RecurringJobTask.SNAPSHOT, schedule: '0 2 * * *', retain: 7 });
    });
    expect(files.map(f => f.file).at(-1)).toBe('homelab/0005-apps.k8s.yaml');
    const apps = files.at(-1)!.objects;
    expect(apps.map(o => o.kind).sort()).toEqual(['PrometheusRule', 'RecurringJob']);
    expect(apps.find(o => o.kind === 'PrometheusRule')!.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
  });
});
