import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { AlertDelivery, BackupStore, LonghornVersion, MonitoringApp, MonitoringStack, MonitoringStackProps, Receiver, SecretKey, Severity } from '../lib';
import { readOutputDir } from '../lib/output/validation';
import { applySetId, PARENT_CRD, stackApplySetId } from '../lib/commands/applyset';
import { deploy, failedObjects, notPruned, readStack, stackFolder, stepCommand } from '../lib/commands/deploy';
import { diff, DiffResult } from '../lib/commands/diff';
import { servedCustomKinds } from '../lib/commands/adopt';
import { ensureSecretNote } from '../lib/commands/required-secrets';
import { commandLine, describeSkew, KubectlResult, KubectlRunner, requireApplySetSupport } from '../lib/commands/kubectl';
import { checkUpgrade, targetVersions, versionOfImage } from '../lib/commands/upgrade-guard';
import { applyPlan, requiredSecrets, StepAction } from '../lib/commands/apply-plan';
import { KubeManifest } from '../lib/render/manifest-parse';

/** A kubectl that answers from a script and records every call (arguments and standard input). */
class ScriptedKubectl implements KubectlRunner {
  public readonly calls: Array<{ args: string[]; input?: string }> = [];
  constructor(private readonly answer: (args: string[], input?: string) => Partial<KubectlResult> | undefined = () => undefined, public readonly context = 'lab') {}
  public run(args: readonly string[], input?: string): KubectlResult {
    this.calls.push({ args: [...args], input });
    return { status: 0, stdout: '', stderr: '', ...(this.answer([...args], input) ?? defaultAnswer([...args])) };
  }
  /** The calls as command lines. */
  public get lines(): string[] {
    return this.calls.map(c => c.args.join(' '));
  }
}

/** A fresh 1.35 cluster (the minor the reference output is made for): nothing installed, everything applies. */
function defaultAnswer(args: string[]): Partial<KubectlResult> {
  if (args[0] === 'version') return { stdout: versionAnswer('v1.35.4') };
  if (args[0] === 'get' && args[1] === 'daemonsets') return { stdout: JSON.stringify({ items: [] }) };
  return {};
}

/** What `kubectl version -o json` prints against a server of `server`. */
const versionAnswer = (server: string) => JSON.stringify({ clientVersion: { gitVersion: 'v1.35.2' }, serverVersion: { gitVersion: server } });

/** What deploy's look-up of a Secret prints for the reference stack's Grafana admin Secret: found, then its keys. */
const GRAFANA_SECRET_FOUND = 'found\nadmin-password\nadmin-user\n';
const longhornManager = (image: string) => JSON.stringify({ items: [{ metadata: { name: 'longhorn-manager', namespace: 'longhorn-system' }, spec: { template: { spec: { containers: [{ name: 'longhorn-manager', image }] } } } }] });

