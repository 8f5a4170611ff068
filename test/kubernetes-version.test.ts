// The Kubernetes minor output is made for: helm's --kube-version, the API and fields output is validated against,
// the Pod Security labels and the annotation deploy compares with the server. Real helm on the real charts; the API
// tables are the generated ones (lib/render/kube-api/); test/kubernetes-versions.integration.test.ts deploys to real
// 1.28 and 1.35 API servers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { KubePrometheusStack, Longhorn, MonitoringApp, MonitoringStack, SUPPORTED_KUBERNETES_VERSIONS } from '../lib';
import { KUBE_PROMETHEUS_STACK_CHART } from '../lib/render/charts';
import { builtInKindScope, KubeApi } from '../lib/render/kube-api';
import { renderChart } from '../lib/render/render';
import { reportOf } from '../lib/render/report';
import { validateOutput } from '../lib/output/validation';

const kubeVersionFlag = (scope: Chart | App) => reportOf(scope).renders.map(r => {
  const flags = r.helmTemplate.flags;
  return `${r.chart} ${flags[flags.indexOf('--kube-version') + 1]}`;
});

describe('the Kubernetes version of a cluster', () => {
  test('supports 1.28 to 1.35, every minor between, newest by default', () => {
    expect(SUPPORTED_KUBERNETES_VERSIONS).toEqual(['1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35']);
    const app = Testing.app();
    new MonitoringStack(app, 'lab');
    expect(kubeVersionFlag(app)).toEqual(['longhorn v1.35.0', 'kube-prometheus-stack v1.35.0']);
  });

  test('cluster.kubernetesVersion decides helm\'s --kube-version, the Pod Security labels and the annotation deploy reads', () => {
    const app = Testing.app();
    const stack = new MonitoringStack(app, 'lab', { cluster: { kubernetesVersion: '1.28' } });
    expect(kubeVersionFlag(app)).toEqual(['longhorn v1.28.0', 'kube-prometheus-stack v1.28.0']);
    const namespaces = stack.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Namespace').map(n => n.toJson());
    expect(namespaces.map(n => n.metadata.name).sort()).toEqual(['longhorn-system', 'monitoring']);
    for (const n of namespaces) {
      expect(n.metadata.annotations).toEqual({ 'cdk8s-monitoring-stack/kubernetes-version': '1.28' });
      expect(n.metadata.labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.28');
    }
  });

  test('takes the forms kubectl version prints (v1.28.15 is 1.28)', () => {
    // (The stack of the test above, in kubectl's form: the same renders.)
    const app = Testing.app();
    new MonitoringStack(app, 'lab', { cluster: { kubernetesVersion: 'v1.28.15' } });
    expect(kubeVersionFlag(app)).toEqual(['longhorn v1.28.0', 'kube-prometheus-stack v1.28.0']);
  });

  test.each([
    ['1.27', '"1.27"', ', after upgrading it to 1.28 or newer'],
    ['1.36', '"1.36"', ''],
    ['latest', '"latest"', ''],
  ])('refuses %p, naming the prop, the value and the supported range', (value, shown, upgrade) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-version-'));
    expect(() => new MonitoringStack(new MonitoringApp({ outdir }), 'lab', { cluster: { kubernetesVersion: value as string } }))
      .toThrow(`cluster.kubernetesVersion is ${shown} but this library makes output for Kubernetes 1.28 to 1.35 (a minor version such as '1.35'); set the minor your cluster runs ('kubectl version' shows it)${upgrade}`);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('a version given as a number is refused on a standalone construct too, with the string to write (MonitoringStack: known-props.test.ts)', () => {
    expect(() => new KubePrometheusStack(Testing.chart(), 'kps', { kubernetesVersion: 1.3 as any }))
      .toThrow("kubernetesVersion is 1.3 (a number) but must be a string such as '1.35' (as a number, 1.30 would be 1.3)");
  });

  test('the standalone constructs take it as kubernetesVersion; a second, different one in the same cluster is an error naming the first', () => {
    const chart = Testing.chart();
    new KubePrometheusStack(chart, 'kps', { kubernetesVersion: '1.30' });
    expect(kubeVersionFlag(chart)).toEqual(['kube-prometheus-stack v1.30.0']);
    new Longhorn(chart, 'same', { kubernetesVersion: '1.30' });
    expect(() => new Longhorn(chart, 'other', { kubernetesVersion: '1.31' }))
      .toThrow("kubernetesVersion is '1.31' but the Namespace 'monitoring' (test/kps/Namespace) was already made for 1.30: one cluster has one Kubernetes version");
  });

  test('each MonitoringStack is its own cluster, with its own version', () => {
    const app = Testing.app();
    new MonitoringStack(app, 'old', { cluster: { kubernetesVersion: '1.28' } });
    new MonitoringStack(app, 'new', { cluster: { kubernetesVersion: '1.34' } });
    expect(kubeVersionFlag(app)).toEqual(['longhorn v1.28.0', 'kube-prometheus-stack v1.28.0', 'longhorn v1.34.0', 'kube-prometheus-stack v1.34.0']);
  });
});

describe('a chart renders for the cluster\'s version', () => {
  // Where kube-prometheus-stack 88.5.3's templates read .Capabilities.KubeVersion with values in reach of 1.28 to
  // 1.35: the CRD upgrade Job's kubectl image tag (a Helm hook, which the constructs leave out, so the raw render is
  // compared). Its other version tests (>= 1.14, > 1.20, >= 1.22, >= 1.23) hold for every supported minor alike.
  test.each(['1.28', '1.35'])('kube-prometheus-stack\'s CRD upgrade Job runs the kubectl of Kubernetes %s', version => {
    const rendered = renderChart({
      chart: KUBE_PROMETHEUS_STACK_CHART, version: '88.5.3', releaseName: 'kps', namespace: 'monitoring',
      values: { crds: { upgradeJob: { enabled: true } } }, kubernetesVersion: version,
    })!;
    const job = rendered.documents.map(d => d.manifest).find(m => m.kind === 'Job' && m.metadata.name.includes('upgrade'))!;
    expect((job.spec as any).template.spec.containers[0].image).toBe(`registry.k8s.io/kubectl:v${version}.0`);
  });
});

describe('the output validates against its own version\'s API only', () => {
  function synth(version: string, add: (apps: Chart) => void): () => void {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-version-'));
    const app = new MonitoringApp({ outdir });
    const stack = new MonitoringStack(app, 'lab', { cluster: { kubernetesVersion: version } });
    add(stack.apps);
    return () => {
      try {
        app.synth();
      } catch (e) {
        expect(fs.existsSync(path.join(outdir, 'lab'))).toBe(false); // nothing is written when validation fails
        throw e;
      }
    };
  }
  const service = (apps: Chart) => new ApiObject(apps, 'svc', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'monitoring' },
    spec: { ports: [{ port: 80 }], trafficDistribution: 'PreferClose' },
  });
  const flowSchema = (apps: Chart) => new ApiObject(apps, 'fs', {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kind: 'FlowSchema', metadata: { name: 'backups' },
    spec: { priorityLevelConfiguration: { name: 'workload-low' }, matchingPrecedence: 5000 },
  });

  test('a field 1.30 brought (Service spec.trafficDistribution) passes for 1.35 and fails for 1.28, naming the minor and where it is', () => {
    expect(synth('1.35', service)).not.toThrow();
    expect(synth('1.28', service)).toThrow('Service monitoring/web at /spec/trafficDistribution: Kubernetes 1.28 has no field spec.trafficDistribution in v1 Service (it is in 1.30 to 1.35)');
  });

  test('a kind only 1.28 serves (flowcontrol v1beta2 FlowSchema) passes for 1.28 and fails for 1.35, naming both', () => {
    expect(synth('1.28', flowSchema)).not.toThrow();
    expect(synth('1.35', flowSchema)).toThrow('FlowSchema backups at /apiVersion: Kubernetes 1.35 does not serve flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema (served in 1.28)');
  });

  test('a field under a list is found in any of its items', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b', lifecycle: { preStop: { sleep: { seconds: 5 } } } }] } };
    expect(KubeApi.of('1.28').absentFields(pod as any)).toEqual(['spec.containers[].lifecycle.preStop.sleep']);
    // 1.29 has it (alpha, behind a feature gate: the schema has it, so validation lets it pass)
    expect(KubeApi.of('1.29').absentFields(pod as any)).toEqual([]);
    expect(validateOutput([{ file: 'f', objects: [pod as any] }], { kubernetesVersion: '1.28' }).problems.map(p => `${p.path}: ${p.message.split(';')[0]}`))
      .toEqual(['/spec/containers/*/lifecycle/preStop/sleep: Kubernetes 1.28 has no field spec.containers[].lifecycle.preStop.sleep in v1 Pod (it is in 1.29 to 1.35)']);
  });

  test('the tables agree on every kind\'s scope, and a kind keeps the scope of its resource', () => {
    expect(builtInKindScope('v1', 'Namespace')).toBe('Cluster');
    expect(builtInKindScope('storage.k8s.io/v1', 'VolumeAttributesClass')).toBe('Cluster');
    expect(builtInKindScope('policy/v1', 'Eviction')).toBe('Namespaced');
    for (const version of SUPPORTED_KUBERNETES_VERSIONS) {
      const table = JSON.parse(fs.readFileSync(path.join(__dirname, '../lib/render/kube-api', `${version}.json`), 'utf8')) as { kubernetesVersion: string; kinds: Array<{ apiVersion: string; kind: string; namespaced: boolean }> };
      expect(table.kubernetesVersion).toBe(version);
      const differing = table.kinds.filter(k => builtInKindScope(k.apiVersion, k.kind) !== (k.namespaced ? 'Namespaced' : 'Cluster'));
      expect([version, differing]).toEqual([version, []]);
    }
  });
});
