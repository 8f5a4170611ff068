// promtool over the Longhorn alert rules and their unit tests (test/longhorn-monitoring/*.promtool.yaml): the unit
// tests run Debian's promtool 2.42, the integration tests the one the harness builds at the chart's Prometheus version.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { LonghornVersion } from '../../lib';
import { longhornAlertRules, LonghornAlertRulesOptions } from '../../lib/constructs/longhorn-monitoring';

export const LONGHORN_RULE_FIXTURES = path.join(__dirname, '..', 'longhorn-monitoring');

/** The promtool test files of a Longhorn version: the common ones and those of its volume metrics' encoding. */
export function longhornRuleTestFiles(version: LonghornVersion | string): string[] {
  return ['common.promtool.yaml', version === LonghornVersion.V1_6_2 ? 'volumes-numeric.promtool.yaml' : 'volumes-labelled.promtool.yaml'];
}

/** Runs `promtool` in `dir`; fails with its output unless it succeeds. */
export function runPromtool(promtool: string, dir: string, ...args: string[]): string {
  const result = spawnSync(promtool, args, { cwd: dir, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${promtool} ${args.join(' ')} failed${result.error ? ` (${result.error.message})` : ''}:\n${output}`);
  return output;
}

/**
 * `promtool check rules` and `promtool test rules` over the Longhorn rules for `options` (written as rules.yaml
 * beside the test files, which read it): what each printed.
 */
export function promtoolLonghornRules(promtool: string, options: LonghornAlertRulesOptions): { checked: string; tested: string; rules: number } {
  const rule = longhornAlertRules(options) as unknown as { spec: { groups: Array<{ rules: unknown[] }> } };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhorn-rules-'));
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), YAML.stringify(rule.spec));
    const files = longhornRuleTestFiles(options.longhornVersion);
    for (const file of files) fs.copyFileSync(path.join(LONGHORN_RULE_FIXTURES, file), path.join(dir, file));
    return {
      checked: runPromtool(promtool, dir, 'check', 'rules', 'rules.yaml'),
      tested: runPromtool(promtool, dir, 'test', 'rules', ...files),
      rules: rule.spec.groups.reduce((n, g) => n + g.rules.length, 0),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
