import { isDeepStrictEqual } from 'util';
import * as YAML from 'yaml';
import { KUBE_PROMETHEUS_STACK_CHART, LONGHORN_CHART } from '../lib/render/charts';
import { parseDocuments, parseManifests } from '../lib/render/manifest-parse';
import { renderChart } from '../lib/render/render';
import { UNUSUAL_VALUES_RENDER } from './support/render';

/** The reference: the `yaml` library reading YAML 1.1 as Kubernetes does (timestamps and 12:30 stay strings). */
function reference(text: string): unknown[] {
  return YAML.parseAllDocuments(text, {
    version: '1.1', uniqueKeys: false,
    customTags: tags => tags.filter(tag => typeof tag === 'string' || (tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME')),
  }).map(d => d.toJS({ maxAliasCount: -1 })).filter(v => v !== null);
}

// Plain scalars whose type YAML 1.1 and 1.2 disagree on, or that look like numbers, times or dates; among them one
// starting with each character a YAML 1.1 tag's pattern can start with (the fast path tries only those tags).
const TRAPS = ['yes', 'Yes', 'YES', 'no', 'No', 'y', 'Y', 'n', 'N', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'tRue', 'false',
  '~', 'null', 'Null', 'NULL', '', '=', '<<x', '0644', '0755', '0o644', '0x1F', '0X1f', '0b101', '08', '09.5', '00', '0_1', '1_000', '+12', '-0', '-0.0',
  '.5', '+.5', '1.', '0.', '1e3', '1.0e+3', '6.8523015e+5', '1e', '.inf', '-.Inf', '.NaN', '.', '12:30', '1:30:00', '190:20:30.15', '2024-01-02',
  '2001-12-14t21:59:43.10-05:00', 'e5', 'E3', '+e2', '.e1', 'ex', 'oN', 'F', 'nul', '9007199254740993', '123456789012345678901234567890', '1,000', '0xG', '+0x10', '-0b11', '3.14_15', '"yes"', "'0644'"];

describe('parseDocuments', () => {
  test.each(TRAPS)('reads %j exactly as the yaml library reads YAML 1.1 (as a value, in a list, as a key)', trap => {
    const text = `value: ${trap}\nlist: [${trap === '' ? '""' : trap}, x]\n${trap}: key\n`;
    const fast = parseDocuments(text).map(d => d.value);
    expect(isDeepStrictEqual(fast, reference(text))).toBe(true);
  });

  test('values that Kubernetes reads as YAML 1.1: booleans, octal, and strings that only look like times', () => {
    const [m] = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  created: 2024-01-02\nmode: 0644\nat: 12:30\nenabled: on\nlong: 9007199254740993\n');
    expect([m.mode, m.metadata.created, m.at, m.enabled, m.long]).toEqual([0o644, '2024-01-02', '12:30', true, 9007199254740992]);
  });

  test.each([
    ['longhorn 1.12.1', LONGHORN_CHART, '1.12.1'],
    ['kube-prometheus-stack 88.5.3', KUBE_PROMETHEUS_STACK_CHART, '88.5.3'],
  ])('reads the whole render of %s exactly as the yaml library does', (_name, chart, version) => {
    // helm's raw output, comments and empty documents included (the cache keeps only object documents).
    const { execFileSync } = require('child_process');
    const { helmBinary } = require('../lib/render/tools');
    const { resolveChart } = require('../lib/render/chart-source');
    const text = execFileSync(helmBinary(), ['template', 'r', resolveChart(chart, version).path, '--include-crds'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(isDeepStrictEqual(parseDocuments(text).map(d => d.value), reference(text))).toBe(true);
  });

  test('merge keys and anchors, as the yaml library reads them', () => {
    const text = 'base: &b {cpu: 1, mem: 2}\nlimits:\n  <<: *b\n  mem: 4\nmany:\n  <<: [*b, {gpu: 1}]\n';
    expect(parseDocuments(text).map(d => d.value)).toEqual(reference(text));
  });

  test('a duplicate key keeps the last value, as kubectl and the API server do, and is reported with both values', () => {
    const [doc] = parseDocuments('# Source: x/templates/p.yaml\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: p\nspec:\n  logFormat: logfmt\n  logFormat: json\n');
    expect((doc.value as any).spec.logFormat).toBe('json');
    expect(doc.duplicates).toEqual([{ path: '/spec/logFormat', dropped: 'logfmt', kept: 'json' }]);
    expect(doc.source).toBe('x/templates/p.yaml');
    expect(doc.text.startsWith('apiVersion:')).toBe(true);
  });

  test('splits documents on a line of ---, as helm does, but not inside a block scalar', () => {
    const docs = parseDocuments('a: 1\n---\n# only a comment\n---\nb: |\n  ---\n  not a separator\n--- # trailing comment\nc: 3\n');
    expect(docs.map(d => d.value)).toEqual([{ a: 1 }, { b: '---\nnot a separator\n' }, { c: 3 }]);
  });

  test('fails on invalid YAML, naming the problem', () => {
    expect(() => parseDocuments('a: [1, 2\n')).toThrow(/^not valid YAML: /);
  });

  test('a render with duplicate keys synthesizes and warns once per key, naming the object and both values', () => {
    const rendered = renderChart(UNUSUAL_VALUES_RENDER)!; // prometheus.prometheusSpec.additionalConfig.logFormat: json
    const prometheus = rendered.documents.find(d => d.manifest.kind === 'Prometheus')!;
    expect((prometheus.manifest.spec as any).logFormat).toBe('json');
    expect(prometheus.duplicates).toEqual([{ path: '/spec/logFormat', dropped: 'logfmt', kept: 'json' }]);
  });
});
