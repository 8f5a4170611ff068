import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { MonitoringStack, readOutputDir } from '../lib';
import { commandLine, deploy, stackFolder } from '../lib/commands/deploy';
import { applyPlan, requiredSecrets } from '../lib/output/apply-plan';

const asGlob = (line: string) => line;

describe('deploy (npm run deploy)', () => {
  let work: string;
  let outdir: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-'));
    outdir = path.join(work, 'dist');
    const app = new App({ outdir });
    new MonitoringStack(app, 'reference');
    app.synth();
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('plan: CRDs server-side, wait Established, namespaces, the Grafana Secret check, then the rest in file order', () => {
    const steps = applyPlan(readOutputDir(path.join(outdir, 'reference')), 'dist/reference');
    expect(steps.map(s => asGlob(commandLine(s)))).toEqual([
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f dist/reference/0000-crds.k8s.yaml',
      'kubectl wait --for=condition=Established --timeout=120s -f dist/reference/0000-crds.k8s.yaml',
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f dist/reference/0001-namespaces.k8s.yaml',
      'kubectl get secret grafana-admin --namespace monitoring --output=name',
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f dist/reference/0002-longhorn.k8s.yaml',
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f dist/reference/0003-storage.k8s.yaml',
      'kubectl apply --server-side --field-manager=cdk8s-monitoring-stack -f dist/reference/0004-monitoring.k8s.yaml',
    ]);
    expect(steps[3].ifMissing).toBe('create it first: kubectl --namespace monitoring create secret generic grafana-admin --from-literal=admin-user=... --from-literal=admin-password=...');
  });

  test('the README gives the same steps for plain kubectl', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const step of applyPlan(readOutputDir(path.join(outdir, 'reference')), 'dist/reference')) {
      const expected = step.ifMissing
        ? step.ifMissing.replace('create it first: ', '').split(' --from-literal')[0]
        : asGlob(commandLine(step));
      expect(readme).toContain(expected);
    }
  });

  describe('against a recording kubectl', () => {
    let calls: string;
    beforeEach(() => {
      calls = path.join(work, `calls-${Date.now()}.log`);
      const fake = path.join(work, 'kubectl');
      // Records each call; 'get secret' fails as kubectl does when FAKE_GET_SECRET_ERROR is set.
      fs.writeFileSync(fake, `#!/bin/sh\necho "$*" >> "${calls}"\ncase "$*" in *"get secret"*) [ -n "$FAKE_GET_SECRET_ERROR" ] && { echo "$FAKE_GET_SECRET_ERROR" >&2; exit 1; };; esac\nexit 0\n`, { mode: 0o755 });
      process.env.KUBECTL_BIN = fake;
    });
    afterEach(() => {
      delete process.env.KUBECTL_BIN;
      delete process.env.FAKE_GET_SECRET_ERROR;
    });

    test('runs every step with the given context, in plan order', () => {
      const log: string[] = [];
      deploy({ outdir, context: 'homelab', log: l => log.push(l) });
      const ran = fs.readFileSync(calls, 'utf8').trim().split('\n');
      expect(ran).toEqual(applyPlan(readOutputDir(stackFolder(outdir)), path.relative(process.cwd(), stackFolder(outdir))).map(s => ['--context', 'homelab', ...s.kubectl].join(' ')));
      expect(log[0]).toMatch(/^\$ kubectl --context homelab apply --server-side/);
    });

    test('stops before applying workloads when the Grafana Secret is missing, saying how to create it', () => {
      process.env.FAKE_GET_SECRET_ERROR = 'Error from server (NotFound): secrets "grafana-admin" not found';
      expect(() => deploy({ outdir, log: () => undefined }))
        .toThrow('pods read Secret monitoring/grafana-admin, which dist/ does not contain: create it first: kubectl --namespace monitoring create secret generic grafana-admin');
      const ran = fs.readFileSync(calls, 'utf8').trim().split('\n');
      expect(ran.at(-1)).toBe('get secret grafana-admin --namespace monitoring --output=name');
      expect(ran.filter(c => c.includes('0002-'))).toEqual([]);
    });

    test('reports kubectl\'s own error when the Secret check fails for another reason', () => {
      process.env.FAKE_GET_SECRET_ERROR = 'Error from server (Forbidden): secrets "grafana-admin" is forbidden: User "dev" cannot get resource "secrets"';
      expect(() => deploy({ outdir, log: () => undefined }))
        .toThrow('pods read Secret monitoring/grafana-admin, which dist/ does not contain: Error from server (Forbidden)');
    });
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

describe('applyPlan for an output without a namespaces file', () => {
  test('the Secret hint creates the namespace too', () => {
    const deployment: any = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'grafana', namespace: 'monitoring' },
      spec: { template: { spec: { containers: [{ name: 'g', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } } }] }] } } },
    };
    const ns: any = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } };
    const [check] = applyPlan([{ file: 'platform.k8s.yaml', objects: [ns, deployment] }], 'dist').filter(s => s.ifMissing);
    expect(check.ifMissing).toBe('create it first: kubectl create namespace monitoring && kubectl --namespace monitoring create secret generic grafana-admin --from-literal=admin-password=...');
  });
});

describe('requiredSecrets', () => {
  const deployment = (env: object[], volumes: object[] = []) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns' },
    spec: { template: { spec: { containers: [{ name: 'c', env }], volumes } } },
  });

  test('lists Secrets read by pods, with their keys; not optional ones, not shipped ones', () => {
    const objects: any[] = [
      deployment([
        { name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'pass' } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'maybe', key: 'x', optional: true } } },
        { name: 'D', valueFrom: { secretKeyRef: { name: 'shipped', key: 'x' } } },
      ], [{ name: 'tls', secret: { secretName: 'tls-cert' } }]),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shipped', namespace: 'ns' } },
    ];
    expect(requiredSecrets([{ file: 'f.yaml', objects }])).toEqual([
      { namespace: 'ns', name: 'creds', keys: ['user', 'pass'] },
      { namespace: 'ns', name: 'tls-cert', keys: [] },
    ]);
  });
});
