import { Testing } from 'cdk8s';
import { Namespace, PodSecurityLevel } from '../lib';

describe('Namespace', () => {
  test('renders one Namespace with the managed-by label and extra labels', () => {
    const chart = Testing.chart();
    const ns = new Namespace(chart, 'monitoring', { name: 'monitoring', labels: { team: 'ops' } });
    const objects = Testing.synth(chart);
    expect(objects).toMatchSnapshot();
    expect(ns.name).toBe('monitoring');
    expect(objects).toEqual([{
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'monitoring', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-monitoring-stack', 'team': 'ops' } },
    }]);
  });

  test('podSecurity sets the enforce, audit and warn labels, pinned to 1.28', () => {
    const chart = Testing.chart();
    new Namespace(chart, 'apps', { name: 'apps', podSecurity: PodSecurityLevel.RESTRICTED });
    expect(Testing.synth(chart)[0].metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'cdk8s-monitoring-stack',
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.28',
    });
  });

  test.each(['Monitoring', 'monitoring_ns', '-x', 'a'.repeat(64)])('fails when the name is not a DNS label (%s)', name => {
    expect(() => new Namespace(Testing.chart(), 'ns', { name }))
      .toThrow(`name is '${name}' but a namespace name must be a DNS label`);
  });
});
