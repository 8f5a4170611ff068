// The stack on the other cluster shapes the harness builds: a single node whose control-plane taint was removed, and
// 3 control planes + 3 workers. Each gets a control plane of its own (real API server, controller-manager, scheduler
// and prometheus-operator; kubelets simulated by kwok, Longhorn volumes by the stand-in provisioner: see
// stack-runs.integration.test.ts), the stack synthesized for that shape, and `npm run deploy -- --wait`.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { MonitoringStack, MonitoringStackProps, readOutputDir } from '../lib';
import { runCli } from './support/cli';
import { CLUSTER_SHAPES, ControlPlane, NodeRole } from './support/control-plane';
import { harnessKubectl } from './support/harness';
import { describeWithControlPlane } from './support/shared-control-plane';

const STEP_TIMEOUT_MS = 600_000;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Live = any;

const SHAPES: Array<{ shape: string; props: MonitoringStackProps; replicas: number }> = [
  { shape: '1', props: { cluster: { controlPlaneNodes: 1, workerNodes: 0, controlPlaneTaint: false } }, replicas: 1 },
  { shape: '3+3', props: { cluster: { controlPlaneNodes: 3, workerNodes: 3 } }, replicas: 3 },
];

for (const { shape, props, replicas } of SHAPES) {
  describeWithControlPlane(`the stack on the ${shape} cluster shape`, () => {
    let controlPlane: ControlPlane;
    let work: string;
    let run: { status: number | null; stdout: string; stderr: string };
    beforeAll(async () => {
      controlPlane = await ControlPlane.start();
      await controlPlane.simulateCluster(CLUSTER_SHAPES[shape]);
      work = fs.mkdtempSync(path.join(os.tmpdir(), `shape-${shape}-`));
      const outdir = path.join(work, 'dist');
      const app = new App({ outdir });
      new MonitoringStack(app, 'lab', props);
      app.synth();
      run = runCli(['deploy', '--outdir', outdir, '--generate-grafana-admin-password', '--wait', '--timeout', '8m'], {
        env: { KUBECONFIG: controlPlane.kubeconfig, KUBECTL_BIN: harnessKubectl(), GRAFANA_ADMIN_PASSWORD: '' },
      });
    }, STEP_TIMEOUT_MS);
    afterAll(() => {
      controlPlane?.stop();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    test('deploys with --wait: every pod Running and Ready', () => {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const pods: Live[] = ['longhorn-system', 'monitoring'].flatMap(ns => JSON.parse(controlPlane.kubectl(['get', 'pods', '--namespace', ns, '-o', 'json']).stdout).items);
      // as many pods as the output asks for: its Deployments' replicas, one per node each DaemonSet may run on, and
      // the pods of the StatefulSets the operator makes for Prometheus and Alertmanager
      const objects = readOutputDir(path.join(work, 'dist', 'lab')).flatMap(f => f.objects);
      const replicas = (kinds: string[]) => objects.filter(o => kinds.includes(o.kind)).reduce((n, o) => n + ((o.spec as Live)?.replicas ?? 1), 0);
      const daemonSets: Live[] = ['longhorn-system', 'monitoring'].flatMap(ns => JSON.parse(controlPlane.kubectl(['get', 'daemonsets', '--namespace', ns, '-o', 'json']).stdout).items);
      expect(daemonSets.map(d => d.status.desiredNumberScheduled)).not.toContain(0);
      const expected = replicas(['Deployment']) + replicas(['Prometheus', 'Alertmanager']) + daemonSets.reduce((n, d) => n + d.status.desiredNumberScheduled, 0);
      expect(pods.length).toBe(expected);
      const notReady = pods.filter(p => p.status.phase !== 'Running' || !p.status.conditions?.some((c: Live) => c.type === 'Ready' && c.status === 'True'));
      expect(notReady.map(p => p.metadata.name)).toEqual([]);
      // node-exporter on every node; the servers only where the stack allows them
      const nodes = CLUSTER_SHAPES[shape].map(n => n.name).sort();
      expect(pods.filter(p => p.metadata.ownerReferences?.[0]?.name === 'kube-prometheus-stack-prometheus-node-exporter').map(p => p.spec.nodeName).sort()).toEqual(nodes);
      const tainted = new Set(CLUSTER_SHAPES[shape].filter(n => n.role === NodeRole.CONTROL_PLANE).map(n => n.name));
      expect(pods.filter(p => tainted.has(p.spec.nodeName) && p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet').map(p => p.metadata.name)).toEqual([]);
    });

    test(`the Longhorn class holds ${replicas} replica(s), and Prometheus' claim is Bound`, () => {
      const storageClass = JSON.parse(controlPlane.kubectl(['get', 'storageclass', 'longhorn-prometheus', '-o', 'json']).stdout);
      expect(storageClass.parameters.numberOfReplicas).toBe(String(replicas));
      const claims: Live[] = JSON.parse(controlPlane.kubectl(['get', 'pvc', '--namespace', 'monitoring', '-o', 'json']).stdout).items;
      expect(claims.map(c => [c.status.phase, c.spec.storageClassName])).toEqual([['Bound', 'longhorn-prometheus']]);
    });
  });
}