describe('deploy (npm run deploy)', () => {
  let work: string;
  let outdir: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-'));
    outdir = path.join(work, 'dist');
    const app = new MonitoringApp({ outdir });
    new MonitoringStack(app, 'reference');
    app.synth();
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const plan = () => applyPlan(readOutputDir(path.join(outdir, 'reference')), 'dist/reference', 'reference');

  test('plan: CRDs and the ApplySet parent type server-side, wait, namespaces, the Grafana Secret, the parent, the rest with prune, the record', () => {
    expect(plan().map(s => s.input === undefined ? commandLine(s.kubectl) : `${commandLine(s.kubectl)} <<${s.objects.map(o => o.kind).join(',')}`)).toEqual([
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f dist/reference/0000-crds.k8s.yaml',
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f - <<CustomResourceDefinition',
      'kubectl wait --for=condition=Established --timeout=120s -f dist/reference/0000-crds.k8s.yaml',
      'kubectl wait --for=condition=Established --timeout=120s customresourcedefinition/monitoringstacks.cdk8s-monitoring-stack.internal',
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f dist/reference/0001-namespaces.k8s.yaml',
      'kubectl get secret grafana-admin --namespace monitoring --ignore-not-found --output=name',
      'kubectl apply --server-side --field-manager=kubectl-applyset -f - <<MonitoringStack',
      'KUBECTL_APPLYSET=true kubectl apply --server-side --field-manager=cdk8s-monitoring-stack --prune --applyset=monitoringstacks.cdk8s-monitoring-stack.internal/reference '
        + '-f dist/reference/0002-longhorn.k8s.yaml -f dist/reference/0003-storage.k8s.yaml -f dist/reference/0004-monitoring.k8s.yaml',
      'kubectl annotate --overwrite monitoringstacks.cdk8s-monitoring-stack.internal/reference cdk8s-monitoring-stack.internal/namespaces=longhorn-system,monitoring '
        + `cdk8s-monitoring-stack.internal/customresourcedefinitions=${readOutputDir(path.join(outdir, 'reference'))[0].objects.map(o => o.metadata.name).join(',')}`,
    ]);
  });

  test('the pruned set holds neither CRDs nor Namespaces: deleting one deletes everything of its kind or in it', () => {
    const prune = plan().find(s => s.action === StepAction.APPLY_AND_PRUNE)!;
    const files = readOutputDir(path.join(outdir, 'reference'));
    expect(prune.objects.length).toBe(files.slice(2).reduce((n, f) => n + f.objects.length, 0)); // every object of 0002-0004

    expect(prune.objects.filter(o => ['CustomResourceDefinition', 'Namespace'].includes(o.kind))).toEqual([]);
  });

  test('a Namespace inside another file is applied with the namespaces and kept out of the pruned set', () => {
    const ns: KubeManifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } };
    const cm: KubeManifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'apps' } };
    const steps = applyPlan([{ file: 'platform.k8s.yaml', objects: [ns, cm] }], 'dist', 'platform');
    expect(steps.find(s => s.title === 'apply the Namespaces of dist/platform.k8s.yaml')?.objects).toEqual([ns]);
    const prune = steps.find(s => s.action === StepAction.APPLY_AND_PRUNE)!;
    expect(prune.objects).toEqual([cm]);
    expect(prune.kubectl.slice(-2)).toEqual(['-f', '-']);
  });

  test('the README gives the same kubectl steps', () => {
    const section = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const step of plan().filter(s => s.input === undefined && s.action !== StepAction.ENSURE_SECRET && s.action !== StepAction.RECORD)) {
      expect(section).toContain(commandLine(step.kubectl).replace(/dist\/reference\/(\d{4})-[a-z]+\.k8s\.yaml/g, 'dist/reference/$1-*.k8s.yaml'));
    }
  });

  test('--dry-run prints each command, standard input as a here-document, and runs nothing', () => {
    const kubectl = new ScriptedKubectl();
    const log: string[] = [];
    deploy({ outdir, dryRun: true, kubectl, log: l => log.push(l), context: 'lab' });
    expect(kubectl.calls).toEqual([]);
    expect(log).toContain(`kubectl --context lab apply --server-side --field-manager=cdk8s-monitoring-stack -f - <<'EOF'\n${stepCommand(plan()[1]).split('\n').slice(1).join('\n')}`);
    expect(log.join('\n')).toContain('when missing: deploy creates it from --grafana-admin-password-file, GRAFANA_ADMIN_PASSWORD or --generate-grafana-admin-password');
  });

  test('fails when there is no output yet, saying to synthesize first', () => {
    expect(() => deploy({ outdir: path.join(work, 'nothing'), log: () => undefined, kubectl: new ScriptedKubectl() }))
      .toThrow(`${path.join(work, 'nothing')} does not exist: run 'npm run synth' (or npx cdk8s-monitoring synth) first`);
  });

  describe('on a fresh cluster', () => {
    test('runs every step in order, and creates the Grafana Secret from a password file, on standard input only', () => {
      const file = path.join(work, 'password');
      fs.writeFileSync(file, 'correct horse battery\n');
      const kubectl = new ScriptedKubectl();
      const log: string[] = [];
      deploy({ outdir, kubectl, passwordFile: file, env: {}, log: l => log.push(l) });
      const create = kubectl.calls.find(c => c.args[0] === 'create')!;
      expect(create.args).toEqual(['create', '--filename=-', '--output=name']);
      const secret = JSON.parse(create.input!);
      expect(secret.metadata).toMatchObject({ name: 'grafana-admin', namespace: 'monitoring' });
      expect(Buffer.from(secret.data['admin-password'], 'base64').toString()).toBe('correct horse battery');
      expect(Buffer.from(secret.data['admin-user'], 'base64').toString()).toBe('admin');
      expect(kubectl.lines.join('\n')).not.toContain('correct horse');
      expect(log.join('\n')).not.toContain('correct horse');
      expect(log).toContain(`created Secret monitoring/grafana-admin with user 'admin' and the password from the file ${file}; read it with: kubectl --context lab --namespace monitoring get secret grafana-admin --output=jsonpath='{.data.admin-password}' | base64 -d`);
      // the Secret is made after the namespaces and before anything that reads it
      const order = (pattern: RegExp) => kubectl.lines.findIndex(l => pattern.test(l));
      expect(order(/0001-namespaces/)).toBeLessThan(order(/^create /));
      expect(order(/^create /)).toBeLessThan(order(/0004-monitoring/));
      expect(kubectl.lines.filter(l => l.startsWith('apply') || l.startsWith('wait') || l.startsWith('annotate')))
        .toEqual(plan().filter(s => s.action !== StepAction.ENSURE_SECRET).map(s => s.kubectl.join(' ').replace(/dist\/reference/g, path.join(outdir, 'reference'))));
    });

    test('creates the Secret from GRAFANA_ADMIN_PASSWORD, or a generated password it never prints', () => {
      const fromEnv = new ScriptedKubectl();
      deploy({ outdir, kubectl: fromEnv, env: { GRAFANA_ADMIN_PASSWORD: 'from-the-environment' }, log: () => undefined });
      expect(Buffer.from(JSON.parse(fromEnv.calls.find(c => c.args[0] === 'create')!.input!).data['admin-password'], 'base64').toString()).toBe('from-the-environment');

      const generated = new ScriptedKubectl();
      const log: string[] = [];
      deploy({ outdir, kubectl: generated, env: {}, generate: true, user: 'root', log: l => log.push(l) });
      const secret = JSON.parse(generated.calls.find(c => c.args[0] === 'create')!.input!);
      const password = Buffer.from(secret.data['admin-password'], 'base64').toString();
      expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(Buffer.from(secret.data['admin-user'], 'base64').toString()).toBe('root');
      expect(log.join('\n')).not.toContain(password);
      expect(log.join('\n')).toContain("the password from a random password; read it with: kubectl --context lab --namespace monitoring get secret grafana-admin");
    });

    test('stops before applying anything when the Grafana Secret is missing and no password is given, listing the ways', () => {
      const kubectl = new ScriptedKubectl();
      expect(() => deploy({ outdir, kubectl, env: {}, log: () => undefined })).toThrow(
        'Secret monitoring/grafana-admin does not exist, and Grafana reads its admin user and password from it (the output never holds the password). Give deploy the password with one of:\n'
        + '  --grafana-admin-password-file FILE     (a file holding only the password)\n'
        + '  GRAFANA_ADMIN_PASSWORD=...              (in the environment)\n'
        + '  --generate-grafana-admin-password      (a random one; deploy says how to read it)\n'
        + 'or create it yourself: (on a fresh cluster first: kubectl create namespace monitoring) kubectl --namespace monitoring create secret generic grafana-admin --from-literal=admin-user=... --from-literal=admin-password=...');
      expect(kubectl.lines.filter(l => /^(apply|create|wait|annotate)/.test(l))).toEqual([]);
    });

    test("stops before applying anything when a receiver's Secret is missing or lacks its key, naming each with its namespace, reader and prop", () => {
      const slackOut = path.join(work, 'slack');
      const app = new MonitoringApp({ outdir: slackOut });
      // The Slack receiver of alerting.test.ts (one render for both files).
      new MonitoringStack(app, 'lab', {
        alerting: AlertDelivery.route({ routes: [{ severity: Severity.CRITICAL, receiver: Receiver.slack({ webhookUrl: SecretKey.fromExistingSecret('slack-webhook', 'url'), channel: '#alerts' }) }] }),
      });
      app.synth();
      const secretAnswer = (slack: string) => (args: string[]) => (args[0] === 'get' && args[1] === 'secret' ? { stdout: args[2] === 'slack-webhook' ? slack : GRAFANA_SECRET_FOUND } : undefined);
      const missing = new ScriptedKubectl(secretAnswer(''));
      expect(() => deploy({ outdir: slackOut, kubectl: missing, env: {}, log: () => undefined })).toThrow(
        'stopped before applying anything: 1 Secret that dist/ refers to is missing or incomplete, and its readers would fail in the cluster:\n'
        + '- Secret monitoring/slack-webhook does not exist\n'
        + "    read by Alertmanager monitoring/kube-prometheus-stack-alertmanager: receiver 'slack' slack_configs[0].api_url_file (mounted by spec.secrets)\n"
        + '      set by alerting: the webhookUrl of Receiver.slack or Receiver.discord (or the chart value alertmanager.config)\n'
        + '    create it: (on a fresh cluster first: kubectl create namespace monitoring) kubectl --namespace monitoring create secret generic slack-webhook --from-literal=url=...');
      expect(missing.lines.filter(l => /^(apply|create|wait|annotate)/.test(l))).toEqual([]);
      // kubectl prints only the key names, never a value
      expect(missing.lines.filter(l => l.startsWith('get secret'))).toEqual([
        'get secret grafana-admin --namespace monitoring --ignore-not-found --output=go-template=found{{"\\n"}}{{range $key, $value := .data}}{{$key}}{{"\\n"}}{{end}}',
        'get secret slack-webhook --namespace monitoring --ignore-not-found --output=go-template=found{{"\\n"}}{{range $key, $value := .data}}{{$key}}{{"\\n"}}{{end}}',
      ]);

      const wrongKey = new ScriptedKubectl(secretAnswer('found\nwebhook-url\n'));
      expect(() => deploy({ outdir: slackOut, kubectl: wrongKey, env: {}, log: () => undefined })).toThrow('- Secret monitoring/slack-webhook exists but lacks key url\n');
      expect(wrongKey.lines.filter(l => /^(apply|create|wait|annotate)/.test(l))).toEqual([]);

      const complete = new ScriptedKubectl(secretAnswer('found\nurl\n'));
      deploy({ outdir: slackOut, kubectl: complete, env: {}, log: () => undefined });
      expect(complete.lines.filter(l => l.startsWith('apply')).length).toBeGreaterThan(0);
    });

    test('fails before applying anything when the password file cannot be read or is too short', () => {
      const kubectl = new ScriptedKubectl();
      expect(() => deploy({ outdir, kubectl, env: {}, passwordFile: path.join(work, 'absent'), log: () => undefined }))
        .toThrow(`--grafana-admin-password-file is '${path.join(work, 'absent')}' but it cannot be read (ENOENT); give a file that holds only the password`);
      const short = path.join(work, 'short');
      fs.writeFileSync(short, 'abc\n');
      expect(() => deploy({ outdir, kubectl, env: {}, passwordFile: short, log: () => undefined }))
        .toThrow(`the file ${short} holds a password of 3 characters; Grafana's admin password needs at least 8 characters on one line`);
      expect(kubectl.lines.filter(l => /^(apply|create|wait|annotate)/.test(l))).toEqual([]);
    });

    test('fails when two password sources are given', () => {
      expect(() => deploy({ outdir, kubectl: new ScriptedKubectl(), env: { GRAFANA_ADMIN_PASSWORD: 'from-the-environment' }, generate: true, log: () => undefined }))
        .toThrow('GRAFANA_ADMIN_PASSWORD and --generate-grafana-admin-password both give Grafana\'s admin password; use one');
    });
  });

  test('leaves an existing Grafana Secret as it is, saying the given password is not used', () => {
    const kubectl = new ScriptedKubectl(args => (args[0] === 'get' && args[1] === 'secret' ? { stdout: GRAFANA_SECRET_FOUND } : undefined));
    const log: string[] = [];
    deploy({ outdir, kubectl, generate: true, env: {}, log: l => log.push(l) });
    expect(kubectl.lines.some(l => l.startsWith('create'))).toBe(false);
    expect(log).toContain('found Secret monitoring/grafana-admin; deploy leaves it as it is (the password from a random password is not used: to change it, delete the Secret and deploy again, or change it in Grafana)');
  });

  test('a failed step names the step and the objects kubectl did not apply, then kubectl\'s own message', () => {
    const conflict = 'error: Apply failed with 1 conflict: conflict with "helm": .spec.replicas';
    const kubectl = new ScriptedKubectl(args => {
      if (!args.includes('--prune')) return args[1] === 'secret' ? { stdout: GRAFANA_SECRET_FOUND } : undefined;
      const prune = plan().find(s => s.action === StepAction.APPLY_AND_PRUNE)!;
      const applied = prune.objects.filter(o => o.metadata.name !== 'kube-prometheus-stack-operator' || o.kind !== 'Deployment')
        .map(o => `${o.kind.toLowerCase()}${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}/${o.metadata.name} serverside-applied`);
      return { status: 1, stdout: applied.join('\n'), stderr: conflict };
    });
    expect(() => deploy({ outdir, kubectl, env: {}, log: () => undefined })).toThrow(
      `step 8 of 9: apply ${['0002-longhorn', '0003-storage', '0004-monitoring'].map(f => path.join(outdir, 'reference', `${f}.k8s.yaml`)).join(', ')} failed for Deployment monitoring/kube-prometheus-stack-operator:\n${conflict}`);
  });

  test('failedObjects names nothing when every object failed (kubectl\'s message says why)', () => {
    const objects = plan().find(s => s.action === StepAction.APPLY_AND_PRUNE)!.objects;
    expect(failedObjects(objects, { status: 1, stdout: '', stderr: 'Unable to connect to the server' })).toBeUndefined();
  });

  describe('the Kubernetes version', () => {
    // The reference output is made for the default minor, 1.35 (its Namespaces say so); the scripted server runs 1.32.
    const olderServer = () => new ScriptedKubectl(args => (args[0] === 'version' ? { stdout: versionAnswer('v1.32.13') } : args[1] === 'secret' ? { stdout: GRAFANA_SECRET_FOUND }
      : args[1] === 'customresourcedefinitions' ? { stdout: '' } : undefined));
    const refusal = "was made for Kubernetes 1.35 but the cluster of context 'lab' runs v1.32.13 (1.32): charts were rendered and the output checked for another API; set cluster.kubernetesVersion: '1.32' on the MonitoringStack";

    test('deploy stops before applying anything when the server runs another minor, naming both and the prop', () => {
      const kubectl = olderServer();
      expect(() => deploy({ outdir, kubectl, env: {}, log: () => undefined })).toThrow(refusal);
      expect(kubectl.lines.filter(l => /^(apply|create|annotate|label)/.test(l))).toEqual([]);
    });

    test('--force deploys anyway and says so', () => {
      const kubectl = olderServer();
      const log: string[] = [];
      deploy({ outdir, kubectl, force: true, env: {}, log: l => log.push(l) });
      expect(log).toContain(`--force: applying although ${path.join(outdir, 'reference')} was made for Kubernetes 1.35 but the cluster of context 'lab' runs v1.32.13 (1.32)`);
      expect(kubectl.lines.some(l => l.includes('--prune'))).toBe(true);
    });

    test('diff stops too (exit 2 from the CLI), and compares with --force', () => {
      expect(() => diff({ outdir, kubectl: olderServer(), log: () => undefined })).toThrow(refusal);
      const log: string[] = [];
      diff({ outdir, kubectl: olderServer(), force: true, log: l => log.push(l) });
      expect(log.some(l => l.startsWith('--force: comparing although'))).toBe(true);
    });

    test('a server outside the supported range is named with the range', () => {
      const kubectl = new ScriptedKubectl(args => (args[0] === 'version' ? { stdout: versionAnswer('v1.27.16') } : undefined));
      expect(() => deploy({ outdir, kubectl, env: {}, log: () => undefined }))
        .toThrow('Kubernetes 1.27 is not one this library makes output for (1.28 to 1.35); upgrade the cluster to one of those');
    });
  });

  describe('upgrade guard', () => {
    test('stops a Longhorn jump of more than one minor version before applying anything, naming the path and each step', () => {
      const kubectl = new ScriptedKubectl(args => (args[1] === 'daemonsets' ? { stdout: longhornManager('docker.io/longhornio/longhorn-manager:v1.6.2') } : undefined));
      let message = '';
      try {
        deploy({ outdir, kubectl, env: {}, log: () => undefined });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('Longhorn 1.6.2 runs (DaemonSet longhorn-system/longhorn-manager) and the output has 1.12.1');
      expect(message).toContain('Upgrade path: 1.6 → 1.7 → 1.8 → 1.9 → 1.10 → 1.11 → 1.12, one deploy each');
      expect(message).toContain("1. longhornVersion: '1.7.3', then npm run synth && npm run deploy");
      expect(message).toContain("2. longhornVersion: '1.8.<newest patch>' (untested here: vendor it with npm run vendor longhorn@1.8.<patch>)");
      expect(message).toContain("6. longhornVersion: '1.12.1'");
      expect(message).toContain('--force skips this check');
      expect(kubectl.lines.filter(l => /^(apply|create|annotate|label)/.test(l))).toEqual([]);
    });

    test('--force applies anyway and says what it skipped', () => {
      const kubectl = new ScriptedKubectl(args => (args[1] === 'daemonsets' ? { stdout: longhornManager('longhornio/longhorn-manager:v1.6.2') } : args[1] === 'secret' ? { stdout: GRAFANA_SECRET_FOUND } : undefined));
      const log: string[] = [];
      deploy({ outdir, kubectl, force: true, env: {}, log: l => log.push(l) });
      expect(log.find(l => l.startsWith('--force: applying although the upgrade guard would stop: Longhorn 1.6.2 runs'))).toBeDefined();
      expect(kubectl.lines.some(l => l.includes('--prune'))).toBe(true);
    });

    const longhorn = (version: string) => ({ longhorn: { version, where: 'here' } });
    test('allows one minor version up, with the engine-upgrade note; a patch up; the same version', () => {
      expect(checkUpgrade(longhorn('1.6.2'), longhorn('1.7.3'))).toEqual({
        refusals: [],
        notes: [expect.stringMatching(/^Longhorn 1\.6\.2 → 1\.7\.3: one minor version, as Longhorn requires\. .*each volume's engine is upgraded/)],
      });
      expect(checkUpgrade(longhorn('1.7.0'), longhorn('1.7.3'))).toEqual({ refusals: [], notes: ['Longhorn 1.7.0 → 1.7.3: a patch upgrade.'] });
      expect(checkUpgrade(longhorn('1.12.1'), longhorn('1.12.1'))).toEqual({ refusals: [], notes: [] });
      expect(checkUpgrade({}, longhorn('1.12.1'))).toEqual({ refusals: [], notes: [] });
    });

    test('refuses a downgrade, even of a patch', () => {
      expect(checkUpgrade(longhorn('1.7.3'), longhorn('1.6.2')).refusals).toEqual([expect.stringContaining('that is a downgrade, which Longhorn does not support')]);
      expect(checkUpgrade(longhorn('1.7.3'), longhorn('1.7.1')).refusals).toHaveLength(1);
    });

    test('refuses older prometheus-operator CRDs, and notes newer ones go first', () => {
      const operator = (version: string) => ({ operatorCrds: { version, where: 'there' } });
      expect(checkUpgrade(operator('0.94.0'), operator('0.93.1')).refusals).toEqual([expect.stringContaining('the prometheus-operator CRDs in the cluster are version 0.94.0 (there) and the output has older ones, 0.93.1')]);
      expect(checkUpgrade(operator('0.85.0'), operator('0.93.1')).notes).toEqual([expect.stringContaining('prometheus-operator CRDs 0.85.0 → 0.93.1: applied server-side before everything else')]);
    });

    test('reads the target versions from the output', () => {
      expect(targetVersions(readOutputDir(path.join(outdir, 'reference')))).toEqual({
        longhorn: { version: '1.12.1', where: '0002-longhorn.k8s.yaml: DaemonSet longhorn-system/longhorn-manager' },
        operatorCrds: { version: '0.93.1', where: '0000-crds.k8s.yaml: CRD prometheuses.monitoring.coreos.com' },
      });
      expect(versionOfImage('registry.local:5000/longhornio/longhorn-manager:v1.6.2@sha256:abc')).toBe('1.6.2');
      expect(versionOfImage('longhornio/longhorn-manager@sha256:abc')).toBeUndefined();
    });
  });

  describe('prune', () => {
    const member = (kind: string, apiVersion: string, namespace: string, name: string, owner?: string) => ({
      apiVersion, kind, metadata: { name, namespace, ...(owner && { ownerReferences: [{ kind: 'Prometheus', name: owner, controller: true }] }) },
    });
    const parent = JSON.stringify({ metadata: { annotations: {
      'applyset.kubernetes.io/contains-group-kinds': 'Ingress.networking.k8s.io,StatefulSet.apps',
      'cdk8s-monitoring-stack.internal/namespaces': 'longhorn-system,monitoring,old-namespace',
      'cdk8s-monitoring-stack.internal/customresourcedefinitions': 'widgets.example.com',
    } } });

    test('says what it deletes, and takes the set\'s label off what a controller made instead of deleting it', () => {
      const kubectl = new ScriptedKubectl(args => {
        if (args[1] === 'monitoringstacks.cdk8s-monitoring-stack.internal') return { stdout: args.includes('--output=json') ? parent : 'monitoringstack/reference' };
        if (args[1] === 'secret') return { stdout: GRAFANA_SECRET_FOUND };
        // (the ApplySet's members: the get with the set's selector, not deploy's other look-ups)
        if (args[0] === 'get' && args.some(a => a.startsWith('--selector=applyset'))) {
          expect(args[1].split(',')).toEqual(expect.arrayContaining(['Ingress.networking.k8s.io', 'StatefulSet.apps', 'Deployment.apps', 'ConfigMap']));
          expect(args).toContain(`--selector=applyset.kubernetes.io/part-of=${stackApplySetId('reference')}`);
          return { stdout: JSON.stringify({ items: [
            member('Ingress', 'networking.k8s.io/v1', 'monitoring', 'kube-prometheus-stack-grafana'),
            member('StatefulSet', 'apps/v1', 'monitoring', 'prometheus-kube-prometheus-stack-prometheus', 'kube-prometheus-stack-prometheus'),
            member('Deployment', 'apps/v1', 'monitoring', 'kube-prometheus-stack-operator'),
          ] }) };
        }
        return undefined;
      });
      const log: string[] = [];
      deploy({ outdir, kubectl, env: {}, log: l => log.push(l) });
      expect(kubectl.lines).toContain('label statefulset.apps/prometheus-kube-prometheus-stack-prometheus applyset.kubernetes.io/part-of- --namespace monitoring');
      expect(log).toContain('not pruned: StatefulSet monitoring/prometheus-kube-prometheus-stack-prometheus, made by Prometheus kube-prometheus-stack-prometheus (which copied the ApplySet label onto it)');
      expect(log).toContain('prune: Ingress monitoring/kube-prometheus-stack-grafana');
      expect(log).toContain('not pruned: Namespace old-namespace, which the output no longer has: deleting it deletes everything in it (volumes\' claims, Secrets you made); when nothing in it is needed: kubectl delete namespace old-namespace');
      expect(log.find(l => l.startsWith('not pruned: CustomResourceDefinition widgets.example.com'))).toBeDefined();
      // the label comes off before kubectl prunes
      expect(kubectl.lines.findIndex(l => l.startsWith('label'))).toBeLessThan(kubectl.lines.findIndex(l => l.includes('--prune')));
    });

    test('notPruned says nothing before the first deploy', () => {
      expect(notPruned(undefined, readOutputDir(path.join(outdir, 'reference')))).toEqual([]);
    });

    test('the set id is the one kubectl computes (KEP-3659), checked against a real kubectl 1.35 parent', () => {
      // kubectl v1.35.2 labelled Secret exp in namespace exp-a with this id
      expect(applySetId('exp', 'exp-a', 'Secret', '')).toBe('applyset-_WKm9EUxtDjQ6aTCAK-SmMcdGSCUDdaZ7zj4HByLQUw-v1');
      expect(PARENT_CRD.metadata.labels).toEqual({ 'applyset.kubernetes.io/is-parent-type': 'true' });
    });
  });

  test("a custom kind counts as served once its CRD is Established: deploy and diff list no kind a CRD still being set up has", () => {
    const kubectl = new ScriptedKubectl(args => (args[1] === 'customresourcedefinitions' ? { stdout: 'monitoring.coreos.com/Prometheus True\nlonghorn.io/Volume False\nexample.com/Widget \n' } : undefined));
    expect([...servedCustomKinds(kubectl)]).toEqual(['monitoring.coreos.com/Prometheus']);
    expect(kubectl.lines).toEqual(['get customresourcedefinitions --output=jsonpath={range .items[*]}{.spec.group}/{.spec.names.kind} {.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}']);
  });

  describe('diff (npm run diff)', () => {
    const existing = (args: string[]) => {
      if (args[1] === 'customresourcedefinitions') {
        // Every CRD of the output and the ApplySet parent's, Established; as kubectl prints the columns asked for.
        const crds = [...readStack(outdir).files[0].objects, PARENT_CRD] as unknown as Array<{ spec: { group: string; names: { kind: string } } }>;
        return { stdout: crds.map(c => `${c.spec.group}/${c.spec.names.kind} True\n`).join('') };
      }
      if (args[1] === 'namespaces') return { stdout: 'default kube-system longhorn-system monitoring' };
      if (args[1] === 'secret') return { stdout: GRAFANA_SECRET_FOUND };
      return undefined;
    };

    test('exits 0 when kubectl diff finds nothing, diffing each file in apply order with the set\'s label on pruned objects', () => {
      const kubectl = new ScriptedKubectl(existing);
      const log: string[] = [];
      expect(diff({ outdir, kubectl, log: l => log.push(l) })).toBe(DiffResult.NO_CHANGES);
      const diffs = kubectl.calls.filter(c => c.args[0] === 'diff');
      const files = readOutputDir(path.join(outdir, 'reference'));
      // Each file in apply order (the ApplySet parent's CRD after the CRDs), as many objects as it has.
      expect(diffs.map(c => JSON.parse(c.input!).items.length)).toEqual([files[0].objects.length, 1, ...files.slice(1).map(f => f.objects.length)]);
      expect(diffs[0].args).toEqual(['diff', '--server-side', '--field-manager=cdk8s-monitoring-stack', '--concurrency=4', '--filename=-']);
      expect(JSON.parse(diffs[5].input!).items.every((o: KubeManifest) => o.metadata.labels?.['applyset.kubernetes.io/part-of'] === stackApplySetId('reference'))).toBe(true);
      expect(JSON.parse(diffs[0].input!).items.some((o: KubeManifest) => o.metadata.labels?.['applyset.kubernetes.io/part-of'])).toBe(false);
      expect(log.at(-1)).toBe('no changes: a deploy would change nothing');
    });

    test("a diff that only saw an object change under it (a new resourceVersion, status settling) is taken again", () => {
      // The first diff of the first file shows what a rollout still settling looks like; the second finds nothing.
      const settling = '-  resourceVersion: "1527"\n+  resourceVersion: "1561"\n-  readyReplicas: 3\n+  readyReplicas: 2';
      let first = true;
      const kubectl = new ScriptedKubectl(args => existing(args) ?? (args[0] === 'diff' && first ? (first = false, { status: 1, stdout: settling }) : undefined));
      const log: string[] = [];
      expect(diff({ outdir, kubectl, log: l => log.push(l) })).toBe(DiffResult.NO_CHANGES);
      expect(kubectl.calls.filter(c => c.args[0] === 'diff')[0].input).toBe(kubectl.calls.filter(c => c.args[0] === 'diff')[1].input);
      expect(log.at(-1)).toBe('no changes: a deploy would change nothing');
      // A real change keeps the resourceVersion: reported at once, from one kubectl diff per file.
      const changed = new ScriptedKubectl(args => existing(args) ?? (args[0] === 'diff' ? { status: 1, stdout: '-  replicas: 1\n+  replicas: 2' } : undefined));
      expect(diff({ outdir, kubectl: changed, log: () => undefined })).toBe(DiffResult.CHANGES);
      const once = new ScriptedKubectl(existing);
      diff({ outdir, kubectl: once, log: () => undefined });
      expect(changed.calls.filter(c => c.args[0] === 'diff').length).toBe(once.calls.filter(c => c.args[0] === 'diff').length);
      // Still changing after three reads: shown as it is.
      const busy = new ScriptedKubectl(args => existing(args) ?? (args[0] === 'diff' ? { status: 1, stdout: settling } : undefined));
      expect(diff({ outdir, kubectl: busy, log: () => undefined })).toBe(DiffResult.CHANGES);
      expect(busy.calls.filter(c => c.args[0] === 'diff').length).toBe(3 * once.calls.filter(c => c.args[0] === 'diff').length);
    });

    test('exits 1 when a file differs or objects wait for their namespace, and 2 when kubectl diff fails; says when the guard would stop a deploy', () => {
      const changed = new ScriptedKubectl(args => existing(args) ?? (args[0] === 'diff' ? { status: 1, stdout: '-  replicas: 1\n+  replicas: 2' } : undefined));
      expect(diff({ outdir, kubectl: changed, log: () => undefined })).toBe(DiffResult.CHANGES);

      const fresh = new ScriptedKubectl(args => (args[1] === 'namespaces' ? { stdout: 'default kube-system' } : args[1] === 'customresourcedefinitions' ? { stdout: '' } : undefined));
      const log: string[] = [];
      expect(diff({ outdir, kubectl: fresh, log: l => log.push(l) })).toBe(DiffResult.CHANGES);
      expect(log).toContain('+ Deployment monitoring/kube-prometheus-stack-operator: would be created (namespace monitoring does not exist yet)');
      expect(log).toContain('+ Prometheus monitoring/kube-prometheus-stack-prometheus: would be created (its CRD is not served yet)');
      expect(log.find(l => l.startsWith('+ Secret monitoring/grafana-admin: missing; deploy creates it'))).toBeDefined();

      const guarded = new ScriptedKubectl(args => existing(args) ?? (args[1] === 'daemonsets' ? { stdout: longhornManager('longhornio/longhorn-manager:v1.6.2') } : undefined));
      const guardLog: string[] = [];
      expect(diff({ outdir, kubectl: guarded, log: l => guardLog.push(l) })).toBe(DiffResult.NO_CHANGES);
      expect(guardLog.find(l => l.startsWith('deploy would stop here (upgrade guard): Longhorn 1.6.2 runs (DaemonSet longhorn-system/longhorn-manager) and the output has 1.12.1'))).toBeDefined();

      const broken = new ScriptedKubectl(args => existing(args) ?? (args[0] === 'diff' ? { status: 2, stderr: 'error: unable to connect' } : undefined));
      expect(diff({ outdir, kubectl: broken, log: () => undefined })).toBe(DiffResult.ERROR);
    });
  });

  describe('--adopt: what helm install and a client-side kubectl apply made', () => {
    // A scripted guide cluster: the output's Grafana Deployment and operator ServiceAccount made by a Helm release
    // 'kube-prometheus-stack' (revisions 1 and 2), the Longhorn manager made by a client-side kubectl apply.
    const output = () => readStack(outdir).files.flatMap(f => f.objects);
    const find = (kind: string, name: string) => output().find(o => o.kind === kind && o.metadata.name === name)!;
    const managed = (o: KubeManifest, managers: string[], annotations: Record<string, string> = {}) => ({
      ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { ...o.metadata.annotations, ...annotations }, managedFields: managers.map(manager => ({ manager, operation: 'Update', fieldsType: 'FieldsV1' })) },
    });
    const helmMarks = { 'meta.helm.sh/release-name': 'kube-prometheus-stack', 'meta.helm.sh/release-namespace': 'monitoring' };
    const webhook = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'kube-prometheus-stack-admission' } };
    const grafanaSecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kube-prometheus-stack-grafana', namespace: 'monitoring' } };
    /** A release Secret as helm 3 and 4 store it: data.release is base64 of helm's own base64 of gzipped JSON. */
    const releaseSecret = (revision: number) => {
      const manifest = [find('Deployment', 'kube-prometheus-stack-grafana'), webhook, grafanaSecret].map(o => JSON.stringify(o)).join('\n---\n');
      const record = { name: 'kube-prometheus-stack', namespace: 'monitoring', version: revision, manifest, chart: { metadata: { name: 'kube-prometheus-stack', version: '88.5.3' } } };
      const inner = zlib.gzipSync(Buffer.from(JSON.stringify(record))).toString('base64');
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name: `sh.helm.release.v1.kube-prometheus-stack.v${revision}`, namespace: 'monitoring', labels: { owner: 'helm', name: 'kube-prometheus-stack', version: String(revision) } }, data: { release: Buffer.from(inner).toString('base64') } };
    };
    const guideCluster = (grafanaManagers = ['helm']) => new ScriptedKubectl(args => {
      if (args[0] === 'get' && args[1] === 'secrets' && args.includes('--selector=owner=helm')) return { stdout: JSON.stringify({ items: [releaseSecret(2), releaseSecret(1)] }) };
      if (args[0] === 'get' && args.includes('--show-managed-fields')) {
        return { stdout: JSON.stringify({ items: [
          managed(find('Deployment', 'kube-prometheus-stack-grafana'), grafanaManagers, helmMarks),
          managed(find('DaemonSet', 'longhorn-manager'), ['kubectl-client-side-apply'], { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }),
          managed(find('ServiceAccount', 'kube-prometheus-stack-operator'), ['cdk8s-monitoring-stack', 'helm'], helmMarks),
        ] }) };
      }
      if (args[1] === 'secret') return { stdout: GRAFANA_SECRET_FOUND };
      if (args[1] === 'customresourcedefinitions') return { stdout: '' };
      return undefined;
    });

    test('without --adopt, deploy stops before applying anything, naming the release and the client-side apply', () => {
      const kubectl = guideCluster();
      expect(() => deploy({ outdir, kubectl, env: {}, log: () => undefined })).toThrow(
        "nothing was applied: this cluster already has the Helm release 'kube-prometheus-stack' in monitoring (kube-prometheus-stack-88.5.3, revision 2) "
        + 'and 1 object(s) made with a client-side kubectl apply (longhorn-system), e.g. DaemonSet longhorn-system/longhorn-manager, which the output also has');
      expect(kubectl.lines.filter(l => /^(apply|create|annotate|label|delete)/.test(l))).toEqual([]);
    });

    test('with --adopt: webhooks go first, the adopted objects are applied forcing conflicts, marks come off, the release record goes last', () => {
      const kubectl = guideCluster();
      const log: string[] = [];
      deploy({ outdir, kubectl, adopt: true, env: {}, log: l => log.push(l) });
      const lines = kubectl.lines;
      const at = (prefix: string) => lines.findIndex(l => l.startsWith(prefix));
      expect(at('delete validatingwebhookconfiguration.admissionregistration.k8s.io kube-prometheus-stack-admission')).toBeGreaterThan(-1);
      const forced = kubectl.calls.find(c => c.args.includes('--force-conflicts'))!;
      // only the objects no one but the earlier tools manage; the operator's ServiceAccount is this library's already
      expect(JSON.parse(forced.input!).items.map((o: KubeManifest) => `${o.kind} ${o.metadata.name}`)).toEqual(['Deployment kube-prometheus-stack-grafana', 'DaemonSet longhorn-manager']);
      expect(forced.args).toEqual(['apply', '--server-side', '--field-manager=cdk8s-monitoring-stack', '--force-conflicts', '-f', '-']);
      expect(lines).toContain('annotate deployment.apps kube-prometheus-stack-grafana --namespace monitoring meta.helm.sh/release-name- meta.helm.sh/release-namespace-');
      expect(lines).toContain('annotate daemonset.apps longhorn-manager --namespace longhorn-system kubectl.kubernetes.io/last-applied-configuration-');
      // helm install labels what it makes managed-by Helm; where the output's object sets no such label, it comes off
      expect(lines).toContain('label deployment.apps kube-prometheus-stack-grafana --namespace monitoring app.kubernetes.io/managed-by-');
      expect(at('delete secret --namespace monitoring sh.helm.release.v1.kube-prometheus-stack.v1 sh.helm.release.v1.kube-prometheus-stack.v2')).toBe(lines.length - 1 - [...lines].reverse().findIndex(l => l.startsWith('delete secret')));
      expect(at('delete secret')).toBeGreaterThan(lines.findIndex(l => l.includes('--prune')));
      expect(log).toContain('adopt: left alone: Secret monitoring/kube-prometheus-stack-grafana, which the Helm release has and the output does not (delete it by hand if nothing needs it)');
      expect(log.find(l => l.startsWith("adopt: removed the record of the Helm release 'kube-prometheus-stack' in monitoring"))).toBeDefined();
    });

    test('an object another manager also has is tried first: forced only when its conflicts are with the earlier tools', () => {
      // no conflict in the server-side dry run: left to the steps, not forced
      const calm = guideCluster(['helm', 'kube-controller-manager']);
      deploy({ outdir, kubectl: calm, adopt: true, env: {}, log: () => undefined });
      expect(calm.lines).toContain('apply --server-side --field-manager=cdk8s-monitoring-stack --dry-run=server -f -');
      expect(JSON.parse(calm.calls.find(c => c.args.includes('--force-conflicts'))!.input!).items.map((o: KubeManifest) => o.metadata.name)).toEqual(['longhorn-manager']);

      // conflicts with helm only: forced
      const conflict = (manager: string) => new ScriptedKubectl((args, input) => (args.includes('--dry-run=server')
        ? { status: 1, stderr: `error: Apply failed with 1 conflict: conflict with "${manager}" using apps/v1: .metadata.labels.app.kubernetes.io/managed-by` }
        : guideCluster(['helm', 'kube-controller-manager']).run(args, input)));
      const helmOnly = conflict('helm');
      deploy({ outdir, kubectl: helmOnly, adopt: true, env: {}, log: () => undefined });
      expect(JSON.parse(helmOnly.calls.find(c => c.args.includes('--force-conflicts'))!.input!).items.map((o: KubeManifest) => o.metadata.name))
        .toEqual(['kube-prometheus-stack-grafana', 'longhorn-manager']);

      // conflicts with someone else: stops before anything is applied, naming them
      const edited = conflict('kubectl-edit');
      expect(() => deploy({ outdir, kubectl: edited, adopt: true, env: {}, log: () => undefined }))
        .toThrow('adopt: Deployment monitoring/kube-prometheus-stack-grafana has fields that kubectl-edit set differently, which deploy does not take');
      expect(edited.lines.filter(l => /^(apply|delete|annotate)/.test(l) && !l.includes('--dry-run'))).toEqual([]);
    });

    test('diff says deploy needs --adopt', () => {
      const log: string[] = [];
      expect(diff({ outdir, kubectl: guideCluster(), log: l => log.push(l) })).toBe(DiffResult.CHANGES);
      expect(log.find(l => l.startsWith("deploy would stop here unless given --adopt: this cluster already has the Helm release 'kube-prometheus-stack'"))).toBeDefined();
    });
  });

  describe('changes Kubernetes forbids in place', () => {
    // The output's StorageClass longhorn-prometheus as a cluster of 2 workers got it (2 replicas), and its Grafana
    // Deployment with a selector the chart once had: the live objects of a scripted cluster.
    const outputClass = () => readStack(outdir).files.flatMap(f => f.objects).find(o => o.kind === 'StorageClass')!;
    const liveClass = (replicas: string) => ({ ...outputClass(), parameters: { ...(outputClass() as any).parameters, numberOfReplicas: replicas } });
    // (deploy and diff read the output's live objects with one `kubectl get` of all its kinds.)
    const cluster = (live: Record<string, object[]>) => new ScriptedKubectl(args => {
      if (args[0] === 'get' && args.includes('--show-managed-fields')) {
        return { stdout: JSON.stringify({ items: Object.keys(live).filter(r => args[1].split(',').includes(r)).flatMap(r => live[r]) }) };
      }
      if (args[0] === 'get' && live[args[1]]) return { stdout: JSON.stringify({ items: live[args[1]] }) };
      if (args[1] === 'secret') return { stdout: GRAFANA_SECRET_FOUND };
      if (args[1] === 'customresourcedefinitions') return { stdout: '' };
      return undefined;
    });

    test('deploy replaces a StorageClass whose parameters changed (2 workers became 3), just before the step that applies it, and says what old volumes keep', () => {
      const kubectl = cluster({ 'StorageClass.storage.k8s.io': [liveClass('3')] });
      const log: string[] = [];
      deploy({ outdir, kubectl, env: {}, log: l => log.push(l) });
      expect(log).toContain("replacing StorageClass longhorn-prometheus must be replaced, as Kubernetes forbids changing parameters in place (parameters.numberOfReplicas: '3' → '2'): "
        + 'deploy deletes it and creates it again: volumes made from it keep the parameters they were made with (only new volumes get the new ones)');
      const deleted = kubectl.lines.indexOf('delete storageclass.storage.k8s.io longhorn-prometheus --wait=true');
      const applied = kubectl.lines.findIndex(l => l.includes('--prune'));
      expect(deleted).toBeGreaterThan(-1);
      expect(applied).toBe(deleted + 1);
    });

    test('an unchanged StorageClass is left alone', () => {
      const kubectl = cluster({ 'StorageClass.storage.k8s.io': [liveClass('2')] });
      deploy({ outdir, kubectl, env: {}, log: () => undefined });
      expect(kubectl.lines.filter(l => l.startsWith('delete'))).toEqual([]);
    });

    test('diff shows the replacement and leaves the class out of the server-side dry run, which would fail on it', () => {
      const kubectl = cluster({ 'StorageClass.storage.k8s.io': [liveClass('3')], namespaces: [] });
      const log: string[] = [];
      expect(diff({ outdir, kubectl, log: l => log.push(l) })).toBe(DiffResult.CHANGES);
      expect(log.find(l => l.startsWith("~ StorageClass longhorn-prometheus must be replaced, as Kubernetes forbids changing parameters in place (parameters.numberOfReplicas: '3' → '2')"))).toBeDefined();
      const sent = kubectl.calls.filter(c => c.args[0] === 'diff').map(c => c.input ?? '');
      expect(sent.some(i => i.includes('"kind":"StorageClass"'))).toBe(false);
    });

    test('a Deployment whose selector changed stops deploy before anything is applied, with the step to take', () => {
      const grafana = readStack(outdir).files.flatMap(f => f.objects).find(o => o.kind === 'Deployment' && o.metadata.name === 'kube-prometheus-stack-grafana')!;
      const live = { ...grafana, spec: { ...(grafana.spec as object), selector: { matchLabels: { app: 'grafana' } } } };
      const kubectl = cluster({ 'Deployment.apps': [live] });
      expect(() => deploy({ outdir, kubectl, env: {}, log: () => undefined })).toThrow(
        'nothing was applied: 1 object(s) of the output cannot change in place:\n- Deployment monitoring/kube-prometheus-stack-grafana must be replaced, as Kubernetes forbids changing spec.selector in place '
        + '(spec.selector: {"matchLabels":{"app":"grafana"}} → {"matchLabels":{"app.kubernetes.io/instance":"kube-prometheus-stack","app.kubernetes.io/name":"grafana"}}): '
        + 'delete it without its pods (kubectl --namespace monitoring delete deployment kube-prometheus-stack-grafana --cascade=orphan), then deploy again');
      expect(kubectl.lines.filter(l => /^(apply|create|annotate|label|delete)/.test(l))).toEqual([]);
    });
  });

  describe('--wait', () => {
    const CLAIM = 'prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-0';
    const ALERTMANAGER_POD = 'alertmanager-kube-prometheus-stack-alertmanager-0';
    /** The output's workloads, Prometheus and Alertmanager. */
    const waited = () => readStack(outdir).files.flatMap(f => f.objects).filter(o => ['Deployment', 'DaemonSet', 'Prometheus', 'Alertmanager'].includes(o.kind));
    /** An output object as the cluster shows it once its controller has made it ready, or while it is not yet. */
    const live = (o: KubeManifest, ready: boolean): KubeManifest => {
      const metadata = { ...o.metadata, generation: 1 };
      const n = (o.spec as { replicas?: number }).replicas ?? 1;
      if (o.kind === 'Deployment') return { ...o, metadata, status: { observedGeneration: 1, replicas: n, updatedReplicas: n, readyReplicas: ready ? n : 0, availableReplicas: ready ? n : 0 } };
      if (o.kind === 'DaemonSet') return { ...o, metadata, status: { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, numberReady: ready ? 3 : 0, numberAvailable: ready ? 3 : 0 } };
      const why = o.kind === 'Alertmanager' ? `pod ${ALERTMANAGER_POD}: containers with unready status: [alertmanager config-reloader]` : 'pod does not exist';
      return { ...o, metadata, status: { conditions: [
        { type: 'Available', status: ready ? 'True' : 'False', observedGeneration: 1, ...(!ready && { reason: 'NoPodReady', message: why }) },
        { type: 'Reconciled', status: 'True', observedGeneration: 1 },
      ] } };
    };
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: CLAIM, namespace: 'monitoring' }, spec: { storageClassName: 'longhorn-prometheus', resources: { requests: { storage: '10Gi' } } }, status: { phase: 'Bound', capacity: { storage: '10Gi' } } };
    /** Answers deploy's steps on a cluster with the Grafana Secret, and each poll (one get per namespace) with `inNamespace`. */
    const cluster = (inNamespace: (namespace: string) => object[], other: (args: string[]) => Partial<KubectlResult> | undefined = () => undefined) => new ScriptedKubectl(args => {
      if (args[1] === 'secret') return { stdout: GRAFANA_SECRET_FOUND };
      if (args[0] === 'get' && args[1].startsWith('deployments.apps,')) return { stdout: JSON.stringify({ kind: 'List', items: inNamespace(args[args.indexOf('--namespace') + 1]) }) };
      return other(args);
    });
    const clock = () => {
      let now = 0;
      return { now: () => now, sleep: (ms: number) => { now += ms; } };
    };

    test('after the last step, waits until every workload, Prometheus, Alertmanager and claim is ready, printing each as it becomes so', () => {
      let rounds = 0; // namespaces are polled in order, longhorn-system first
      const kubectl = cluster(namespace => {
        if (namespace === 'longhorn-system') rounds++;
        const ready = rounds > 1;
        return [...waited().filter(o => o.metadata.namespace === namespace).map(o => live(o, ready)), ...(ready && namespace === 'monitoring' ? [claim] : [])];
      });
      const log: string[] = [];
      deploy({ outdir, kubectl, env: {}, wait: true, clock: clock(), log: l => log.push(l) });
      expect(log).toContain('ready: Deployment monitoring/kube-prometheus-stack-grafana (1/1 available)');
      expect(log).toContain('ready: DaemonSet longhorn-system/longhorn-manager (3/3 available)');
      expect(log).toContain('ready: Prometheus monitoring/kube-prometheus-stack-prometheus (Available, Reconciled)');
      expect(log).toContain(`ready: PersistentVolumeClaim monitoring/${CLAIM} (Bound, 10Gi, longhorn-prometheus)`);
      expect(log.at(-1)).toBe('--wait: all 10 ready after 2s');
      expect(log.some(l => l.startsWith('status:'))).toBe(false);
      // only the namespaces of the stack, and only after the last step
      const polls = kubectl.lines.map((l, i) => ({ l, i })).filter(({ l }) => l.startsWith('get deployments.apps,'));
      expect(polls.map(({ l }) => l.split(' ')[3])).toEqual(['longhorn-system', 'monitoring', 'longhorn-system', 'monitoring']);
      expect(polls[0].i).toBeGreaterThan(kubectl.lines.findIndex(l => l.startsWith('annotate')));
    });

    test('fails on timeout naming what is not ready, with its pods and their Warning events', () => {
      const alertmanagerLabels = { 'app.kubernetes.io/instance': 'kube-prometheus-stack-alertmanager', 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'kube-prometheus-stack-alertmanager' };
      const statefulSet = {
        apiVersion: 'apps/v1', kind: 'StatefulSet',
        metadata: { name: 'alertmanager-kube-prometheus-stack-alertmanager', namespace: 'monitoring', generation: 1, ownerReferences: [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', name: 'kube-prometheus-stack-alertmanager', controller: true }] },
        spec: { replicas: 1, selector: { matchLabels: alertmanagerLabels } },
        status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, currentRevision: 'r1', updateRevision: 'r1' },
      };
      const kubectl = cluster(namespace => [
        ...waited().filter(o => o.metadata.namespace === namespace).map(o => live(o, o.kind !== 'Alertmanager')),
        ...(namespace === 'monitoring' ? [claim, statefulSet] : []),
      ], args => {
        if (args[1] === 'pods') return { stdout: JSON.stringify({ items: [{ metadata: { name: ALERTMANAGER_POD, labels: alertmanagerLabels }, status: { phase: 'Pending' } }] }) };
        if (args[1] === 'events') {
          return { stdout: JSON.stringify({ items: [{ type: 'Warning', reason: 'FailedMount', message: 'MountVolume.SetUp failed for volume "secret-slack" : secret "slack" not found', involvedObject: { kind: 'Pod', name: ALERTMANAGER_POD }, lastTimestamp: '2025-01-10T09:20:00Z' }] }) };
        }
        return undefined;
      });
      const log: string[] = [];
      expect(() => deploy({ outdir, kubectl, env: {}, wait: true, timeoutMs: 10_000, clock: clock(), log: l => log.push(l) })).toThrow(
        '--wait: 1 of 10 not ready after 10s (--timeout 10s):\n'
        + `  Alertmanager monitoring/kube-prometheus-stack-alertmanager not ready: Available=False (NoPodReady: pod ${ALERTMANAGER_POD}: containers with unready status: [alertmanager config-reloader]), Reconciled; `
        + 'StatefulSet monitoring/alertmanager-kube-prometheus-stack-alertmanager: 0/1 ready, 1 updated; '
        + `pod monitoring/${ALERTMANAGER_POD}: Pending; Warning FailedMount: MountVolume.SetUp failed for volume "secret-slack" : secret "slack" not found`);
      expect(log).toContain('ready: Prometheus monitoring/kube-prometheus-stack-prometheus (Available, Reconciled)');
    });

    test('without --wait, ends with one line on what is ready so far; a cluster that cannot be read does not fail the deploy', () => {
      const log: string[] = [];
      deploy({ outdir, kubectl: cluster(namespace => waited().filter(o => o.metadata.namespace === namespace).map(o => live(o, false))), env: {}, log: l => log.push(l) });
      expect(log.at(-1)).toMatch(/^status: 0 of 9 ready now; not yet: DaemonSet longhorn-system\/longhorn-manager \(0\/3 available, 3 updated, 0 ready\), .* and 1 more; deploy --wait waits until they are$/);

      const unreadable = new ScriptedKubectl(args => (args[1] === 'secret' ? { stdout: GRAFANA_SECRET_FOUND } : args[1]?.startsWith('deployments.apps,') ? { status: 1, stderr: 'error: the server has asked for the client to provide credentials' } : undefined));
      const unreadableLog: string[] = [];
      deploy({ outdir, kubectl: unreadable, env: {}, log: l => unreadableLog.push(l) });
      expect(unreadableLog.at(-1)).toMatch(/^status: not read: kubectl get deployments\.apps,.* failed: error: the server has asked for the client to provide credentials/);
    });

    test('--dry-run --wait says in a comment what it would wait for', () => {
      const kubectl = new ScriptedKubectl();
      const log: string[] = [];
      deploy({ outdir, dryRun: true, wait: true, timeoutMs: 90_000, kubectl, log: l => log.push(l) });
      expect(kubectl.calls).toEqual([]);
      expect(log.at(-1)).toBe('# --wait: then waits up to 1m30s until 5 Deployment, 2 DaemonSet, 1 Prometheus, 1 Alertmanager are ready (rolled out as kubectl rollout status says; '
        + 'Prometheus and Alertmanager Available and Reconciled) and every PersistentVolumeClaim in longhorn-system, monitoring is Bound');
    });

    test('fails when timeoutMs is negative, before anything is read or applied', () => {
      const kubectl = new ScriptedKubectl();
      expect(() => deploy({ outdir, kubectl, wait: true, timeoutMs: -1, log: () => undefined })).toThrow('timeoutMs is -1; give 0 or more milliseconds');
      expect(kubectl.calls).toEqual([]);
    });
  });

  test('stackFolder picks the only stack, or asks for --stack', () => {
    expect(stackFolder(outdir)).toBe(path.join(outdir, 'reference'));
    fs.mkdirSync(path.join(outdir, 'other'));
    try {
      expect(() => stackFolder(outdir)).toThrow(`${outdir} holds 2 stacks (other, reference); choose one with --stack NAME`);
    } finally {
      fs.rmdirSync(path.join(outdir, 'other'));
    }
  });
});

