import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { KubePrometheusStack, MonitoringStack, PrometheusRules, Severity } from '../lib';
import { synthApp } from './support/synth';

describe('PrometheusRules of a MonitoringStack', () => {
  const files = synthApp(app => {
    const stack = new MonitoringStack(app, 'homelab');
    const rules = new PrometheusRules(new Chart(stack, 'apps'), 'WebRules', {
      monitoring: stack,
      name: 'web',
      requiredLabels: ['team'],
      groups: [{
        name: 'web.rules',
        interval: Duration.minutes(1),
        rules: [
          { record: 'job:http_requests:rate5m', expr: 'sum by (job) (rate(http_requests_total[5m]))' },
          {
            alert: 'WebHighErrorRate', severity: Severity.CRITICAL, for: Duration.minutes(10), keepFiringFor: '5m',
            expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',
            labels: { team: 'web' }, summary: 'More than 5% of requests fail', runbookUrl: 'https://runbooks.example.com/web',
          },
        ],
      }],
    });
    rules.addGroup({ name: 'web.slow', rules: [{ alert: 'WebSlow', severity: Severity.WARNING, expr: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1', labels: { team: 'web' } }] });
  });
  const rule = files.flatMap(f => f.objects).find(o => o.kind === 'PrometheusRule' && o.metadata.name === 'web')! as any;

  test('lands in the stack\'s namespace, labelled as its Prometheus selects rules, validated against the CRD', () => {
    expect(rule.metadata).toEqual({ name: 'web', namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } });
    expect(files.find(f => f.objects.includes(rule))!.file).toBe('homelab/0005-apps.k8s.yaml');
  });

  test('renders typed rules in the CRD\'s spelling', () => {
    expect(rule.spec.groups).toEqual([
      {
        name: 'web.rules', interval: '1m',
        rules: [
          { record: 'job:http_requests:rate5m', expr: 'sum by (job) (rate(http_requests_total[5m]))' },
          {
            alert: 'WebHighErrorRate', for: '10m', keep_firing_for: '5m',
            expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',
            labels: { severity: 'critical', team: 'web' },
            annotations: { summary: 'More than 5% of requests fail', runbook_url: 'https://runbooks.example.com/web' },
          },
        ],
      },
      { name: 'web.slow', rules: [{ alert: 'WebSlow', expr: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 1', labels: { severity: 'warning', team: 'web' } }] },
    ]);
  });

  // promtool from the Debian package `prometheus` (CI installs it); it parses every expression as Prometheus does.
  const promtool = spawnSync('promtool', ['--version']).status === 0;
  (promtool || process.env.CI === 'true' ? test : test.skip)('promtool accepts the rule groups (expressions parsed by Prometheus itself)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-'));
    try {
      fs.writeFileSync(path.join(dir, 'rules.yaml'), YAML.stringify({ groups: rule.spec.groups }));
      const result = spawnSync('promtool', ['check', 'rules', path.join(dir, 'rules.yaml')], { encoding: 'utf8' });
      expect([result.status, result.stdout + result.stderr]).toEqual([0, expect.stringContaining('SUCCESS: 3 rules found')]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PrometheusRules', () => {
  const chart = Testing.chart();
  const stack = new KubePrometheusStack(chart, 'Stack');
  let n = 0;
  const rules = (props: Partial<ConstructorParameters<typeof PrometheusRules>[2]> = {}) => new PrometheusRules(chart, `R${n++}`, { monitoring: stack, ...props });
  const alert = { alert: 'Down', severity: Severity.CRITICAL, expr: 'up == 0' };

  test('fails when a for duration is not a Prometheus duration', () => {
    expect(() => rules({ groups: [{ name: 'g', rules: [{ ...alert, for: '5 minutes' }] }] }))
      .toThrow("group 'g', alert 'Down' for is '5 minutes' but must be a Prometheus duration such as '5m', '1h30m' or '30s'");
    expect(() => rules({ groups: [{ name: 'g', rules: [{ ...alert, for: Duration.seconds(0) }] }] }))
      .toThrow("group 'g', alert 'Down' for is '0' but must be longer than zero");
  });

  test('fails when an alert name is not an identifier', () => {
    expect(() => rules({ groups: [{ name: 'g', rules: [{ ...alert, alert: 'web down' }] }] }))
      .toThrow("group 'g' has an alert named 'web down' but alert names are letters, digits and '_', not starting with a digit (e.g. 'HighErrorRate')");
  });

  test('fails when a recording rule is not a metric name', () => {
    expect(() => rules({ groups: [{ name: 'g', rules: [{ record: 'job-rate', expr: 'rate(x[5m])' }] }] }))
      .toThrow("group 'g' has a recording rule named 'job-rate' but it must be a metric name");
  });

  test('fails when an alert lacks a required label, or sets severity as a label', () => {
    expect(() => rules({ requiredLabels: ['team'], groups: [{ name: 'g', rules: [alert] }] }))
      .toThrow("group 'g', alert 'Down' has no label 'team', which requiredLabels asks every alert for; add labels: { team: '...' }");
    expect(() => rules({ groups: [{ name: 'g', rules: [{ ...alert, labels: { severity: 'page' } }] }] }))
      .toThrow("group 'g', alert 'Down' sets labels.severity; set the severity prop instead");
    expect(() => rules({ groups: [{ name: 'g', rules: [{ ...alert, severity: 'page' as Severity }] }] }))
      .toThrow("group 'g', alert 'Down' has severity 'page' but must have one of Severity.CRITICAL, Severity.WARNING, Severity.INFO");
  });

  test('fails when an expression\'s brackets do not pair up', () => {
    expect(() => rules({ groups: [{ name: 'g', rules: [{ ...alert, expr: 'sum(rate(x[5m]) > 1' }] }] }))
      .toThrow(`group 'g', rule Down has expr "sum(rate(x[5m]) > 1" with '(' never closed`);
    expect(() => rules({ groups: [{ name: 'g', rules: [{ ...alert, expr: 'x{job="a)"} > 1)' }] }] }))
      .toThrow(`group 'g', rule Down has expr "x{job=\\"a)\\"} > 1)" with an unmatched ')' at 15`);
  });

  test('fails when two groups share a name', () => {
    const r = rules({ groups: [{ name: 'g', rules: [alert] }] });
    expect(() => r.addGroup({ name: 'g', rules: [alert] })).toThrow("group 'g' is added twice to");
  });
});
