// The stack on the other cluster shapes the harness builds: a single node whose control-plane taint was removed, and
// 3 control planes + 3 workers. Each gets a control plane of its own (real API server, controller-manager, scheduler
// and prometheus-operator; kubelets simulated by kwok, Longhorn volumes by the stand-in provisioner: see
// stack-runs.integration.test.ts), the stack synthesized for that shape, and `npm run deploy -- --wait`.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MonitoringApp, MonitoringStack, MonitoringStackProps } from '../lib';
import { readOutputDir } from '../lib/output/validation';
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
      const app = new MonitoringApp({ outdir });
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

    const json = (...args: string[]): Live => controlPlane.getJson(...args);

    test('deploys with --wait: every pod Running and Ready, node-exporter on every node, the rest off tainted ones', () => {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const pods: Live[] = ['longhorn-system', 'monitoring'].flatMap(ns => json('get', 'pods', '--namespace', ns).items);
      const notReady = pods.filter(p => p.status.phase !== 'Running' || !p.status.conditions?.some((c: Live) => c.type === 'Ready' && c.status === 'True'));
      expect(notReady.map(p => p.metadata.name)).toEqual([]);
      // Where each DaemonSet of the output runs, from the shape: node-exporter on every node (it tolerates every
      // taint), every other one (longhorn-manager) only on the nodes without kubeadm's control-plane taint.
      const all = CLUSTER_SHAPES[shape].map(n => n.name).sort();
      const untainted = CLUSTER_SHAPES[shape].filter(n => n.role !== NodeRole.CONTROL_PLANE).map(n => n.name).sort();
      const objects = readOutputDir(path.join(work, 'dist', 'lab')).flatMap(f => f.objects);
      const daemonSets = objects.filter(o => o.kind === 'DaemonSet').map(o => o.metadata.name);
      expect(daemonSets).toContain('kube-prometheus-stack-prometheus-node-exporter');
      const nodesOf = (owner: string) => pods.filter(p => p.metadata.ownerReferences?.[0]?.name === owner).map(p => p.spec.nodeName).sort();
      for (const name of daemonSets) {
        expect([name, nodesOf(name)]).toEqual([name, name === 'kube-prometheus-stack-prometheus-node-exporter' ? all : untainted]);
      }
      // and no more pods than the output asks for: its Deployments' replicas, those DaemonSet pods, and the pods of
      // the StatefulSets the operator makes for Prometheus and Alertmanager
      const replicas = (kinds: string[]) => objects.filter(o => kinds.includes(o.kind)).reduce((n, o) => n + ((o.spec as Live)?.replicas ?? 1), 0);
      const daemonSetPods = daemonSets.reduce((n, name) => n + nodesOf(name).length, 0);
      expect(pods.length).toBe(replicas(['Deployment']) + replicas(['Prometheus', 'Alertmanager']) + daemonSetPods);
      const tainted = new Set(CLUSTER_SHAPES[shape].filter(n => n.role === NodeRole.CONTROL_PLANE).map(n => n.name));
      expect(pods.filter(p => tainted.has(p.spec.nodeName) && p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet').map(p => p.metadata.name)).toEqual([]);
    });

    test(`the Longhorn class holds ${replicas} replica(s), and Prometheus' claim is Bound`, () => {
      const storageClass = json('get', 'storageclass', 'longhorn-prometheus');
      expect(storageClass.parameters.numberOfReplicas).toBe(String(replicas));
      const claims: Live[] = json('get', 'pvc', '--namespace', 'monitoring').items;
      expect(claims.map(c => [c.status.phase, c.spec.storageClassName])).toEqual([['Bound', 'longhorn-prometheus']]);
    });
  });
}
