// The oldest supported Kubernetes minor, 1.28, for real: a control plane of its own (etcd + kube-apiserver,
// kube-controller-manager and kube-scheduler v1.28.15, built by the harness from the Go module proxy), with a
// kubeadm-shaped set of simulated nodes (1 tainted control plane + 2 workers; kwok makes placed pods Running and Ready,
// no container runs) and the real prometheus-operator. The run's shared control plane is the newest minor (1.35):
// deploy.integration.test.ts deploys the reference stack there; this file deploys it, made for 1.28, here.
//   1. the 1.28 API table (lib/render/kube-api/1.28.json) against the live 1.28 server's discovery;
//   2. output made for 1.35 is refused by deploy and diff before anything is applied, naming both versions;
//   3. the reference stack made for 1.28 deploys with 0 errors and 0 drift, every pod admitted and placed.
// deploy and diff run as `npm run` runs them (the CLI in a child process) with the pinned kubectl 1.35.2, seven minors
// ahead of this server: deploy says so, and works.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MonitoringApp, MonitoringStack, MonitoringStackProps } from '../lib';
import { readOutputDir } from '../lib/output/validation';
import { groupOf, isBuiltInGroup } from '../lib/render/kube-api';
import table from '../lib/render/kube-api/1.28.json';
import { discoveredKinds, serverVersion } from './support/api-discovery';
import { ControlPlane, formatStopReport, KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS } from './support/control-plane';
import { ClusterUser, everyPodPlaced, expectNoDrift } from './support/deployed';
import { describeWithControlPlane, eventually, SHARED_CONTROL_PLANE_TIMEOUT_MS } from './support/shared-control-plane';

const STEP_TIMEOUT_MS = 240_000;
const key = (k: { apiVersion: string; kind: string }) => `${k.apiVersion} ${k.kind}`;

describeWithControlPlane('Kubernetes 1.28, the oldest supported minor, on a real 1.28 control plane', () => {
  let controlPlane: ControlPlane;
  let user: ClusterUser;
  let work: string;
  beforeAll(async () => {
    controlPlane = await ControlPlane.start({ kubernetes: 'kubernetes-oldest' });
    await controlPlane.ready();
    await controlPlane.simulateCluster(KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS);
    user = new ClusterUser(controlPlane);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubernetes-oldest-'));
  }, SHARED_CONTROL_PLANE_TIMEOUT_MS);
  afterAll(() => {
    if (controlPlane) process.stderr.write(`${formatStopReport(controlPlane.stop())}\n`);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  function synth(name: string, props: MonitoringStackProps): string {
    const outdir = path.join(work, name);
    const app = new MonitoringApp({ outdir });
    new MonitoringStack(app, 'reference', props);
    app.synth();
    return outdir;
  }
  const cli = (command: 'deploy' | 'diff', outdir: string, ...args: string[]) => user.cli(command, outdir, ...args);
  const kubectl = (args: readonly string[]) => user.kubectl(args);
  const context = () => user.context;

  describe('lib/render/kube-api/1.28.json against the live server', () => {
    test('the server is 1.28', () => {
      expect(serverVersion(controlPlane)).toMatch(/^v1\.28\.\d+$/);
    });

    test('has every kind the server serves (its default API groups), with the same scope', () => {
      // Kubernetes' own groups (this file's first test: no CRD is installed yet, but that is this file's order's doing)
      const served = discoveredKinds(controlPlane).filter(s => isBuiltInGroup(groupOf(s.apiVersion)));
      const rows = new Map(table.kinds.map(k => [key(k), k.namespaced]));
      const missing = served.filter(s => !rows.has(key(s))).map(key);
      const differing = served.filter(s => rows.has(key(s)) && rows.get(key(s)) !== s.namespaced && !s.resource.includes('/')).map(key);
      expect({ missing: [...new Set(missing)], differing }).toEqual({ missing: [], differing: [] });
      expect(served.length).toBeGreaterThan(50);
    });

    test('every GA kind of the table is served (alpha and beta ones are off by default)', () => {
      const served = new Set(discoveredKinds(controlPlane).map(key));
      const ga = table.kinds.filter(k => /^(.*\/)?v\d+$/.test(k.apiVersion));
      expect(ga.filter(k => !served.has(key(k))).map(key)).toEqual([]);
      expect(ga.length).toBeGreaterThan(50);
    });
  });

  describe('output made for 1.35 (the default)', () => {
    let outdir: string;
    beforeAll(() => { outdir = synth('made-for-1.35', {}); }, STEP_TIMEOUT_MS);

    test('deploy stops before applying anything, naming both versions and the prop', () => {
      const run = cli('deploy', outdir, '--generate-grafana-admin-password');
      expect(run.status).not.toBe(0);
      expect(run.output).toContain(`was made for Kubernetes 1.35 but the cluster of context '${context()}' runs v1.28.15 (1.28)`);
      expect(run.output).toContain("set cluster.kubernetesVersion: '1.28' on the MonitoringStack");
      expect(kubectl(['get', 'namespace', 'monitoring', '--ignore-not-found', '-o', 'name']).stdout).toBe('');
      expect(kubectl(['get', 'crd', 'prometheuses.monitoring.coreos.com', '--ignore-not-found', '-o', 'name']).stdout).toBe('');
    }, STEP_TIMEOUT_MS);

    test('diff stops too, exit 2', () => {
      const run = cli('diff', outdir);
      expect(run.status).toBe(2);
      expect(run.output).toContain('was made for Kubernetes 1.35 but');
    }, STEP_TIMEOUT_MS);
  });

  describe('the reference stack made for 1.28', () => {
    let outdir: string;
    let folder: string;
    beforeAll(() => {
      outdir = synth('made-for-1.28', { cluster: { kubernetesVersion: '1.28' } });
      folder = path.join(outdir, 'reference');
    }, STEP_TIMEOUT_MS);

    test('its Namespaces enforce the 1.28 Pod Security rules', () => {
      const namespaces = readOutputDir(folder).flatMap(f => f.objects).filter(o => o.kind === 'Namespace');
      expect(namespaces.map(n => n.metadata.labels?.['pod-security.kubernetes.io/enforce-version'])).toEqual(['v1.28', 'v1.28']);
    });

    test('deploys in one command, with 0 errors, saying how far kubectl is from the server', () => {
      const run = cli('deploy', outdir, '--generate-grafana-admin-password');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('kubectl v1.35.2');
      expect(run.stdout).toMatch(/against server v1\.28\.15: warning: 7 minor versions apart/);
      expect(run.stdout).toContain('deployed ');
    }, STEP_TIMEOUT_MS);

    test('then shows no drift: npm run diff exits 0, and so does kubectl diff --server-side of the CRDs and namespaces', () => {
      expectNoDrift({
        diff: () => cli('diff', outdir),
        plainDiff: file => kubectl(['diff', '--server-side', '--field-manager=cdk8s-monitoring-stack', '-f', file]),
      }, folder);
    }, STEP_TIMEOUT_MS);

    test('every pod the controllers create is admitted by the 1.28 Pod Security rules and placed', async () => {
      expect((await everyPodPlaced(args => user.json(args), folder)).length).toBeGreaterThan(5);
    }, STEP_TIMEOUT_MS);

    test('the operator reconciles its Prometheus on 1.28: the StatefulSet exists', async () => {
      await eventually('the operator made no Prometheus StatefulSet', 120_000, () =>
        (kubectl(['get', 'statefulset', 'prometheus-kube-prometheus-stack-prometheus', '--namespace', 'monitoring', '-o', 'name']).status === 0 ? true : undefined));
    }, STEP_TIMEOUT_MS);
  });
});