describe('kubectl version skew', () => {
  test('fails when kubectl is too old to prune with an ApplySet, naming the fix', () => {
    expect(() => requireApplySetSupport({ client: 'v1.26.3', server: 'v1.28.9', minorsApart: -2 }, '/usr/bin/kubectl'))
      .toThrow('kubectl v1.26.3 (/usr/bin/kubectl) cannot prune with an ApplySet (--applyset came in kubectl 1.27); point KUBECTL_BIN at a kubectl 1.27 or newer');
    expect(() => requireApplySetSupport({ client: 'v1.28.0', server: 'v1.28.9', minorsApart: 0 }, 'kubectl')).not.toThrow();
  });

  test('warns beyond kubectl\'s supported one minor version, naming the kubectl to use', () => {
    expect(describeSkew({ client: 'v1.35.2', server: 'v1.28.9', minorsApart: 7 }, '/bin/kubectl'))
      .toMatch(/^kubectl v1\.35\.2 \(\/bin\/kubectl\) against server v1\.28\.9: warning: 7 minor versions apart, .*point KUBECTL_BIN at a kubectl 1\.28$/);
    expect(describeSkew({ client: 'v1.29.0', server: 'v1.28.9', minorsApart: 1 }, 'kubectl')).toBe('kubectl v1.29.0 (kubectl) against server v1.28.9');
  });
});

