// From the install guide's cluster to this project, on a fresh control plane of its own (Kubernetes 1.35: etcd,
// kube-apiserver, controller-manager and scheduler built by the harness; 1 tainted control plane + 2 workers simulated
// by kwok, which makes placed pods Running and Ready and completes Job pods; no container runs; the real
// prometheus-operator runs for each operator Deployment; a stand-in provisioner gives Longhorn claims their volumes).
// The guide's cluster is made the guide's way, for real:
//   - Longhorn 1.6.2 with a client-side `kubectl apply -f longhorn.yaml`, the file rendered as Longhorn's own
//     deploy/longhorn.yaml is (helm template --no-hooks, its Namespace first);
//   - `helm install kube-prom-stack <chart> -n monitoring --create-namespace --values values.yaml` with the pinned
//     helm 4.1.4 and the guide's values (test/fixtures/guide/values.yaml), hooks and all.
// Then the project takes it over: import-values, synth, deploy (stops, saying --adopt), deploy --adopt, and the checks of
// issue "From the guide's cluster": no drift, nothing changed by a second deploy, the Prometheus claim kept, no Helm
// release left, no second operator, Grafana or Prometheus; then Longhorn 1.6.2 → 1.7.3 through the upgrade guard.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubeManifest } from '../lib/render/manifest-parse';
import { helmBinary } from '../lib/render/tools';
import { runCli } from './support/cli';
import { ControlPlane, formatStopReport, KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS } from './support/control-plane';
import { ClusterUser } from './support/deployed';
import { describeWithControlPlane, eventually, SHARED_CONTROL_PLANE_TIMEOUT_MS } from './support/shared-control-plane';

const STEP_TIMEOUT_MS = 300_000;
const CHARTS = path.resolve(process.env.CDK8S_CHARTS_DIR ?? 'charts');
const RELEASE = 'kube-prom-stack';
/** What the guide's release names its Prometheus claim: the operator's StatefulSet claim of the release's Prometheus. */
const CLAIM = 'prometheus-kube-prom-stack-kube-prome-prometheus-db-prometheus-kube-prom-stack-kube-prome-prometheus-0';

