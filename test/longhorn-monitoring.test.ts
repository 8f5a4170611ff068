import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { KUBE_PROMETHEUS_STACK_CHART, KubeManifest, LONGHORN_CHART, LonghornVersion } from '../lib';
import { validateOutput } from '../lib/output/validation';
import { formatProblems } from '../lib/output/validation';
import { longhornRuleTestFiles, LONGHORN_RULE_FIXTURES, promtoolLonghornRules, runPromtool as runPromtoolIn } from './support/promtool';
import { LONGHORN_VALUES, renderManifests } from './support/render';
import {
  hasMetric, isLonghornManagerIngressRestricted, LONGHORN_MANAGER_METRICS, longhornAlertRules, longhornDashboard,
  longhornDashboardConfigMap, longhornMetricsNetworkPolicy, LonghornMonitoringOptions, longhornServiceMonitor,
  MONITORING_METRICS, NODES_NOT_READY, BACKUP_STATE, VOLUME_ROBUSTNESS, VOLUME_STATE,
} from '../lib/constructs/longhorn-monitoring';

const FIXTURES = LONGHORN_RULE_FIXTURES;

/** The one use of the render path (its signature may change). */
function renderChart(chart: 'longhorn' | 'kube-prometheus-stack', version: string, values: Record<string, unknown> = {}): KubeManifest[] {
  return chart === 'longhorn'
    ? renderManifests({ chart: LONGHORN_CHART, version, releaseName: 'longhorn', namespace: 'longhorn-system', values })
    : renderManifests({ chart: KUBE_PROMETHEUS_STACK_CHART, version, releaseName: 'kube-prometheus-stack', namespace: 'monitoring', values });
}

const longhornRenders = new Map<string, KubeManifest[]>();
/** The chart with its defaults and its own ServiceMonitor (see LONGHORN_VALUES). */
function longhorn(version: LonghornVersion): KubeManifest[] {
  if (!longhornRenders.has(version)) longhornRenders.set(version, renderChart('longhorn', version, LONGHORN_VALUES));
  return longhornRenders.get(version)!;
}
let kubePrometheusStackRender: KubeManifest[] | undefined;
function kubePrometheusStack(): KubeManifest[] {
  kubePrometheusStackRender ??= renderChart('kube-prometheus-stack', '88.5.3');
  return kubePrometheusStackRender;
}

/** promtool from the Debian package `prometheus`; missing, the promtool tests skip locally and fail in CI. */
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool) {
  if (process.env.CI === 'true') throw new Error('promtool is not installed but CI=true: install it with `apt-get install -y prometheus`');
  console.warn('promtool not found: skipping the promtool rule tests (apt-get install -y prometheus)');
}
const withPromtool = promtool ? test : test.skip;

/** Runs Debian's promtool in `dir`; fails the test with its output unless it succeeds. */
function runPromtool(dir: string, ...args: string[]): string {
  return runPromtoolIn('promtool', dir, ...args);
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'longhorn-monitoring-'));
}

