import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { GrafanaDashboard, GrafanaDashboardJson, KubePrometheusStack, MonitoringStack } from '../lib';
import { OFFICE } from './support/stacks';
import { synthApp } from './support/synth';

const FIXTURE = path.join(__dirname, 'fixtures', 'web-dashboard.json');
/** What the stack must set for dashboards in named folders. */
const FOLDERS = { grafana: { sidecar: { dashboards: { provider: { foldersFromFilesStructure: true } } } } };

describe('GrafanaDashboard from a file, in a folder, in a MonitoringStack', () => {
  const files = synthApp(app => {
    const stack = new MonitoringStack(app, 'homelab', { kubePrometheusStackValues: FOLDERS });
    const apps = new Chart(stack, 'apps');
    new GrafanaDashboard(apps, 'Web', { monitoring: stack, dashboard: GrafanaDashboardJson.fromFile(FIXTURE), folder: 'Apps' });
    new GrafanaDashboard(apps, 'Queue', { monitoring: stack, dashboard: GrafanaDashboardJson.fromObject({ title: 'Queue', panels: [] }) });
  });
  const configMaps = files.find(f => f.file === 'homelab/0005-apps.k8s.yaml')!.objects;

  test('is the ConfigMap the sidecar loads: its label, its folder annotation, the stack namespace', () => {
    expect(configMaps[0].metadata).toEqual({
      name: 'dashboard-web-overview', namespace: 'monitoring',
      labels: { grafana_dashboard: '1' },
      annotations: { 'k8s-sidecar-target-directory': 'Apps' },
    });
    expect(configMaps[1].metadata.annotations).toBeUndefined();
  });

  test('holds the dashboard as one JSON file, without the exported id', () => {
    const data = configMaps[0].data as Record<string, string>;
    expect(Object.keys(data)).toEqual(['dashboard-web-overview.json']);
    const model = JSON.parse(data['dashboard-web-overview.json']);
    expect(model).toMatchObject({ uid: 'web-overview', title: 'Web overview' });
    expect(model.id).toBeUndefined();
  });

  test('the stack\'s Grafana makes folders from the sidecar\'s directories', () => {
    const provider = files.flatMap(f => f.objects).find(o => o.kind === 'ConfigMap' && o.metadata.name === 'kube-prometheus-stack-grafana-config-dashboards')!;
    expect((provider.data as Record<string, string>)['provider.yaml']).toContain('foldersFromFilesStructure: true');
  });
});

describe('GrafanaDashboard', () => {
  test('fails when a folder is asked of a Grafana that puts every dashboard in one folder', () => {
    // The stack turns folders on; OFFICE's values turn them off again.
    expect(OFFICE.kubePrometheusStackValues).toMatchObject({ grafana: { sidecar: { dashboards: { provider: { foldersFromFilesStructure: false } } } } });
    expect(() => synthApp(app => {
      const stack = new MonitoringStack(app, 'homelab', OFFICE);
      new GrafanaDashboard(new Chart(stack, 'apps'), 'Web', { monitoring: stack, dashboard: GrafanaDashboardJson.fromFile(FIXTURE), folder: 'Apps' });
    })).toThrow("folder is 'Apps' but the Grafana of homelab/monitoring/KubePrometheusStack puts every dashboard in one folder; set grafana.sidecar.dashboards.provider.foldersFromFilesStructure: true in its chart values");
  });

  test('fails when two dashboards of one cluster share a uid', () => {
    expect(() => synthApp(app => {
      const stack = new MonitoringStack(app, 'homelab');
      const apps = new Chart(stack, 'apps');
      new GrafanaDashboard(apps, 'A', { monitoring: stack, dashboard: GrafanaDashboardJson.fromObject({ uid: 'same', title: 'A' }), name: 'a' });
      new GrafanaDashboard(apps, 'B', { monitoring: stack, dashboard: GrafanaDashboardJson.fromObject({ uid: 'same', title: 'B' }), name: 'b' });
    })).toThrow("dashboard 'B' has uid 'same', as has homelab/apps/A ('A'); Grafana keeps only one of them, so give each its own uid");
  });

  test('fails on JSON that is not a dashboard', () => {
    expect(() => GrafanaDashboardJson.fromObject({ panels: [] })).toThrow('GrafanaDashboardJson.fromObject has title undefined but a dashboard needs a non-empty title');
    expect(() => GrafanaDashboardJson.fromObject({ title: 'x', uid: 'has spaces' })).toThrow(`GrafanaDashboardJson.fromObject has uid "has spaces" but a Grafana uid is 1 to 40 letters, digits, '-' and '_'`);
    expect(() => GrafanaDashboardJson.fromObject({ title: 'x', __inputs: [{ name: 'DS_PROMETHEUS' }] })).toThrow('was exported "for sharing externally" and has __inputs (DS_PROMETHEUS)');
    expect(() => GrafanaDashboardJson.fromFile('no/such/dashboard.json')).toThrow(`GrafanaDashboardJson.fromFile('no/such/dashboard.json'): cannot read ${path.resolve('no/such/dashboard.json')} (ENOENT)`);
  });

  test('fails on a nested folder', () => {
    const chart = Testing.chart();
    const stack = new KubePrometheusStack(chart, 'Stack');
    expect(() => new GrafanaDashboard(chart, 'D', { monitoring: stack, dashboard: GrafanaDashboardJson.fromFile(FIXTURE), folder: 'Apps/Web' }))
      .toThrow("folder is 'Apps/Web' but must be one folder name, without '/'");
  });
});
