// `npm run deploy` and `npm run diff` against the run's real Kubernetes 1.35 control plane, with the controller-manager,
// the scheduler and a kubeadm-shaped set of simulated nodes (1 tainted control plane + 2 workers; kwok makes placed pods
// Running and Ready, no container runs), and the real prometheus-operator. Phases run in order in this one file: stacks
// share cluster-scoped objects (CRDs, ClusterRoles), and Longhorn versions must follow the upgrade guard, so no two
// stacks are on the cluster at once.
//   1. the reference cluster (Longhorn 1.12.1) on a fresh cluster: one command, no drift, every pod admitted and placed;
//      then its objects and CRDs are removed (its namespaces stay: deleting them waits on the namespace controller);
//   2. stack 'lab' (Argo CD annotations, namespaces of its own): Longhorn 1.6.2 fresh with --wait; 1.12.1 refused by
//      the guard; 1.7.3 through it with --wait, with diff 1 before and 0 after; an Ingress pruned when the exposure goes back to a NodePort.
// deploy and diff run as `npm run` runs them (the CLI in a child process) with the pinned kubectl 1.35.2.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitOpsTool, LonghornVersion, MonitoringApp, MonitoringStack, MonitoringStackProps, ServiceExposure } from '../lib';
import { readOutputDir } from '../lib/output/validation';
import { PARENT_CRD, stackApplySetId } from '../lib/commands/applyset';
import { KubeManifest } from '../lib/render/manifest-parse';
import { ControlPlane, KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS, NodeRole } from './support/control-plane';
import { ClusterUser, everyPodPlaced, expectNoDrift, Pod } from './support/deployed';
import { describeWithControlPlane, eventually, SHARED_CONTROL_PLANE_TIMEOUT_MS, sharedControlPlane } from './support/shared-control-plane';

const STEP_TIMEOUT_MS = 240_000;
/** The namespaces of stack 'lab'. */
const LAB = { longhorn: 'lab-longhorn', monitoring: 'lab-monitoring' };

