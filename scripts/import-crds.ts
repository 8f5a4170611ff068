// Regenerates imports/ from the CRDs inside the newest tested charts (through the project's own render path),
// so the typed custom resources always match the chart versions this project renders.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import * as semver from 'semver';
import { ChartDefinition, KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART } from '../lib/render/charts';
import { renderChart } from '../lib/render/render';

/** The newest tested version of a chart: its CRDs are a superset of older ones'. */
const newest = (chart: ChartDefinition) => [...chart.testedVersions].sort(semver.rcompare)[0];

const SOURCES: Array<{ module: string; chart: ChartDefinition; version: string; group: string }> = [
  { module: 'monitoring.coreos.com', chart: KUBE_PROMETHEUS_STACK_CHART, version: newest(KUBE_PROMETHEUS_STACK_CHART), group: 'monitoring.coreos.com' },
  { module: 'longhorn.io', chart: LONGHORN_CHART, version: newest(LONGHORN_CHART), group: 'longhorn.io' },
];

const root = path.resolve(__dirname, '..');
const UNCHECKED = '// @ts-nocheck\n// (generated: not type-checked inside itself; its uses are)\n';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'import-crds-'));
try {
  for (const source of SOURCES) {
    const rendered = renderChart({ chart: source.chart, version: source.version, releaseName: 'import', namespace: 'import', values: {} })!;
    const crds = rendered.documents.map(d => d.manifest).filter(m => m.kind === 'CustomResourceDefinition' && (m.spec as { group?: string }).group === source.group);
    if (crds.length === 0) throw new Error(`${source.chart.name} ${source.version} rendered no ${source.group} CRDs`);
    const file = path.join(work, `${source.group}.yaml`);
    fs.writeFileSync(file, crds.map(crd => YAML.stringify(crd)).join('---\n'));
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'),
      ['import', file, '--output', path.join(root, 'imports'), '--language', 'typescript', '--no-save', '--no-check-upgrade'],
      { stdio: 'inherit', cwd: root });
    markUnchecked(path.join(root, 'imports', `${source.module}.ts`));
    console.log(`imports/${source.module}.ts: ${crds.length} CRDs from ${source.chart.name} ${source.version}`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

/**
 * Generated code is not type-checked inside itself (6 MB of classes and serializers: half of a cold
 * `tsc`); every use of its types in lib/, test/ and apps still is.
 */
function markUnchecked(file: string): void {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.startsWith(UNCHECKED)) fs.writeFileSync(file, UNCHECKED + text);
}
