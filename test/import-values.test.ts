// import-values: the install guide's values.yaml (test/fixtures/guide/values.yaml) as a main.ts, and the round trip:
// the generated app, synthesized by the CLI, against the real `helm template` of the same chart, release and values,
// object by object and field by field. Every difference is either in the list below, with its reason, or a failure.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readOutputDir } from '../lib/output/validation';
import { importValues } from '../lib/commands/import-values';
import { canonical } from '../lib/render/canonical';
import { parseDocument, splitDocuments } from '../lib/render/manifest-parse';
import { helmBinary } from '../lib/render/tools';
import { runCli } from './support/cli';

const VALUES = path.join(__dirname, 'fixtures', 'guide', 'values.yaml');
const RELEASE = 'kube-prom-stack';

/** Objects of helm's render the app does not have, and why. */
const ONLY_IN_HELM: Array<[RegExp, string]> = [
  [/^Secret monitoring\/kube-prom-stack-grafana$/, 'Grafana\'s admin password: the app reads the Secret helm install made (fromExistingSecret), it writes no password into dist/'],
  [/-(controller-manager|etcd|proxy|scheduler)(\.rules)?$/, 'kubeadm\'s control plane listens on 127.0.0.1: its Services, ServiceMonitors, rules and dashboards are left out (controlPlane)'],
  [/WebhookConfiguration \/kube-prom-stack-kube-prome-admission$|-admission(-create|-patch)?$/, 'the admission webhook: its certificates come from Helm hooks, which no Helm runs; deploy --adopt removes the release\'s webhook configurations'],
  [/-grafana-test$/, 'Grafana\'s test hook: Helm test hooks are left out'],
];
/** Objects the app adds, and why. */
const ONLY_IN_APP: Array<[RegExp, string]> = [
  [/^(CustomResourceDefinition \/.*\.longhorn\.io|.* longhorn-system\/.*|PriorityClass \/longhorn-critical|ClusterRole(Binding)? \/longhorn-.*)$/, 'Longhorn, which the guide installs apart with kubectl apply'],
  [/^Namespace \/(monitoring|longhorn-system)$/, 'the namespaces, privileged (helm install --create-namespace makes them bare)'],
  [/^StorageClass \/longhorn-prometheus$/, 'Prometheus\' own Longhorn class'],
  [/^(ServiceMonitor monitoring\/longhorn-manager|PrometheusRule monitoring\/longhorn|ConfigMap monitoring\/longhorn-dashboard)$/, 'Longhorn\'s monitoring'],
];
/** Fields that differ in objects both have (`Kind namespace/name path`, lists as []), and why. */
const FIELD_DIFFERENCES: Array<[RegExp, string]> = [
  [/ (\.spec\.template)?\.metadata\.labels\.(app\.kubernetes\.io\/managed-by|heritage)$/, 'the labels say this library manages the objects, not Helm'],
  [/^(Alertmanager|Prometheus) \S+ \.spec\.affinity|^Deployment \S+ \.spec\.template\.spec\.affinity$/, 'placement: off the tainted control plane'],
  [/^(Alertmanager|Prometheus) \S+ \.spec\.resources$|^Deployment \S+ \.spec\.template\.spec\.containers\[\]\.resources$/, 'requests and memory limits sized for a small cluster'],
  [/^Deployment monitoring\/kube-prom-stack-grafana \.spec\.template\.spec\.containers\[\]\.env\[\]$/, 'Grafana\'s GOMEMLIMIT, from its memory limit'],
  [/^Prometheus \S+ \.spec\.retentionSize$/, 'retentionSize at 85% of the volume'],
  [/^Prometheus \S+ \.spec\.storage\.volumeClaimTemplate\.spec\.storageClassName$/, 'the stack\'s own class for Prometheus (the existing claim keeps its class)'],
  [/^Secret \S+-alertmanager \.data\.alertmanager\.yaml$/, 'the stack\'s alert routing (by severity, Watchdog nowhere)'],
  [/^ConfigMap \S+-grafana-config-dashboards \.data\.provider\.yaml$|^Deployment \S+-grafana \.spec\.template\.metadata\.annotations\.checksum\/sc-dashboard-provider-config$/, 'Grafana dashboards in folders (the provider file, and its checksum)'],
  [/^Deployment \S+-grafana \.spec\.template\.metadata\.annotations\.checksum\/secret$/, 'no Grafana Secret in the output (its checksum)'],
  [/^(Service \S+-operator \.spec\.ports\[\]|ServiceMonitor \S+-operator \.spec\.endpoints\[\]|Deployment \S+-operator \.spec\.template\.spec\.(volumes|containers\[\]\.(args\[\]|ports\[\]|livenessProbe|readinessProbe|volumeMounts)))/, 'the operator serves plain HTTP: its TLS certificate came from the admission webhook\'s Helm hooks'],
];