/** What kube-prometheus-stack 88.5.3 renders by default: the Prometheus selects by `release`. */
const PROMETHEUS_SELECTOR = { release: 'kube-prometheus-stack' };
/** The labels kube-prometheus-stack's own Prometheus Service selects the Prometheus pods by. */
const PROMETHEUS_PODS = { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' };

function options(longhornVersion: LonghornVersion, overrides: Partial<LonghornMonitoringOptions> = {}): LonghornMonitoringOptions {
  return {
    longhornVersion, monitoringNamespace: 'monitoring', prometheusSelectorLabels: PROMETHEUS_SELECTOR, prometheusPodSelector: PROMETHEUS_PODS,
    ...overrides,
  };
}

/** Rule expressions and dashboard queries carry metric names among these PromQL words. */
const PROMQL_WORDS = new Set(['sum', 'count', 'max', 'min', 'avg', 'by', 'without', 'on', 'ignoring', 'or', 'and', 'unless', 'vector', 'absent']);

/** Metric names in a PromQL expression: everything but strings, label matchers, grouping labels and PromQL words. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return (bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter(word => !PROMQL_WORDS.has(word));
}

/** A rendered Service selects a pod template when every selector label is on it. */
function selects(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function managerDaemonSet(objects: KubeManifest[]): any {
  const daemonSet = objects.find(o => o.kind === 'DaemonSet' && o.metadata.name === 'longhorn-manager');
  if (!daemonSet) throw new Error('no DaemonSet longhorn-manager in the render');
  return daemonSet;
}

describe.each(Object.values(LonghornVersion))('Longhorn %s: ServiceMonitor', version => {
  const serviceMonitor = longhornServiceMonitor(options(version)) as any;

  test('selects exactly the Service longhorn-backend of the rendered chart, in its namespace', () => {
    const services = longhorn(version).filter(o => o.kind === 'Service');
    const selected = services.filter(s => selects(serviceMonitor.spec.selector.matchLabels, s.metadata.labels));
    expect(selected.map(s => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['longhorn-system/longhorn-backend']);
    expect(serviceMonitor.spec.namespaceSelector).toEqual({ matchNames: ['longhorn-system'] });
    // Prometheus names the job after the Service; the alert rules count on that name.
    expect(selected[0].metadata.name).toBe(LONGHORN_MANAGER_METRICS.serviceName);
  });

  test("scrapes the Service's port manager, which reaches longhorn-manager's container port 9500", () => {
    const service = longhorn(version).find(o => o.kind === 'Service' && o.metadata.name === 'longhorn-backend') as any;
    const endpoint = serviceMonitor.spec.endpoints[0];
    expect(endpoint).toEqual({ port: 'manager', path: '/metrics' });
    const port = service.spec.ports.find((p: any) => p.name === endpoint.port);
    expect(port).toMatchObject({ port: 9500, targetPort: 'manager' });
    const pod = managerDaemonSet(longhorn(version)).spec.template;
    expect(selects(service.spec.selector, pod.metadata.labels)).toBe(true);
    const containerPort = pod.spec.containers.flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === port.targetPort);
    expect(containerPort.containerPort).toBe(LONGHORN_MANAGER_METRICS.port);
  });

  test("agrees with the ServiceMonitor Longhorn's own chart renders (metrics.serviceMonitor.enabled)", () => {
    expect(LONGHORN_VALUES).toEqual({ metrics: { serviceMonitor: { enabled: true } } });
    const own = longhorn(version).find(o => o.kind === 'ServiceMonitor') as any;
    expect(own.spec.selector).toEqual(serviceMonitor.spec.selector);
    expect(own.spec.endpoints.map((e: any) => e.port)).toEqual(['manager']);
  });

  test('carries the labels the Prometheus selects, in the monitoring namespace', () => {
    expect(serviceMonitor.metadata).toEqual({ name: 'longhorn-manager', namespace: 'monitoring', labels: PROMETHEUS_SELECTOR });
    const prometheus = kubePrometheusStack().find(o => o.kind === 'Prometheus') as any;
    expect(selects(prometheus.spec.serviceMonitorSelector.matchLabels, serviceMonitor.metadata.labels)).toBe(true);
    expect(prometheus.spec.serviceMonitorNamespaceSelector).toEqual({});
  });
});

describe.each([LonghornVersion.V1_6_2, LonghornVersion.V1_12_1])('Longhorn %s: alert rules', version => {
  const rule = longhornAlertRules(options(version)) as any;
  const rules: Array<{ alert: string; expr: string; labels: { severity: string } }> = rule.spec.groups.flatMap((g: any) => g.rules);
  const testFiles = longhornRuleTestFiles(version);

  withPromtool("pass promtool check rules and every promtool unit test (Debian's promtool 2.42; the integration tests run the chart's 3.x)", () => {
    const { checked, tested } = promtoolLonghornRules('promtool', options(version));
    expect(checked).toMatch(`SUCCESS: ${rules.length} rules found`);
    expect(tested).not.toMatch(/FAILED/);
  });

  test('every alert (and severity) is tested firing and, at its boundary, not firing', () => {
    const cases = testFiles.flatMap(file => YAML.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')).tests)
      .flatMap((t: any) => t.alert_rule_test as Array<{ alertname: string; exp_alerts: Array<{ exp_labels: { severity: string } }> }>);
    for (const { alert, labels: { severity } } of rules) {
      const ofAlert = cases.filter(c => c.alertname === alert);
      const firing = ofAlert.filter(c => c.exp_alerts.some(a => a.exp_labels.severity === severity));
      const quiet = ofAlert.filter(c => !c.exp_alerts.some(a => a.exp_labels.severity === severity));
      expect({ alert, severity, firing: firing.length > 0, quiet: quiet.length > 0 }).toEqual({ alert, severity, firing: true, quiet: true });
    }
    const tested = new Set(cases.map(c => c.alertname));
    expect([...tested].filter(name => !rules.some(r => r.alert === name))).toEqual([]);
  });

  test("uses only verified metrics this version exports", () => {
    for (const { alert, expr } of rules) {
      for (const metric of metricNames(expr)) {
        expect({ alert, metric, verified: metric in MONITORING_METRICS }).toEqual({ alert, metric, verified: true });
        expect({ alert, metric, exported: hasMetric(version, metric) }).toEqual({ alert, metric, exported: true });
      }
    }
  });

  test('reads volume robustness and state the way this version encodes them', () => {
    const degraded = rules.find(r => r.alert === 'LonghornVolumeDegraded')!.expr;
    expect(degraded).toBe(version === LonghornVersion.V1_6_2
      ? 'longhorn_volume_robustness == 2'
      : 'longhorn_volume_robustness{state="degraded"} == 1');
  });

  test('alerts on read-only volumes only where Longhorn reports them (from 1.8)', () => {
    expect(rules.some(r => r.alert === 'LonghornVolumeFileSystemReadOnly')).toBe(version !== LonghornVersion.V1_6_2);
  });

  test('goes to the monitoring namespace with the labels the Prometheus selects rules by', () => {
    expect(rule.metadata).toEqual({ name: 'longhorn', namespace: 'monitoring', labels: PROMETHEUS_SELECTOR });
    const prometheus = kubePrometheusStack().find(o => o.kind === 'Prometheus') as any;
    expect(selects(prometheus.spec.ruleSelector.matchLabels, rule.metadata.labels)).toBe(true);
    expect(rules.every(r => ['critical', 'warning'].includes(r.labels.severity))).toBe(true);
  });
});

describe("the README's table of Longhorn alerts", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('<!-- longhorn-alerts:')).split('\n\n')[0].split('\n').filter(line => line.startsWith('| `'));
  const rows = table.map(line => line.split('|').slice(1, -1).map(cell => cell.trim()));
  const rules: Array<{ alert: string; expr: string; for: string; labels: { severity: string } }> = (longhornAlertRules(options(LonghornVersion.V1_12_1)) as any)
    .spec.groups.flatMap((g: any) => g.rules);

  test('lists every alert (and severity) of Longhorn 1.12.1, with its for: duration', () => {
    expect(rows.map(([alert, severity, , duration]) => `${alert} ${severity} ${duration}`).sort())
      .toEqual(rules.map(r => `\`${r.alert}\` ${r.labels.severity} ${r.for}`).sort());
  });

  test("gives each threshold prop with its default, the one in the rule's expression", () => {
    for (const [alert, severity, , , prop] of rows.filter(r => r[4] !== '')) {
      const [, name, value] = /^`(\w+)` \((\d+)\)$/.exec(prop)!;
      const rule = rules.find(r => `\`${r.alert}\`` === alert && r.labels.severity === severity)!;
      const threshold = name === 'storageMinimalAvailablePercentage' ? 100 - Number(value) : Number(value);
      expect({ alert, severity, expr: rule.expr }).toEqual({ alert, severity, expr: expect.stringContaining(` > ${threshold} and `) });
      // and the prop moves it
      const moved = (longhornAlertRules(options(LonghornVersion.V1_12_1, { [name]: Number(value) - 1 })) as any).spec.groups.flatMap((g: any) => g.rules)
        .find((r: any) => `\`${r.alert}\`` === alert && r.labels.severity === severity);
      expect(moved.expr).not.toBe(rule.expr);
    }
  });
});

describe('alert rule options', () => {
  test('the disk warning follows storageMinimalAvailablePercentage', () => {
    const rule = longhornAlertRules(options(LonghornVersion.V1_12_1, { storageMinimalAvailablePercentage: 15, storageCriticalUsagePercentage: 95 })) as any;
    const diskSpace = rule.spec.groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert === 'LonghornDiskSpaceLow');
    expect(diskSpace.map((r: any) => [r.labels.severity, r.expr])).toEqual([
      ['warning', '100 * longhorn_disk_usage_bytes / longhorn_disk_capacity_bytes > 85 and longhorn_disk_capacity_bytes > 0'],
      ['critical', '100 * longhorn_disk_usage_bytes / longhorn_disk_capacity_bytes > 95 and longhorn_disk_capacity_bytes > 0'],
    ]);
  });

  test.each([
    ['nodeStorageUsagePercentage', 'LonghornNodeStorageWarning', 70, 80, '100 * longhorn_node_storage_usage_bytes / longhorn_node_storage_capacity_bytes > 80 and longhorn_node_storage_capacity_bytes > 0'],
    ['volumeActualSpaceUsedPercentage', 'LonghornVolumeActualSpaceUsedWarning', 90, 150, '100 * longhorn_volume_actual_size_bytes / longhorn_volume_capacity_bytes > 150 and longhorn_volume_capacity_bytes > 0'],
    ['instanceManagerCpuRequestPercentage', 'LonghornInstanceManagerCPUUsageWarning', 300, 500, '100 * longhorn_instance_manager_cpu_usage_millicpu / longhorn_instance_manager_cpu_requests_millicpu > 500 and longhorn_instance_manager_cpu_requests_millicpu > 0'],
    ['nodeCpuUsagePercentage', 'LonghornNodeCPUUsageWarning', 90, 75, '100 * longhorn_node_cpu_usage_millicpu / longhorn_node_cpu_capacity_millicpu > 75 and longhorn_node_cpu_capacity_millicpu > 0'],
  ] as const)('%s moves %s from its documented %d', (prop, alert, documented, value, expr) => {
    const exprOf = (overrides: Partial<LonghornMonitoringOptions>) => (longhornAlertRules(options(LonghornVersion.V1_12_1, overrides)) as any)
      .spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === alert).expr;
    expect(exprOf({})).toBe(expr.replace(`> ${value} `, `> ${documented} `));
    expect(exprOf({ [prop]: value })).toBe(expr);
    expect(() => exprOf({ [prop]: 0 })).toThrow(`${prop} is 0 but must be a percentage above 0`);
    expect(() => exprOf({ [prop]: Number.NaN })).toThrow(`leave it out for Longhorn's documented ${documented}`);
  });

  test('fails when the critical disk level is not above the warning level', () => {
    expect(() => longhornAlertRules(options(LonghornVersion.V1_12_1, { storageMinimalAvailablePercentage: 5 })))
      .toThrow('storageCriticalUsagePercentage is 90 but must be above the warning level 95 (100 - storageMinimalAvailablePercentage 5) and below 100');
  });

  test('fails when storageMinimalAvailablePercentage is not a percentage Longhorn takes', () => {
    expect(() => longhornAlertRules(options(LonghornVersion.V1_12_1, { storageMinimalAvailablePercentage: 0 })))
      .toThrow("storageMinimalAvailablePercentage is 0 but must be a whole number from 1 to 99, the value of Longhorn's storage-minimal-available-percentage setting");
  });

  test('fails when prometheusSelectorLabels is empty', () => {
    expect(() => longhornAlertRules(options(LonghornVersion.V1_12_1, { prometheusSelectorLabels: {} })))
      .toThrow("prometheusSelectorLabels is empty but must name at least one label, e.g. { release: 'kube-prometheus-stack' }");
    expect(() => longhornServiceMonitor(options(LonghornVersion.V1_12_1, { prometheusSelectorLabels: {} }))).toThrow('prometheusSelectorLabels is empty');
  });

  test('fails when a namespace is not a namespace name', () => {
    expect(() => longhornServiceMonitor(options(LonghornVersion.V1_12_1, { longhornNamespace: 'Longhorn_System' })))
      .toThrow("longhornNamespace is 'Longhorn_System' but must be a namespace name (lowercase letters, digits and '-', at most 63 characters)");
  });
});

