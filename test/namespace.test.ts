import { Testing } from 'cdk8s';
import { Namespace } from '../lib';

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

  test.each(['Monitoring', 'monitoring_ns', '-x', 'a'.repeat(64)])('fails when the name is not a DNS label (%s)', name => {
    expect(() => new Namespace(Testing.chart(), 'ns', { name }))
      .toThrow(`name is '${name}' but a namespace name must be a DNS label`);
  });
});
