// Alerts, with the Prometheus and Alertmanager versions kube-prometheus-stack 88.5.3 deploys (promtool 3.14.0,
// alertmanager 0.34.0), built by the cluster harness from the Go module proxy.
//
// What is real: promtool evaluating the Longhorn rules over the unit tests' series (test/longhorn-monitoring/), and
// an Alertmanager process on loopback running the configuration the stack writes into dist/ (its Secret
// alertmanager-kube-prometheus-stack-alertmanager), with the pod's mounted Secrets as files in a folder of the test's
// own, posting to an HTTP endpoint in this process. What is not: Prometheus itself (the test posts the alerts to
// Alertmanager's API as Prometheus would) and any chat service (the receivers are webhooks to the endpoint).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as YAML from 'yaml';
import { AlertDelivery, LonghornVersion, MonitoringApp, MonitoringStack, Receiver, SecretKey, Severity } from '../lib';
import { readOutputDir } from '../lib/output/validation';
import { harnessProgram } from './support/harness';
import { promtoolLonghornRules } from './support/promtool';
import { RealAlertmanager, rebase, until, WebhookSink, writeFile } from './support/real-alertmanager';
import { describeWithControlPlane } from './support/shared-control-plane';

const TIMEOUT_MS = 600_000;

describeWithControlPlane("alerts, with the chart's promtool and Alertmanager", () => {
  describe.each([LonghornVersion.V1_6_2, LonghornVersion.V1_12_1])('Longhorn %s rules, promtool 3.14', version => {
    test('load, and every promtool unit test passes, the dead node included', () => {
      const promtool = path.join(harnessProgram('prometheus'), 'promtool');
      const options = { longhornVersion: version, monitoringNamespace: 'monitoring', prometheusSelectorLabels: { release: 'kube-prometheus-stack' } };
      const { checked, tested, rules } = promtoolLonghornRules(promtool, options);
      expect(checked).toContain(`SUCCESS: ${rules} rules found`);
      expect(tested).toContain('SUCCESS');
      expect(tested).not.toContain('FAILED');
    }, TIMEOUT_MS);
  });

  describe('Alertmanager 0.34 running the configuration in dist/', () => {
    let work: string;
    let sink: WebhookSink;
    let alertmanager: RealAlertmanager;
    let config: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

    beforeAll(async () => {
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'alerts-'));
      sink = await WebhookSink.start();
      const webhook = (name: string) => Receiver.webhook({ name, url: SecretKey.fromExistingSecret(`${name}-webhook`, 'url') });
      const app = new MonitoringApp({ outdir: path.join(work, 'dist') });
      new MonitoringStack(app, 'lab', {
        alerting: AlertDelivery.route({
          routes: [{ severity: Severity.CRITICAL, receiver: webhook('pager') }, { severity: Severity.WARNING, receiver: webhook('chat') }],
          defaultReceiver: webhook('other'),
          // so the test waits seconds, not the default 30 s
          groupWait: Duration.seconds(1), groupInterval: Duration.seconds(1),
        }),
      });
      app.synth();
      const secret = readOutputDir(path.join(work, 'dist', 'lab')).flatMap(f => f.objects)
        .find(o => o.kind === 'Secret' && o.metadata.name === 'alertmanager-kube-prometheus-stack-alertmanager')!;
      const text = Buffer.from((secret.data as Record<string, string>)['alertmanager.yaml'], 'base64').toString('utf8');
      config = YAML.parse(text);
      // The pod's files: each mounted Secret's key, here the receiver's URL on the local endpoint.
      const root = path.join(work, 'root');
      for (const name of ['pager', 'chat', 'other']) writeFile(path.join(root, 'etc/alertmanager/secrets', `${name}-webhook`, 'url'), sink.url(name));
      const configFile = path.join(work, 'alertmanager.yaml');
      fs.writeFileSync(configFile, rebase(text, root, ['/etc/alertmanager/']));
      alertmanager = await RealAlertmanager.start(configFile, path.join(work, 'data'));
    }, TIMEOUT_MS);

    afterAll(async () => {
      await alertmanager?.stop();
      await sink?.stop();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    const disk = (severity: string, node: string, diskName: string) => ({
      labels: { alertname: 'LonghornDiskSpaceLow', severity, namespace: 'longhorn-system', node, disk: diskName, pod: `longhorn-manager-${node}`, instance: `10.0.0.${node.length}:9500`, job: 'longhorn-backend' },
      annotations: { summary: `disk ${diskName} on ${node}` },
    });

    test('reads the receivers\' URLs from the mounted Secrets, and has the inhibit rules per object', () => {
      expect(config.receivers.map((r: { name: string }) => r.name)).toEqual(['null', 'other', 'pager', 'chat']);
      expect(config.inhibit_rules[0]).toEqual(expect.objectContaining({ source_matchers: ['severity = critical'], equal: expect.arrayContaining(['node', 'disk']) }));
    });

    test('routes alerts by severity: critical to pager, warning to chat, anything else to the default; Watchdog nowhere', async () => {
      await alertmanager.post([
        { labels: { alertname: 'KubePodCrashLooping', severity: 'critical', namespace: 'apps', pod: 'api-1' } },
        { labels: { alertname: 'KubeDeploymentReplicasMismatch', severity: 'warning', namespace: 'apps', deployment: 'api' } },
        { labels: { alertname: 'SomethingNew', namespace: 'apps' } },
        { labels: { alertname: 'Watchdog', severity: 'none' } },
      ]);
      await until('pager, chat and other each got their alert', () => ['pager', 'chat', 'other'].every(r => sink.at(r).some(n => n.alerts.some(a => a.labels.namespace === 'apps'))));
      const names = (receiver: string) => sink.at(receiver).flatMap(n => n.alerts.map(a => a.labels.alertname)).sort();
      expect(names('pager')).toEqual(['KubePodCrashLooping']);
      expect(names('chat')).toEqual(['KubeDeploymentReplicasMismatch']);
      expect(names('other')).toEqual(['SomethingNew']);
      expect(sink.at('pager')[0].receiver).toBe('pager');
      expect(sink.received.flatMap(n => n.alerts).some(a => a.labels.alertname === 'Watchdog')).toBe(false);
    }, TIMEOUT_MS);

    test('a critical on disk A mutes the warning on disk A only: the warning on disk B reaches chat', async () => {
      const before = sink.received.length;
      // both disks on one node, reported by one longhorn-manager: only the disk label tells them apart
      await alertmanager.post([disk('critical', 'worker-1', 'disk-a'), disk('warning', 'worker-1', 'disk-a'), disk('warning', 'worker-1', 'disk-b')]);
      await until('pager got the critical and chat the warning about disk-b', () => sink.received.slice(before).some(n => n.receiver === 'pager')
        && sink.received.slice(before).some(n => n.receiver === 'chat'));
      // one more group interval, in case a later notification carried the muted warning after all
      await new Promise(resolve => setTimeout(resolve, 3000));
      const got = (receiver: string) => sink.received.slice(before).filter(n => n.receiver === receiver)
        .flatMap(n => n.alerts.filter(a => a.labels.alertname === 'LonghornDiskSpaceLow').map(a => `${a.labels.severity} ${a.labels.node}/${a.labels.disk}`));
      expect([...new Set(got('pager'))]).toEqual(['critical worker-1/disk-a']);
      expect([...new Set(got('chat'))]).toEqual(['warning worker-1/disk-b']);

      const live = (await alertmanager.alerts()).filter(a => a.labels.alertname === 'LonghornDiskSpaceLow');
      const of = (severity: string, diskName: string) => live.find(a => a.labels.severity === severity && a.labels.disk === diskName)!;
      expect(of('warning', 'disk-a').status).toEqual(expect.objectContaining({ state: 'suppressed', inhibitedBy: [of('critical', 'disk-a').fingerprint] }));
      expect(of('warning', 'disk-b').status).toEqual(expect.objectContaining({ state: 'active', inhibitedBy: [] }));
    }, TIMEOUT_MS);
  });
});