describe('import-values of the install guide\'s values.yaml', () => {
  let work: string;
  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'import-values-')); });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const imported = () => importValues({ values: fs.readFileSync(VALUES, 'utf8'), source: 'values.yaml', release: RELEASE, namespace: 'monitoring', longhornVersion: '1.6.2', library: path.join(__dirname, '..', 'lib') });

  test('writes typed props for what props own, with notes on what moved', () => {
    const { mainTs, notes, unmapped } = imported();
    expect(mainTs).toContain([
      "new MonitoringStack(app, 'homelab', {",
      "  releaseName: 'kube-prom-stack',",
      "  longhornVersion: '1.6.2',",
      "  grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret('kube-prom-stack-grafana'),",
      '  grafanaService: ServiceExposure.nodePort(30300),',
      '  prometheusService: ServiceExposure.nodePort(30090),',
      "  prometheusStorageSize: '10Gi',",
      "  retention: '10d',",
      '});',
    ].join('\n'));
    expect(mainTs).not.toContain('guide-admin-password');
    expect(notes[0]).toMatch(/^grafana\.adminPassword: not copied; Grafana reads the admin password from the Secret kube-prom-stack-grafana that helm install made/);
    expect(notes[1]).toMatch(/storageClassName 'longhorn' becomes the stack's own Longhorn class .* the existing claim keeps its class and its volume/);
    expect(unmapped).toEqual([]);
  });

  test('keeps what no prop owns as raw values, and lists what it cannot carry', () => {
    const { mainTs, unmapped } = importValues({
      values: 'grafana:\n  ingress:\n    enabled: true\n    hosts: [grafana.lab]\nprometheus:\n  prometheusSpec:\n    retention: 12h\nprometheusOperator:\n  admissionWebhooks:\n    enabled: true\n',
      source: 'v.yaml', release: 'kps', namespace: 'observability', longhornVersion: '1.7.3',
    });
    expect(mainTs).toContain("  monitoringNamespace: 'observability',");
    expect(mainTs).toContain("  kubePrometheusStackValues: {\n    grafana: {\n      ingress: {\n        enabled: true,\n        hosts: [\n          'grafana.lab',\n        ],\n      },\n    },\n  },");
    // Prometheus' syntax, as the prop takes it: any retention carries over.
    expect(mainTs).toContain("  retention: '12h',");
    expect(unmapped).toEqual([      "prometheusOperator.admissionWebhooks: the stack runs no admission webhook (its certificates come from Helm hooks); deploy --adopt removes the release's webhook configurations",
    ]);
  });

  test('round trip: the app\'s output is helm template\'s of the same values, but for the documented differences', () => {
    const app = path.join(work, 'main.ts');
    fs.writeFileSync(app, imported().mainTs);
    const synth = runCli(['synth', '--app', app, '--outdir', path.join(work, 'dist')], { env: { NODE_PATH: path.join(__dirname, '..', 'node_modules') } });
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    const ours = readOutputDir(path.join(work, 'dist', 'homelab')).flatMap(f => f.objects);
    const charts = path.resolve(process.env.CDK8S_CHARTS_DIR ?? 'charts');
    const helm = spawnSync(helmBinary(), ['template', RELEASE, path.join(charts, 'kube-prometheus-stack-88.5.3.tgz'), '--namespace', 'monitoring', '--include-crds', '--kube-version', 'v1.35.0', '--values', VALUES], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
    expect(helm.status).toBe(0);
    const theirs = splitDocuments(helm.stdout).map(d => parseDocument(d.text).value as any).filter(o => o?.kind);
    const key = (o: any) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const oursBy = new Map(ours.map(o => [key(o), o]));
    const theirsBy = new Map(theirs.map(o => [key(o), o]));
    const undocumented = (keys: string[], documented: Array<[RegExp, string]>) => keys.filter(k => !documented.some(([re]) => re.test(k)));

    expect(undocumented([...theirsBy.keys()].filter(k => !oursBy.has(k)), ONLY_IN_HELM)).toEqual([]);
    expect(undocumented([...oursBy.keys()].filter(k => !theirsBy.has(k)), ONLY_IN_APP)).toEqual([]);
    const fields: string[] = [];
    for (const [k, theirsObject] of theirsBy) {
      const oursObject = oursBy.get(k);
      if (!oursObject) continue;
      for (const p of differingPaths(comparable(theirsObject), comparable(oursObject), '')) fields.push(`${k} ${p}`);
    }
    expect(fields.length).toBeGreaterThan(0); // (the documented differences are there: the comparison sees them)
    expect([...new Set(undocumented(fields, FIELD_DIFFERENCES))]).toEqual([]);
    // the objects both have: nearly all of helm's
    expect([...theirsBy.keys()].filter(k => oursBy.has(k)).length).toBeGreaterThan(90);
  }, 120_000);
});

/** An object as Kubernetes reads it: keys sorted; nulls, empty maps and empty lists as absent. */
function comparable(value: unknown): unknown {
  const pruned = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const items = v.map(pruned);
      return items.length > 0 ? items : undefined;
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).map(([k, x]) => [k, pruned(x)] as const).filter(([, x]) => x !== undefined);
      return entries.length > 0 ? Object.fromEntries(entries) : undefined;
    }
    return v === null ? undefined : v;
  };
  return pruned(canonical(value));
}

/** The paths where two values differ, list items as [] (`.spec.ports[].port`). */
function differingPaths(a: unknown, b: unknown, at: string): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap(k => differingPaths((a as any)[k], (b as any)[k], Array.isArray(a) ? `${at}[]` : `${at}.${k}`));
  }
  return [at];
}