describeWithControlPlane('the install guide\'s cluster (kubectl apply of Longhorn 1.6.2, helm install of kube-prometheus-stack), taken over with deploy --adopt', () => {
  let controlPlane: ControlPlane;
  let user: ClusterUser;
  let work: string;
  beforeAll(async () => {
    controlPlane = await ControlPlane.start();
    await controlPlane.ready();
    await controlPlane.simulateCluster(KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS);
    user = new ClusterUser(controlPlane);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'adoption-'));
  }, SHARED_CONTROL_PLANE_TIMEOUT_MS);
  afterAll(() => {
    if (controlPlane) process.stderr.write(`${formatStopReport(controlPlane.stop())}\n`);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const kubectl = (args: readonly string[], input?: string) => user.kubectl(args, input);
  const json = (args: readonly string[]) => user.json(args);
  const cli = (command: 'deploy' | 'diff', outdir: string, ...args: string[]) => user.cli(command, outdir, ...args);
  function helm(args: readonly string[]) {
    const result = spawnSync(helmBinary(), [...args, '--kubeconfig', controlPlane.kubeconfig], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * The guide user's app: `import-values values.yaml` as they run it (the CLI), then synthesized as they do (the CLI's
   * synth of that main.ts). The app imports 'cdk8s-monitoring-stack', which resolves here to this checkout's lib/.
   */
  function importedApp(): string {
    const app = path.join(work, 'app');
    const shim = path.join(app, 'node_modules', 'cdk8s-monitoring-stack');
    fs.mkdirSync(shim, { recursive: true });
    fs.writeFileSync(path.join(shim, 'index.js'), `module.exports = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))});\n`);
    const imported = runCli(['import-values', path.join(__dirname, 'fixtures', 'guide', 'values.yaml'), '--release', RELEASE, '--namespace', 'monitoring',
      '--longhorn-version', '1.6.2', '--out', path.join(app, 'main.ts')]);
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain('note: grafana.adminPassword: not copied');
    return path.join(app, 'main.ts');
  }
  function synth(name: string, mainTs: string): string {
    const outdir = path.join(work, name);
    const run = runCli(['synth', '--app', mainTs, '--outdir', outdir], { env: { NODE_PATH: path.join(__dirname, '..', 'node_modules') } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return outdir;
  }

  describe('the guide\'s cluster', () => {
    test('Longhorn 1.6.2 goes on with a client-side kubectl apply of its manifest', () => {
      const rendered = helm(['template', 'longhorn', path.join(CHARTS, 'longhorn-1.6.2.tgz'), '--namespace', 'longhorn-system', '--no-hooks']);
      expect(rendered.status).toBe(0);
      const manifest = path.join(work, 'longhorn.yaml');
      fs.writeFileSync(manifest, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: longhorn-system\n---\n${rendered.stdout}`);
      const applied = kubectl(['apply', '-f', manifest]);
      // (the API server warns about a format in Longhorn 1.6.2's CRD schemas it does not know: a warning, not an error)
      expect(applied.stderr.split('\n').filter(l => l && !l.startsWith('Warning: '))).toEqual([]);
      expect(applied.status).toBe(0);
      const manager = json(['get', 'daemonset', 'longhorn-manager', '--namespace', 'longhorn-system', '--show-managed-fields']);
      expect(manager.metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain('kubectl-client-side-apply');
      // Simulated: longhorn-manager (which no container runs here) makes the `longhorn` StorageClass from this ConfigMap;
      // the guide's Prometheus claim names that class, and the operator checks that it exists.
      const storageClass = json(['get', 'configmap', 'longhorn-storageclass', '--namespace', 'longhorn-system']).data['storageclass.yaml'];
      expect(kubectl(['create', '-f', '-'], storageClass).status).toBe(0);
    }, STEP_TIMEOUT_MS);

    test('kube-prometheus-stack goes on with helm install and the guide\'s values; the operator makes Prometheus and its claim', async () => {
      const installed = helm(['install', RELEASE, path.join(CHARTS, 'kube-prometheus-stack-88.5.3.tgz'), '--namespace', 'monitoring', '--create-namespace',
        '--values', path.join(__dirname, 'fixtures', 'guide', 'values.yaml'), '--timeout', '8m']);
      expect(installed.stderr.split('\n').filter(l => l && !/^(W\d{4}|level=WARN)/.test(l))).toEqual([]);
      expect(installed.status).toBe(0);
      expect(helm(['list', '--namespace', 'monitoring', '--short']).stdout.trim()).toBe(RELEASE);
      await eventually('the operator made no Prometheus claim', 180_000, () => (kubectl(['get', 'pvc', CLAIM, '--namespace', 'monitoring', '-o', 'name']).status === 0 ? true : undefined));
      // helm waits for the chart's hook Jobs (the admission webhook's certificate), which kwok completes: minutes on 2 busy cores
    }, 2 * STEP_TIMEOUT_MS);
  });

  describe('taken over', () => {
    let outdir: string;
    let claimUid: string;
    let mainTs: string;
    beforeAll(() => {
      mainTs = importedApp();
      outdir = synth('adopt', mainTs);
      claimUid = json(['get', 'pvc', CLAIM, '--namespace', 'monitoring']).metadata.uid;
    }, STEP_TIMEOUT_MS);

    test('deploy without --adopt stops before applying anything, naming the release and the client-side apply, and says --adopt', () => {
      const run = cli('deploy', outdir);
      expect(run.status).not.toBe(0);
      expect(run.output).toContain(`nothing was applied: this cluster already has the Helm release '${RELEASE}' in monitoring (kube-prometheus-stack-88.5.3, revision 1)`);
      expect(run.output).toMatch(/object\(s\) made with a client-side kubectl apply \(.*longhorn-system/);
      expect(run.output).toContain('npm run deploy -- --adopt');
      expect(kubectl(['get', 'storageclass', 'longhorn-prometheus', '--ignore-not-found', '-o', 'name']).stdout).toBe('');
    }, STEP_TIMEOUT_MS);

    test('deploy --adopt takes everything over, removes the release webhooks and, at the end, the release record', () => {
      const run = cli('deploy', outdir, '--adopt');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`adopt: Helm release '${RELEASE}' in monitoring (kube-prometheus-stack-88.5.3, revision 1)`);
      expect(run.stdout).toMatch(/adopt: deleted ValidatingWebhookConfiguration kube-prom-stack-kube-prome-admission: it sends objects to the release's admission webhook/);
      expect(run.stdout).toMatch(/adopt: applied \d+ object\(s\) over their earlier managers' \(helm, kubectl-client-side-apply\)/);
      expect(run.stdout).toContain(`adopt: removed the record of the Helm release '${RELEASE}' in monitoring (sh.helm.release.v1.${RELEASE}.v1)`);
      expect(run.stdout.indexOf('adopt: removed the record')).toBeGreaterThan(run.stdout.indexOf('[1/'));
      expect(kubectl(['get', 'validatingwebhookconfigurations,mutatingwebhookconfigurations', '-o', 'name']).stdout).toBe('');
    }, STEP_TIMEOUT_MS);

    test('helm knows no release any more; no object keeps Helm\'s marks or kubectl\'s last-applied configuration', () => {
      expect(helm(['list', '--all-namespaces', '--short']).stdout.trim()).toBe('');
      const objects = ['deployments', 'daemonsets', 'services', 'configmaps', 'serviceaccounts', 'prometheuses.monitoring.coreos.com']
        .flatMap(kind => json(['get', kind, '--all-namespaces']).items as KubeManifest[])
        .filter(o => ['monitoring', 'longhorn-system'].includes(o.metadata.namespace!));
      const marked = objects.filter(o => o.metadata.annotations?.['meta.helm.sh/release-name'] || o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'Helm'
        || o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
      // the release's own objects the output does not have (its Grafana Secret, kubeadm's control-plane dashboards) keep
      // theirs: deploy left them alone, and said so
      const leftAlone = /^ConfigMap kube-prom-stack-kube-prome-(controller-manager|etcd|proxy|scheduler)$/;
      expect(marked.map(o => `${o.kind} ${o.metadata.name}`).filter(n => !leftAlone.test(n))).toEqual([]);
      expect(marked.length).toBe(4);
      expect(objects.length).toBeGreaterThan(30);
    });

    test('Prometheus keeps its claim: the same PersistentVolumeClaim, the same UID', async () => {
      expect(json(['get', 'pvc', CLAIM, '--namespace', 'monitoring']).metadata.uid).toBe(claimUid);
      // the operator reconciles the adopted Prometheus (its claim template now names longhorn-prometheus: a StatefulSet
      // made again, the claim, which no template change touches, kept)
      await eventually('the operator did not reconcile the adopted Prometheus', 120_000, () => {
        const prometheus = json(['get', 'prometheus', `${RELEASE}-kube-prome-prometheus`, '--namespace', 'monitoring']);
        return prometheus.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Reconciled' && c.status === 'True') ? true : undefined;
      });
      expect(json(['get', 'pvc', CLAIM, '--namespace', 'monitoring']).metadata.uid).toBe(claimUid);
    }, STEP_TIMEOUT_MS);

    test('no second operator, Grafana or Prometheus', () => {
      const names = (kind: string) => (json(['get', kind, '--all-namespaces']).items as KubeManifest[]).map(o => `${o.metadata.namespace}/${o.metadata.name}`).sort();
      expect(names('prometheuses.monitoring.coreos.com')).toEqual([`monitoring/${RELEASE}-kube-prome-prometheus`]);
      expect(names('alertmanagers.monitoring.coreos.com')).toEqual([`monitoring/${RELEASE}-kube-prome-alertmanager`]);
      const deployments = names('deployments');
      expect(deployments.filter(d => /operator|grafana/.test(d))).toEqual([`monitoring/${RELEASE}-grafana`, `monitoring/${RELEASE}-kube-prome-operator`]);
    });

    test('then npm run diff exits 0, and a second deploy changes nothing', () => {
      const diff = cli('diff', outdir);
      expect(diff.output).toContain('no changes: a deploy would change nothing');
      expect(diff.status).toBe(0);
      // a spec change bumps an object's generation (status updates by the controllers, still settling, do not);
      // objects without one (ConfigMaps, Services, StorageClasses) have no controller writing them: their resourceVersion
      const versions = () => ['deployments', 'daemonsets', 'services', 'configmaps', 'storageclasses', 'prometheuses.monitoring.coreos.com']
        .flatMap(kind => json(['get', kind, '--all-namespaces']).items as KubeManifest[])
        .map(o => {
          const meta = o.metadata as { generation?: number; resourceVersion?: string };
          return `${o.kind} ${o.metadata.namespace}/${o.metadata.name} ${meta.generation !== undefined ? `generation ${meta.generation}` : meta.resourceVersion}`;
        }).sort();
      const before = versions();
      const again = cli('deploy', outdir);
      expect(again.status).toBe(0);
      expect(again.stdout).not.toContain('adopt:');
      const after = versions();
      expect(after.filter(v => !before.includes(v))).toEqual([]);
    }, STEP_TIMEOUT_MS);

    test('Longhorn 1.6.2 → 1.7.3 passes the upgrade guard', () => {
      // the one line a person changes in the imported app
      fs.writeFileSync(mainTs, fs.readFileSync(mainTs, 'utf8').replace("longhornVersion: '1.6.2'", "longhornVersion: '1.7.3'"));
      const upgraded = synth('adopt-1.7.3', mainTs);
      const run = cli('deploy', upgraded);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('upgrade: Longhorn 1.6.2 → 1.7.3: one minor version, as Longhorn requires');
      expect(json(['get', 'daemonset', 'longhorn-manager', '--namespace', 'longhorn-system']).spec.template.spec.containers[0].image).toMatch(/longhorn-manager:v1\.7\.3$/);
    }, STEP_TIMEOUT_MS);
  });
});
