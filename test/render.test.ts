import { ApiObject, Chart, Testing } from 'cdk8s';
import { RenderedObject } from '../lib/render/rendered-objects';
import { LONGHORN_CHART } from '../lib/render/charts';
import { KubeManifest } from '../lib/render/manifest-parse';
import { HookPolicy, transformRender } from '../lib/render/pipeline';
import { renderChart } from '../lib/render/render';
import { addRenderedObjects } from '../lib/render/rendered-objects';
import { reportOf } from '../lib/render/report';
import { findObject } from './inventory';
import { GRAFANA_AFFINITY, LONGHORN_VALUES, UNUSUAL_VALUES_RENDER } from './support/render';

const CLUSTER_SCOPED = ['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

// Longhorn as longhorn-monitoring.test.ts renders it (LONGHORN_VALUES, its usual release and namespace:
// one render for both files); kube-prometheus-stack under a release and namespace of its own
// (UNUSUAL_VALUES_RENDER: 'kps' in 'obs'), so that names and namespaces show they follow the request.
const longhornManifests = (version: string) =>
  renderChart({ chart: LONGHORN_CHART, version, releaseName: 'longhorn', namespace: 'longhorn-system', values: LONGHORN_VALUES })!.documents.map(d => d.manifest);

describe('renderChart and the render transforms', () => {
  const longhornRender = longhornManifests('1.6.2');
  const kpsRender = renderChart(UNUSUAL_VALUES_RENDER)!.documents.map(d => d.manifest);
  const longhorn = transformRender(longhornRender, { namespace: 'longhorn-system', hooks: HookPolicy.DROP_ALL });
  const kps = transformRender(kpsRender, { namespace: 'obs', hooks: HookPolicy.KEEP_INSTALL_HOOKS });

  test('DROP_ALL leaves out every hook, the uninstaller above all, and reports each', () => {
    expect(longhorn.manifests.filter(m => m.metadata.annotations?.['helm.sh/hook'])).toEqual([]);
    expect(longhorn.manifests.find(m => m.metadata.name === 'longhorn-uninstall')).toBeUndefined();
    expect(longhorn.notes.droppedHooks).toContainEqual({ object: 'Job/longhorn-uninstall', hook: 'pre-delete' });
  });

  test('KEEP_INSTALL_HOOKS keeps install hooks as plain objects and drops test hooks', () => {
    const admissionCreate = findObject(kps.manifests, 'Job', 'kps-kube-prometheus-stack-admission-create');
    expect(Object.keys(admissionCreate.metadata.annotations ?? {}).filter(k => k.startsWith('helm.sh/hook'))).toEqual([]);
    expect(kps.manifests.filter(m => m.kind === 'Pod')).toEqual([]);
    expect(kps.notes.droppedHooks.map(d => d.hook)).toEqual(expect.arrayContaining(['test']));
    expect(kps.notes.droppedHooks.every(d => d.hook.includes('test'))).toBe(true);
  });

  test('cluster-scoped objects carry no namespace and namespaced ones carry the release namespace', () => {
    for (const { manifests, namespace } of [{ ...longhorn, namespace: 'longhorn-system' }, { ...kps, namespace: 'obs' }]) {
      for (const m of manifests.filter(o => !isControlPlaneScrapeService(o))) {
        expect([m.kind, m.metadata.name, m.metadata.namespace]).toEqual(
          [m.kind, m.metadata.name, CLUSTER_SCOPED.includes(m.kind) ? undefined : namespace]);
      }
    }
  });

  test('keeps a namespace the chart sets on purpose (control-plane scrape Services live in kube-system)', () => {
    const inKubeSystem = kps.manifests.filter(m => m.metadata.namespace === 'kube-system');
    expect(inKubeSystem.map(m => m.metadata.name)).toEqual(expect.arrayContaining(['kps-kube-prometheus-stack-kube-controller-manager', 'kps-kube-prometheus-stack-coredns']));
    expect(inKubeSystem.every(isControlPlaneScrapeService)).toBe(true);
  });

  test('includes the CRDs (from crds/ and from templates)', () => {
    expect(kps.manifests.filter(m => m.kind === 'CustomResourceDefinition')).toHaveLength(10);
    expect(findObject(longhorn.manifests, 'CustomResourceDefinition', 'volumes.longhorn.io')).toBeDefined();
  });

  test('a transform returns what it did not change as the same object, so it can be written as helm wrote it', () => {
    const crds = kpsRender.filter(m => m.kind === 'CustomResourceDefinition');
    expect(crds.every(crd => kps.manifests.includes(crd))).toBe(true);
    const job = findObject(kps.manifests, 'Job', 'kps-kube-prometheus-stack-admission-create');
    expect(kpsRender.includes(job)).toBe(false); // its hook annotations went
  });

  test('keeps selected servers off the control plane by kind and labels, and a node affinity the values set holds too', () => {
    const own = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }] } };
    expect(GRAFANA_AFFINITY.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([own.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]]);
    const withAffinity = renderChart(UNUSUAL_VALUES_RENDER)!;
    const { manifests } = transformRender(withAffinity.documents.map(d => d.manifest), {
      namespace: 'obs', hooks: HookPolicy.KEEP_INSTALL_HOOKS,
      keepOffControlPlane: [{ kind: 'Deployment', labels: { 'app.kubernetes.io/name': 'grafana' } }, { kind: 'Prometheus' }],
    });
    expect(findObject(manifests, 'Deployment', 'kps-grafana').spec.template.spec.affinity.nodeAffinity).toEqual(own);
    expect(findObject(manifests, 'Prometheus', 'kps-kube-prometheus-stack-prometheus').spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }]);
    expect(findObject(manifests, 'Deployment', 'kps-kube-state-metrics').spec.template.spec.affinity).toBeUndefined();
  });

  test('a typed override needs exactly one object to set its fields on, and says which prop when there is none', () => {
    const override = { prop: 'prometheusSpec', select: { kind: 'Prometheus' }, fields: { scrapeInterval: '60s' } };
    const prometheus = { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'p' }, spec: { replicas: 1 } } as KubeManifest;
    expect(transformRender([prometheus], { namespace: 'n', hooks: HookPolicy.DROP_ALL, overrides: [override] }).manifests[0].spec).toEqual({ replicas: 1, scrapeInterval: '60s' });
    expect(() => transformRender([], { namespace: 'n', hooks: HookPolicy.DROP_ALL, overrides: [override] }))
      .toThrow('prometheusSpec is set but the render has 0 Prometheus object(s), so there is nothing to set it on; enable Prometheus in the values or drop prometheusSpec');
    expect(() => transformRender([prometheus, { ...prometheus, metadata: { name: 'q' } }], { namespace: 'n', hooks: HookPolicy.DROP_ALL, overrides: [override] }))
      .toThrow('prometheusSpec is set but the render has 2 Prometheus object(s), so there is no single object to set it on; report this as a bug');
  });

  test('expands a List into its items, as kubectl does', () => {
    const list = { apiVersion: 'v1', kind: 'List', metadata: { name: '' }, items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' } }] } as unknown as KubeManifest;
    const { manifests, notes } = transformRender([list], { namespace: 'n', hooks: HookPolicy.DROP_ALL });
    expect(manifests.map(m => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`)).toEqual(['Service/n/a', 'Service/n/b']);
    expect(notes.expandedLists).toEqual(['List of 2 item(s)']);
  });

  test('renders any exact version it finds, with a warning when the tests do not cover it', () => {
    const chart = Testing.chart();
    const request = { version: '1.7.3', releaseName: 'longhorn', namespace: 'longhorn-system', values: LONGHORN_VALUES };
    expect(renderChart({ chart: LONGHORN_CHART, ...request }, chart)).toBeDefined();
    expect(reportOf(chart).warnings).toEqual([]);
    const untested = { ...LONGHORN_CHART, testedVersions: ['1.6.2'] };
    renderChart({ chart: untested, ...request }, chart);
    expect(reportOf(chart).warnings).toEqual(['longhorn 1.7.3 is not a version this library tests (tested: 1.6.2); rendering it anyway: check the output before applying it']);
  });

  test('fails when helm cannot render the values, naming the chart and helm\'s reason', () => {
    expect(() => renderChart({ chart: LONGHORN_CHART, version: '1.12.1', releaseName: 'l', namespace: 'n', values: { defaultSettings: 'not a map' } }))
      .toThrow(/^helm template of longhorn 1\.12\.1 failed: Error: longhorn\/templates\/default-setting\.yaml/);
  });
});

describe('RenderedObject', () => {
  const chart = new Chart(Testing.app(), 'platform', { namespace: 'elsewhere', labels: { team: 'ops' } });
  const crds = new Chart(Testing.app(), 'crds');
  // The kube-prometheus-stack render of the tests above.
  const rendered = addRenderedObjects({ scope: chart, crdScope: crds }, UNUSUAL_VALUES_RENDER, { hooks: HookPolicy.KEEP_INSTALL_HOOKS })!;

  test('toJson gives exactly what cdk8s\' own ApiObject.toJson gives, key order included', () => {
    for (const object of rendered.apiObjects) {
      const slow = ApiObject.prototype.toJson.call(object);
      if (object.clusterScoped) delete slow.metadata.namespace;
      expect(JSON.stringify(object.toJson())).toBe(JSON.stringify(slow));
    }
  });

  test('keeps chart labels and JSON patches, and never puts a Chart\'s namespace on a cluster-scoped object', () => {
    const role = rendered.apiObjects.find(o => o.kind === 'ClusterRole')!;
    expect(role.toJson().metadata.labels.team).toBe('ops');
    expect(role.toJson().metadata.namespace).toBeUndefined();
    const deployment = rendered.apiObjects.find(o => o.kind === 'Deployment')!;
    expect(deployment.toJson().metadata.namespace).toBe('obs');
    const { JsonPatch } = require('cdk8s');
    deployment.addJsonPatch(JsonPatch.replace('/spec/replicas', 3));
    expect(deployment.toJson().spec.replicas).toBe(3);
    expect(Object.keys(deployment.toJson()).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
  });

  test('only an object nothing changed is written as helm wrote it', () => {
    const crd = crdsOf(rendered.apiObjects)[0];
    expect(crd.unchanged).toBe(true);
    expect(rendered.apiObjects.find(o => o.kind === 'ClusterRole')!.unchanged).toBe(false); // the chart's label
  });
});

function crdsOf(objects: readonly RenderedObject[]): RenderedObject[] {
  return objects.filter(o => o.kind === 'CustomResourceDefinition');
}

function isControlPlaneScrapeService(m: KubeManifest): boolean {
  return m.kind === 'Service' && m.metadata.namespace === 'kube-system' && m.metadata.labels?.jobLabel !== undefined;
}