describe('dashboard', () => {
  const configMap = longhornDashboardConfigMap(options(LonghornVersion.V1_12_1)) as any;
  const dashboard = JSON.parse(configMap.data['longhorn.json']);
  const panels: any[] = dashboard.panels;
  const targets: Array<{ panel: string; legendFormat: string; expr: string; datasource: unknown }> = panels
    .flatMap(p => (p.targets ?? []).map((t: any) => ({ panel: p.title, ...t })));

  test('is the dashboard JSON, with unique panel ids', () => {
    expect(dashboard).toEqual(longhornDashboard);
    expect(dashboard.uid).toBe('longhorn-cdk8s');
    const ids = panels.map(p => p.id);
    expect(ids.every(id => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(targets.length).toBeGreaterThan(30);
  });

  test("picks its Prometheus through the datasource variable kube-prometheus-stack's dashboards use", () => {
    const variable = (d: any) => d.templating.list.find((v: any) => v.type === 'datasource');
    const stackDashboards = kubePrometheusStack().filter(o => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')
      .flatMap(o => Object.values(o.data as Record<string, string>).map(json => JSON.parse(json)));
    expect(stackDashboards.length).toBeGreaterThan(20);
    for (const d of stackDashboards) expect({ name: variable(d).name, query: variable(d).query }).toEqual({ name: 'datasource', query: 'prometheus' });
    expect(variable(dashboard)).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    const source = { type: 'prometheus', uid: '${datasource}' };
    for (const panel of panels.filter(p => p.type !== 'row')) expect({ panel: panel.title, datasource: panel.datasource }).toEqual({ panel: panel.title, datasource: source });
    for (const target of targets) expect({ panel: target.panel, datasource: target.datasource }).toEqual({ panel: target.panel, datasource: source });
    for (const v of dashboard.templating.list.filter((t: any) => t.type === 'query')) expect(v.datasource).toEqual(source);
  });

  test('queries only metrics that Longhorn 1.6.2 and 1.12.1 both export', () => {
    const variableQueries: string[] = dashboard.templating.list.filter((v: any) => v.type === 'query').map((v: any) => v.query.query);
    const used = [
      ...targets.flatMap(t => metricNames(t.expr)),
      ...variableQueries.map(q => /^label_values\((\w+), \w+\)$/.exec(q)![1]),
    ];
    for (const metric of new Set(used)) {
      expect({ metric, source: MONITORING_METRICS[metric] }).toEqual({ metric, source: { exporter: 'longhorn-manager' } });
      for (const version of Object.values(LonghornVersion)) expect(hasMetric(version, metric)).toBe(true);
    }
  });

  withPromtool('every query is valid PromQL', () => {
    const dir = tempDir();
    try {
      const rules = targets.map((t, i) => ({ record: `dashboard:query_${i}`, expr: t.expr.replace(/\$(node|volume)/g, '.*') }));
      fs.writeFileSync(path.join(dir, 'dashboard.yaml'), YAML.stringify({ groups: [{ name: 'dashboard', rules }] }));
      expect(runPromtool(dir, 'check', 'rules', 'dashboard.yaml')).toMatch(`SUCCESS: ${rules.length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  withPromtool('counts volumes by robustness and state in both metric encodings', () => {
    // Two healthy attached volumes, one degraded attached, one faulted attaching, one detached (unknown).
    const volumes: Array<[string, keyof typeof VOLUME_ROBUSTNESS, keyof typeof VOLUME_STATE]> = [
      ['pvc-a', 'healthy', 'attached'], ['pvc-b', 'healthy', 'attached'], ['pvc-c', 'degraded', 'attached'],
      ['pvc-d', 'faulted', 'attaching'], ['pvc-e', 'unknown', 'detached'],
    ];
    const expected: Record<string, Record<string, number>> = {
      'Volumes by robustness': { healthy: 2, degraded: 1, faulted: 1, unknown: 1 },
      'Volumes by state': { 'attached': 3, 'detached': 1, 'in transition': 1 },
      'Degraded volumes': { '': 1 },
      'Faulted volumes': { '': 1 },
    };
    const numeric = volumes.flatMap(([volume, robustness, state]) => [
      { series: `longhorn_volume_robustness{volume="${volume}"}`, values: `${VOLUME_ROBUSTNESS[robustness]}x5` },
      { series: `longhorn_volume_state{volume="${volume}"}`, values: `${VOLUME_STATE[state]}x5` },
    ]);
    const labelled = volumes.flatMap(([volume, robustness, state]) => [
      ...Object.keys(VOLUME_ROBUSTNESS).map(r => ({ series: `longhorn_volume_robustness{volume="${volume}", state="${r}"}`, values: `${r === robustness ? 1 : 0}x5` })),
      ...Object.keys(VOLUME_STATE).map(s => ({ series: `longhorn_volume_state{volume="${volume}", state="${s}"}`, values: `${s === state ? 1 : 0}x5` })),
    ]);
    expectPanelValues(numeric, expected);
    expectPanelValues(labelled, expected);
  });

  /** Runs promtool expression tests of the panels' queries over `input_series`, expecting `expected[panel][legend]`. */
  function expectPanelValues(input_series: Array<{ series: string; values: string }>, expected: Record<string, Record<string, number>>, evalTime = '1m'): void {
    const queries = targets.filter(t => t.panel in expected);
    expect(queries.map(t => `${t.panel}/${t.legendFormat}`).sort())
      .toEqual(Object.entries(expected).flatMap(([panel, legends]) => Object.keys(legends).map(l => `${panel}/${l}`)).sort());
    const promql_expr_test = queries.map(t => ({ expr: t.expr, eval_time: evalTime, exp_samples: [{ labels: '{}', value: expected[t.panel][t.legendFormat] }] }));
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'panels.promtool.yaml'), YAML.stringify({ rule_files: [], evaluation_interval: '1m', tests: [{ interval: '1m', input_series, promql_expr_test }] }));
      expect(runPromtool(dir, 'test', 'rules', 'panels.promtool.yaml')).not.toMatch(/FAILED/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test('counts nodes not ready as the alert LonghornNodeDown does', () => {
    expect(targets.find(t => t.panel === 'Nodes not ready')!.expr).toBe(NODES_NOT_READY);
  });

  withPromtool('counts a dead node (its series gone) and a node reporting not ready among the nodes not ready', () => {
    // worker-3's manager died at 2m: its series went stale; worker-2 reports Ready false.
    expectPanelValues([
      { series: 'longhorn_node_count_total{pod="longhorn-manager-w1"}', values: '3x5' },
      { series: 'longhorn_node_count_total{pod="longhorn-manager-w2"}', values: '3x5' },
      { series: 'longhorn_node_count_total{pod="longhorn-manager-w3"}', values: '3x1 stale' },
      { series: 'longhorn_node_status{node="worker-1", condition="ready"}', values: '1x5' },
      { series: 'longhorn_node_status{node="worker-2", condition="ready"}', values: '0x5' },
      { series: 'longhorn_node_status{node="worker-3", condition="ready"}', values: '1x1 stale' },
    ], { 'Nodes not ready': { '': 2 }, 'Longhorn nodes': { '': 3 } }, '3m');
  });

  withPromtool('counts backups by the state its legend names; New (and from 1.12 Deleting, both 0) in none', () => {
    const backups: Array<[string, keyof typeof BACKUP_STATE]> = [
      ['b-new', 'new'], ['b-pending', 'pending'], ['b-running-1', 'inProgress'], ['b-running-2', 'inProgress'],
      ['b-done-1', 'completed'], ['b-done-2', 'completed'], ['b-done-3', 'completed'], ['b-failed', 'error'], ['b-lost', 'unknown'],
    ];
    expectPanelValues(backups.map(([backup, state]) => ({ series: `longhorn_backup_state{backup="${backup}", volume="pvc-a"}`, values: `${BACKUP_STATE[state]}x5` })), {
      'Backups by state': { 'completed': 3, 'in progress': 2, 'pending': 1, 'error': 1, 'unknown': 1 },
    });
  });

  test("is labelled for kube-prometheus-stack's dashboard sidecar, in a folder", () => {
    const grafana = kubePrometheusStack().find(o => o.kind === 'Deployment' && o.metadata.name === 'kube-prometheus-stack-grafana') as any;
    const sidecar = grafana.spec.template.spec.containers.find((c: any) => c.name === 'grafana-sc-dashboard');
    const env = (name: string) => sidecar.env.find((e: any) => e.name === name)?.value;
    expect(configMap.metadata.labels).toEqual({ [env('LABEL')]: env('LABEL_VALUE') });
    expect(env('NAMESPACE')).toBe('ALL');
    // No FOLDER_ANNOTATION: k8s-sidecar then reads k8s-sidecar-target-directory.
    expect(env('FOLDER_ANNOTATION')).toBeUndefined();
    expect(configMap.metadata.annotations).toEqual({ 'k8s-sidecar-target-directory': 'Longhorn' });
    expect(configMap.metadata.namespace).toBe('monitoring');
  });

  test('takes another folder and folder annotation', () => {
    const other = longhornDashboardConfigMap({ monitoringNamespace: 'observability', grafanaFolder: 'Storage', grafanaFolderAnnotation: 'grafana_folder' }) as any;
    expect(other.metadata.annotations).toEqual({ grafana_folder: 'Storage' });
  });

  test('fails when grafanaFolder is a path', () => {
    expect(() => longhornDashboardConfigMap({ monitoringNamespace: 'monitoring', grafanaFolder: 'infra/longhorn' }))
      .toThrow("grafanaFolder is 'infra/longhorn' but must be one folder name, without '/'");
  });
});

describe('NetworkPolicy for the metrics port', () => {
  const policy = longhornMetricsNetworkPolicy(options(LonghornVersion.V1_12_1)) as any;

  test("selects the pods Longhorn 1.12.1's longhorn-manager policy selects, in its namespace", () => {
    const chartPolicy = longhorn(LonghornVersion.V1_12_1).find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'longhorn-manager') as any;
    expect(chartPolicy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.podSelector).toEqual(chartPolicy.spec.podSelector);
    expect(policy.metadata).toEqual({ name: 'longhorn-manager-metrics', namespace: chartPolicy.metadata.namespace });
    expect(selects(policy.spec.podSelector.matchLabels, managerDaemonSet(longhorn(LonghornVersion.V1_12_1)).spec.template.metadata.labels)).toBe(true);
  });

  test("opens only longhorn-manager's metrics port, only to Prometheus pods in the monitoring namespace", () => {
    const containerPorts = managerDaemonSet(longhorn(LonghornVersion.V1_12_1)).spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
    const metricsPort = containerPorts.find((p: any) => p.name === LONGHORN_MANAGER_METRICS.portName).containerPort;
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: PROMETHEUS_PODS } }],
      ports: [{ protocol: 'TCP', port: metricsPort }],
    }]);
    const prometheusService = kubePrometheusStack().find(o => o.kind === 'Service' && o.metadata.name === 'kube-prometheus-stack-prometheus') as any;
    expect(prometheusService.spec.selector).toEqual(PROMETHEUS_PODS);
  });

  test("is needed with 1.12.1's default chart values, and with 1.6.2 only when its policies are enabled", () => {
    expect(isLonghornManagerIngressRestricted(longhorn(LonghornVersion.V1_12_1))).toBe(true);
    expect(isLonghornManagerIngressRestricted(longhorn(LonghornVersion.V1_6_2))).toBe(false);
    expect(isLonghornManagerIngressRestricted(renderChart('longhorn', LonghornVersion.V1_6_2, { networkPolicies: { enabled: true } }))).toBe(true);
    expect(isLonghornManagerIngressRestricted(renderChart('longhorn', LonghornVersion.V1_12_1, { networkPolicies: { restrictInternalTraffic: false } }))).toBe(false);
  });

  test('fails when prometheusPodSelector is empty (it would admit every pod of the namespace)', () => {
    expect(() => longhornMetricsNetworkPolicy(options(LonghornVersion.V1_12_1, { prometheusPodSelector: {} })))
      .toThrow("prometheusPodSelector is empty but must name at least one label, e.g. { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' }");
  });
});

describe.each(Object.values(LonghornVersion))('Longhorn %s: every object', version => {
  test('is valid against its CRD schema or the Kubernetes schemas', () => {
    const crds = kubePrometheusStack().filter(o => o.kind === 'CustomResourceDefinition');
    const ours = [
      longhornServiceMonitor(options(version)), longhornAlertRules(options(version)),
      longhornDashboardConfigMap(options(version)), longhornMetricsNetworkPolicy(options(version)),
    ];
    const summary = validateOutput([{ file: 'crds.yaml', objects: crds }, { file: 'longhorn-monitoring.yaml', objects: ours }]);
    expect(formatProblems(summary.problems)).toBe('');
    expect(summary.custom).toBeGreaterThanOrEqual(2);
  });
});