describeWithControlPlane('deploy, diff, prune and the upgrade guard on a real Kubernetes 1.35 control plane', () => {
  let controlPlane: ControlPlane;
  let user: ClusterUser;
  let work: string;
  let context: string;
  beforeAll(async () => {
    controlPlane = await sharedControlPlane();
    await controlPlane.simulateCluster(KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS);
    user = new ClusterUser(controlPlane);
    context = user.context;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-integration-'));
  }, SHARED_CONTROL_PLANE_TIMEOUT_MS);
  afterAll(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

  /** Synthesizes one stack into a folder of its own and returns the output folder. */
  function synth(name: string, id: string, props: MonitoringStackProps): string {
    const outdir = path.join(work, name);
    const app = new MonitoringApp({ outdir });
    new MonitoringStack(app, id, props);
    app.synth();
    return outdir;
  }

  const cli = (command: 'deploy' | 'diff', outdir: string, ...args: string[]) => user.cli(command, outdir, ...args);
  const kubectl = (args: readonly string[], input?: string) => user.kubectl(args, input);
  const json = (args: readonly string[]) => user.json(args);

  /** `kubectl diff --server-side` of one file as a person runs it: exit 0 is no drift. */
  function plainDiff(file: string) {
    return kubectl(['diff', '--server-side', '--field-manager=cdk8s-monitoring-stack', '-f', file]);
  }

  /** The live members of a stack's ApplySet, as `Kind namespace/name`. */
  function members(stack: string, kinds: string): string[] {
    const items = json(['get', kinds, '--all-namespaces', `--selector=applyset.kubernetes.io/part-of=${stackApplySetId(stack)}`]).items as KubeManifest[];
    return items.map(o => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
  }

  const podsIn = (namespaces: readonly string[]) => namespaces.flatMap(ns => json(['get', 'pods', '--namespace', ns]).items as Pod[]);

  describe('the reference cluster (Longhorn 1.12.1) on a fresh cluster', () => {
    let outdir: string;
    let folder: string;
    beforeAll(() => {
      outdir = synth('reference', 'reference', {});
      folder = path.join(outdir, 'reference');
    }, STEP_TIMEOUT_MS);

    test('deploys in one command, creating the Grafana Secret from a generated password it does not print', () => {
      const run = cli('deploy', outdir, '--generate-grafana-admin-password');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('kubectl v1.35.2');
      // the pinned kubectl 1.35.2 against the harness's 1.35 server: within kubectl's supported skew, no warning
      expect(run.stdout).toMatch(/against server v1\.35\.\d+\n/);
      expect(run.stdout).toContain(`created Secret monitoring/grafana-admin with user 'admin' and the password from a random password; read it with: kubectl --context ${context} --namespace monitoring get secret grafana-admin --output=jsonpath='{.data.admin-password}' | base64 -d`);
      const secret = json(['get', 'secret', 'grafana-admin', '--namespace', 'monitoring']);
      const password = Buffer.from(secret.data['admin-password'], 'base64').toString();
      expect(password).toHaveLength(32);
      expect(run.output).not.toContain(password);
      expect(run.stdout).toContain('deployed ');
    }, STEP_TIMEOUT_MS);

    test('then shows no drift: npm run diff exits 0, and so does kubectl diff --server-side of the CRDs and namespaces', () => {
      expectNoDrift({ diff: () => cli('diff', outdir), plainDiff }, folder);
    }, STEP_TIMEOUT_MS);

    test('every pod the controllers create is admitted by Pod Security and placed; only DaemonSet pods on the control plane', async () => {
      const pods = await everyPodPlaced(json, folder);
      const onControlPlane = pods.filter(p => p.spec.nodeName === KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS.find(n => n.role === NodeRole.CONTROL_PLANE)!.name);
      expect(onControlPlane.length).toBeGreaterThan(0);
      expect(onControlPlane.filter(p => p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet').map(p => p.metadata.name)).toEqual([]);
      const perDaemonSet = (name: string) => pods.filter(p => p.metadata.ownerReferences?.[0]?.name === name).map(p => p.spec.nodeName).sort();
      expect(perDaemonSet('kube-prometheus-stack-prometheus-node-exporter')).toEqual(['cp-1', 'worker-1', 'worker-2']);
      expect(perDaemonSet('longhorn-manager')).toEqual(['worker-1', 'worker-2']);
    }, STEP_TIMEOUT_MS);

    test('Pod Security admission is on: the same longhorn-manager pod is refused in a namespace that enforces baseline', () => {
      const manager = readOutputDir(folder).flatMap(f => f.objects).find(o => o.kind === 'DaemonSet' && o.metadata.name === 'longhorn-manager')!;
      const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'baseline-check', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } };
      expect(kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(namespace)).status).toBe(0);
      const podSpec = (manager.spec as { template: { spec: { serviceAccountName: string } } }).template.spec;
      // ServiceAccount admission (mutating) runs before Pod Security (validating): the pod's account must exist there
      const account = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: podSpec.serviceAccountName, namespace: 'baseline-check' } };
      expect(kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(account)).status).toBe(0);
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'manager', namespace: 'baseline-check' }, spec: podSpec };
      const refused = kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('violates PodSecurity "baseline:latest"');
      expect(kubectl(['delete', 'namespace', 'baseline-check', '--wait=false']).status).toBe(0);
    });

    test('is removed again (but for its namespaces), so the next stack starts from a fresh cluster', async () => {
      const stack = ['0002-longhorn', '0003-storage', '0004-monitoring'].flatMap(f => ['-f', path.join(folder, `${f}.k8s.yaml`)]);
      // orphan the controllers' objects and force their pods away: without a kubelet, no pod ever finishes terminating
      expect(kubectl(['delete', ...stack, '--cascade=orphan', '--ignore-not-found', '--wait=false']).status).toBe(0);
      for (const ns of ['longhorn-system', 'monitoring']) {
        // the guard must not find the old longhorn-manager, and no workload may make new pods
        expect(kubectl(['wait', '--for=delete', 'deployments,daemonsets', '--all', '--namespace', ns, '--timeout=60s']).status).toBe(0);
        expect(kubectl(['delete', 'replicasets,controllerrevisions', '--all', '--namespace', ns, '--cascade=orphan']).status).toBe(0);
        expect(kubectl(['delete', 'pods', '--all', '--namespace', ns, '--force', '--grace-period=0']).status).toBe(0);
      }
      expect(kubectl(['delete', 'monitoringstacks.cdk8s-monitoring-stack.internal', 'reference']).status).toBe(0);
      expect(kubectl(['delete', '-f', path.join(folder, '0000-crds.k8s.yaml'), '--timeout=120s']).status).toBe(0);
      await eventually('the Longhorn CRDs were not gone', 60_000, () => (kubectl(['get', 'crd', 'volumes.longhorn.io', '--ignore-not-found', '-o', 'name']).stdout === '' ? true : undefined));
    }, STEP_TIMEOUT_MS);
  });

  describe("stack 'lab' (Argo CD annotations): Longhorn 1.6.2, the guard, 1.7.3, prune", () => {
    const props = (longhornVersion: string, extra: MonitoringStackProps = {}): MonitoringStackProps => ({
      longhornVersion,
      longhornNamespace: LAB.longhorn,
      monitoringNamespace: LAB.monitoring,
      gitOps: { tool: GitOpsTool.ARGO_CD, repoUrl: 'https://git.example.com/ops/lab.git' },
      ...extra,
    });

    test('Longhorn 1.6.2 deploys on a fresh cluster with the password from a file, skipping the GitOps bootstrap, and shows no drift', () => {
      const outdir = synth('lab-1.6.2', 'lab', props(LonghornVersion.V1_6_2));
      expect(fs.existsSync(path.join(outdir, 'lab.gitops.k8s.yaml'))).toBe(true);
      const password = path.join(work, 'password');
      fs.writeFileSync(password, 'a password from a file\n');
      const run = cli('deploy', outdir, '--grafana-admin-password-file', password, '--wait', '--timeout', '8m');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).not.toContain('gitops');
      expect(run.stdout).toMatch(/ready: DaemonSet lab-longhorn\/longhorn-manager\b/);
      expect(run.stdout).toMatch(/ready: Prometheus lab-monitoring\/kube-prometheus-stack-prometheus\b/);
      const secret = json(['get', 'secret', 'grafana-admin', '--namespace', LAB.monitoring]);
      expect(Buffer.from(secret.data['admin-password'], 'base64').toString()).toBe('a password from a file');
      expect(json(['get', 'deployment', 'kube-prometheus-stack-operator', '--namespace', LAB.monitoring]).metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('3');
      expect(json(['get', 'daemonset', 'longhorn-manager', '--namespace', LAB.longhorn]).spec.template.spec.containers[0].image).toMatch(/longhorn-manager:v1\.6\.2$/);

      const diff = cli('diff', outdir);
      expect(diff.output).toContain('no changes: a deploy would change nothing');
      expect(diff.status).toBe(0);
      for (const file of ['0000-crds.k8s.yaml', '0001-namespaces.k8s.yaml']) {
        expect([file, plainDiff(path.join(outdir, 'lab', file)).status]).toEqual([file, 0]);
      }
      // a plain kubectl diff of a pruned file differs only by the set's label, which the files do not carry
      const storage = plainDiff(path.join(outdir, 'lab', '0003-storage.k8s.yaml'));
      // (the class has no other label, so its labels map goes too)
      expect(storage.stdout.split('\n').filter(l => /^[-+]\s/.test(l))).toEqual(['-  labels:', expect.stringMatching(/^-\s+applyset\.kubernetes\.io\/part-of: applyset-\S+-v1$/)]);
      expect(storage.status).toBe(1);
    }, STEP_TIMEOUT_MS);

    test('1.6.2 → 1.12.1 is refused before anything is applied, naming the path', () => {
      const outdir = synth('lab-1.12.1', 'lab', props(LonghornVersion.V1_12_1));
      const run = cli('deploy', outdir);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('deploy failed: the upgrade guard stops this deploy; nothing was applied:');
      expect(run.stderr).toContain('Longhorn 1.6.2 runs (DaemonSet lab-longhorn/longhorn-manager) and the output has 1.12.1 (0002-longhorn.k8s.yaml: DaemonSet lab-longhorn/longhorn-manager)');
      expect(run.stderr).toContain('Upgrade path: 1.6 → 1.7 → 1.8 → 1.9 → 1.10 → 1.11 → 1.12, one deploy each');
      expect(run.stderr).toContain("1. longhornVersion: '1.7.3', then npm run synth && npm run deploy");
      expect(run.stderr).toContain('--force skips this check');
      expect(run.stdout).not.toContain('[1/');
      expect(json(['get', 'daemonset', 'longhorn-manager', '--namespace', LAB.longhorn]).spec.template.spec.containers[0].image).toMatch(/:v1\.6\.2$/);
    }, STEP_TIMEOUT_MS);

    test('1.6.2 → 1.7.3 passes the guard: diff exits 1 before the deploy and 0 after it', () => {
      const outdir = synth('lab-1.7.3', 'lab', props(LonghornVersion.V1_7_3));
      const before = cli('diff', outdir);
      expect(before.status).toBe(1);
      expect(before.stdout).toMatch(/longhorn-manager:v1\.7\.3/);

      const run = cli('deploy', outdir, '--wait', '--timeout', '8m');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('upgrade: Longhorn 1.6.2 → 1.7.3: one minor version, as Longhorn requires.');
      expect(run.stdout).toMatch(/ready: DaemonSet lab-longhorn\/longhorn-manager\b/);
      expect(json(['get', 'daemonset', 'longhorn-manager', '--namespace', LAB.longhorn]).spec.template.spec.containers[0].image).toMatch(/:v1\.7\.3$/);

      const after = cli('diff', outdir);
      expect(after.output).toContain('no changes: a deploy would change nothing');
      expect(after.status).toBe(0);
    }, STEP_TIMEOUT_MS);

    test('prune: Grafana behind an Ingress, then back on a NodePort: the Ingress is gone, nothing else; the Secrets and the controllers\' objects stay', async () => {
      const kinds = [...new Set(readOutputDir(path.join(work, 'lab-1.7.3', 'lab')).flatMap(f => f.objects)
        .filter(o => !['CustomResourceDefinition', 'Namespace'].includes(o.kind)).map(o => `${o.kind}${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}`)), 'Ingress.networking.k8s.io'].join(',');
      const withIngress = synth('lab-ingress', 'lab', props(LonghornVersion.V1_7_3, { grafanaService: ServiceExposure.ingress({ host: 'grafana.lab.example.com' }) }));
      const deployed = cli('deploy', withIngress);
      expect(deployed.stderr).toBe('');
      expect(deployed.status).toBe(0);
      expect(members('lab', kinds)).toContain('Ingress lab-monitoring/kube-prometheus-stack-grafana');

      // what the user and the controllers made, which no prune may touch
      expect(kubectl(['create', 'secret', 'generic', 'my-own', '--namespace', LAB.monitoring, '--from-literal=token=x']).status).toBe(0);
      await eventually('the pods were not all placed', 120_000, () => {
        const pods = podsIn([LAB.longhorn, LAB.monitoring]);
        return pods.length > 0 && pods.every(p => p.spec.nodeName) ? pods : undefined;
      });
      const uids = (kind: string): string[] => json(['get', kind, '--all-namespaces']).items.map((o: KubeManifest) => o.metadata.uid as string);
      const controllersBefore = [...uids('replicasets'), ...uids('controllerrevisions'), ...uids('endpointslices')];
      const membersBefore = members('lab', kinds);

      const nodePort = synth('lab-nodeport', 'lab', props(LonghornVersion.V1_7_3));
      const diff = cli('diff', nodePort);
      expect(diff.status).toBe(1);
      expect(diff.stdout).toContain('- Ingress lab-monitoring/kube-prometheus-stack-grafana: would be pruned');

      const run = cli('deploy', nodePort);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('prune: Ingress lab-monitoring/kube-prometheus-stack-grafana');
      expect(run.stdout).toMatch(/ingress\.networking\.k8s\.io\/kube-prometheus-stack-grafana pruned/);
      expect(kubectl(['get', 'ingress', '--namespace', LAB.monitoring, '-o', 'name']).stdout).toBe('');
      expect(members('lab', kinds)).toEqual(membersBefore.filter(m => m !== 'Ingress lab-monitoring/kube-prometheus-stack-grafana'));
      expect(json(['get', 'service', 'kube-prometheus-stack-grafana', '--namespace', LAB.monitoring]).spec.type).toBe('NodePort');
      for (const name of ['grafana-admin', 'my-own']) expect(kubectl(['get', 'secret', name, '--namespace', LAB.monitoring, '-o', 'name']).stdout).toBe(`secret/${name}\n`);
      // a rollout may add a ReplicaSet and replace pods, but nothing the controllers made is deleted by the prune
      const controllersAfter = new Set([...uids('replicasets'), ...uids('controllerrevisions'), ...uids('endpointslices')]);
      expect(controllersBefore.filter(uid => !controllersAfter.has(uid))).toEqual([]);
      expect(run.stdout.split('\n').filter(l => / pruned$/.test(l.trim()))).toEqual(['  ingress.networking.k8s.io/kube-prometheus-stack-grafana pruned']);
      expect(kubectl(['get', 'customresourcedefinition', PARENT_CRD.metadata.name, '-o', 'name']).status).toBe(0);
    }, STEP_TIMEOUT_MS);
    test('the cluster grows from 2 to 3 workers: diff shows the StorageClass replaced, deploy replaces it, Prometheus keeps its claim', () => {
      const claim = 'prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-0';
      const claimUid = json(['get', 'pvc', claim, '--namespace', LAB.monitoring]).metadata.uid;
      const classUid = json(['get', 'storageclass', 'longhorn-prometheus']).metadata.uid;
      const grown = synth('lab-3-workers', 'lab', props(LonghornVersion.V1_7_3, { cluster: { workerNodes: 3 } }));
      const diff = cli('diff', grown);
      expect(diff.status).toBe(1);
      expect(diff.stdout).toContain("~ StorageClass longhorn-prometheus must be replaced, as Kubernetes forbids changing parameters in place (parameters.numberOfReplicas: '2' → '3')");

      const run = cli('deploy', grown);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('replacing StorageClass longhorn-prometheus must be replaced');
      const replaced = json(['get', 'storageclass', 'longhorn-prometheus']);
      expect(replaced.parameters.numberOfReplicas).toBe('3');
      expect(replaced.metadata.uid).not.toBe(classUid);
      // the claim made from the old class is the same object, with its volume
      expect(json(['get', 'pvc', claim, '--namespace', LAB.monitoring]).metadata.uid).toBe(claimUid);
      expect(cli('diff', grown).status).toBe(0);

      // and back to 2 workers, as the later files of the run (which apply the reference class) expect
      const back = cli('deploy', synth('lab-2-workers', 'lab', props(LonghornVersion.V1_7_3)));
      expect(back.status).toBe(0);
      expect(back.stdout).toContain("(parameters.numberOfReplicas: '3' → '2')");
      expect(json(['get', 'storageclass', 'longhorn-prometheus']).parameters.numberOfReplicas).toBe('2');
    }, STEP_TIMEOUT_MS);
  });
});