describe('applyPlan', () => {
  test('fails when a file mixes CRDs with other objects, naming the file and the fix', () => {
    const crd: any = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.example.com' } };
    const cm: any = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } };
    expect(() => applyPlan([{ file: 'platform.k8s.yaml', objects: [crd, cm] }], 'dist'))
      .toThrow('platform.k8s.yaml mix CustomResourceDefinitions with other objects, so the CRDs cannot be applied and waited for first');
  });
});

describe('requiredSecrets', () => {
  const deployment = (env: object[], volumes: object[] = []) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns' },
    spec: { template: { spec: { containers: [{ name: 'c', env }], volumes } } },
  });
  const podProp = 'the chart values or construct that made this pod';

  test('lists Secrets read by pods, with their keys and readers; not optional ones, not shipped ones', () => {
    const objects: any[] = [
      deployment([
        { name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'pass' } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'maybe', key: 'x', optional: true } } },
        { name: 'D', valueFrom: { secretKeyRef: { name: 'shipped', key: 'x' } } },
      ], [{ name: 'tls', secret: { secretName: 'tls-cert', items: [{ key: 'tls.crt', path: 'crt' }] } }]),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shipped', namespace: 'ns' } },
    ];
    expect(requiredSecrets([{ file: 'f.yaml', objects }])).toEqual([
      {
        namespace: 'ns', name: 'creds', keys: ['user', 'pass'], readers: [
          { what: 'Deployment ns/app (env A of container c)', prop: podProp }, { what: 'Deployment ns/app (env B of container c)', prop: podProp },
        ],
      },
      { namespace: 'ns', name: 'tls-cert', keys: ['tls.crt'], readers: [{ what: 'Deployment ns/app (volume tls)', prop: podProp }] },
    ]);
  });

  test('knows Grafana\'s admin Secret by the variables Grafana reads', () => {
    const objects: any[] = [deployment([
      { name: 'GF_SECURITY_ADMIN_USER', valueFrom: { secretKeyRef: { name: 'g', key: 'u' } } },
      { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'g', key: 'p' } } },
    ])];
    expect(requiredSecrets([{ file: 'f.yaml', objects }])).toEqual([expect.objectContaining({ namespace: 'ns', name: 'g', keys: ['u', 'p'], grafanaAdmin: { userKey: 'u', passwordKey: 'p' } })]);
  });

  test('diff says when a Secret is missing or lacks a key (S3 keys not needed with an IAM role)', () => {
    const secret = { namespace: 'longhorn-system', name: 's3', keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], keysUnless: 'AWS_IAM_ROLE_ARN' };
    const note = (stdout: string) => ensureSecretNote(new ScriptedKubectl(() => ({ stdout })), secret);
    expect(note('')).toBe('+ Secret longhorn-system/s3: missing; deploy stops until you create it: kubectl --namespace longhorn-system create secret generic s3 --from-literal=AWS_ACCESS_KEY_ID=... --from-literal=AWS_SECRET_ACCESS_KEY=...');
    expect(note('found\nAWS_ACCESS_KEY_ID\n')).toBe('+ Secret longhorn-system/s3: lacks AWS_SECRET_ACCESS_KEY (or AWS_IAM_ROLE_ARN); deploy stops until it has it');
    expect(note('found\nAWS_IAM_ROLE_ARN\n')).toBeUndefined();
    expect(note('found\nAWS_ACCESS_KEY_ID\nAWS_SECRET_ACCESS_KEY\nAWS_ENDPOINTS\n')).toBeUndefined();
  });

  test("an Alertmanager's spec.secrets that no receiver reads still has to exist", () => {
    const alertmanager: any = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', metadata: { name: 'am', namespace: 'mon' }, spec: { secrets: ['extra-ca'] } };
    expect(requiredSecrets([{ file: 'f.yaml', objects: [alertmanager] }])).toEqual([{
      namespace: 'mon', name: 'extra-ca', keys: [],
      readers: [{ what: 'Alertmanager mon/am spec.secrets', prop: 'alerting (each SecretKey.fromExistingSecret of its receivers), or the chart value alertmanager.alertmanagerSpec.secrets' }],
    }]);
  });

  describe("in a synthesized stack: the Alertmanager's receivers and Longhorn's backup credentials", () => {
    let work: string;
    afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
    const synth = (configure: (stack: MonitoringStack) => void, props: Partial<MonitoringStackProps> = {}) => {
      work ??= fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
      const outdir = fs.mkdtempSync(path.join(work, 'dist-'));
      const app = new MonitoringApp({ outdir });
      configure(new MonitoringStack(app, 'lab', props));
      app.synth();
      return requiredSecrets(readOutputDir(path.join(outdir, 'lab')));
    };

    test('each key a typed receiver reads, in the Alertmanager\'s namespace, named by receiver and prop', () => {
      const secrets = synth(() => undefined, {
        alerting: AlertDelivery.route({
          routes: [
            { severity: Severity.CRITICAL, receiver: Receiver.slack({ webhookUrl: SecretKey.fromExistingSecret('slack', 'webhook-url') }) },
            { severity: Severity.WARNING, receiver: Receiver.webhook({ url: SecretKey.fromExistingSecret('relay', 'url'), bearerToken: SecretKey.fromExistingSecret('relay', 'token') }) },
          ],
        }),
      });
      const alertmanager = 'Alertmanager monitoring/kube-prometheus-stack-alertmanager';
      expect(secrets.filter(s => s.name !== 'grafana-admin')).toEqual([
        {
          namespace: 'monitoring', name: 'relay', keys: ['token', 'url'], readers: [
            { what: `${alertmanager}: receiver 'webhook' webhook_configs[0].http_config.authorization.credentials_file (mounted by spec.secrets)`, prop: 'alerting: the bearerToken of Receiver.webhook or the accessToken of Receiver.ntfy (or the chart value alertmanager.config)' },
            { what: `${alertmanager}: receiver 'webhook' webhook_configs[0].url_file (mounted by spec.secrets)`, prop: 'alerting: the url of Receiver.webhook or the topicUrl of Receiver.ntfy (or the chart value alertmanager.config)' },
          ],
        },
        {
          namespace: 'monitoring', name: 'slack', keys: ['webhook-url'], readers: [
            { what: `${alertmanager}: receiver 'slack' slack_configs[0].api_url_file (mounted by spec.secrets)`, prop: 'alerting: the webhookUrl of Receiver.slack or Receiver.discord (or the chart value alertmanager.config)' },
          ],
        },
      ]);
    });

    test('a configSecret set in the chart values, with the key the operator reads', () => {
      const secrets = synth(() => undefined, { kubePrometheusStackValues: { alertmanager: { alertmanagerSpec: { configSecret: 'my-alertmanager-config' } } } });
      expect(secrets.filter(s => s.name !== 'grafana-admin')).toEqual([{
        namespace: 'monitoring', name: 'my-alertmanager-config', keys: ['alertmanager.yaml'],
        readers: [{ what: 'Alertmanager monitoring/kube-prometheus-stack-alertmanager spec.configSecret', prop: 'the chart value alertmanager.alertmanagerSpec.configSecret' }],
      }]);
    });

    test.each([LonghornVersion.V1_6_2, LonghornVersion.V1_12_1])('Longhorn %s: an S3 backup target\'s credentials, its keys unless it has an IAM role', version => {
      const secrets = synth(stack => stack.addLonghornBackupTarget('Backups', {
        store: BackupStore.s3({ bucket: 'lab-backups', region: 'eu-central-1' }), credentialsSecretName: 's3-credentials',
      }), { longhornVersion: version });
      expect(secrets.find(s => s.name === 's3-credentials')).toEqual({
        namespace: 'longhorn-system', name: 's3-credentials', keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], keysUnless: 'AWS_IAM_ROLE_ARN',
        readers: [{
          what: version === LonghornVersion.V1_6_2 ? 'Setting longhorn-system/backup-target-credential-secret value' : 'BackupTarget longhorn-system/default spec.credentialSecret',
          prop: 'credentialsSecretName of LonghornBackupTarget (addLonghornBackupTarget)',
        }],
      });
    });

    test.each([
      [LonghornVersion.V1_6_2, { defaultSettings: { backupTarget: 's3://b@us-east-1/', backupTargetCredentialSecret: 'minio' } }, 'defaultSettings.backupTargetCredentialSecret'],
      [LonghornVersion.V1_12_1, { defaultBackupStore: { backupTarget: 's3://b@us-east-1/', backupTargetCredentialSecret: 'minio' } }, 'defaultBackupStore.backupTargetCredentialSecret'],
    ])("Longhorn %s: credentials named in the chart's values", (version, values, value) => {
      const secrets = synth(() => undefined, { longhornVersion: version, longhornValues: values });
      expect(secrets.find(s => s.name === 'minio')).toMatchObject({
        namespace: 'longhorn-system', keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], keysUnless: 'AWS_IAM_ROLE_ARN',
        readers: [expect.objectContaining({ prop: `the Longhorn chart value ${value} (longhornValues)` })],
      });
    });
  });
});
