import { ControlPlane, KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS, NodeRole } from './support/control-plane';
import { describeWithControlPlane, eventually, SHARED_CONTROL_PLANE_TIMEOUT_MS, sharedControlPlane } from './support/shared-control-plane';

const NAMESPACE = 'control-plane-test';


describeWithControlPlane('the shared Kubernetes 1.35 control plane', () => {
  let controlPlane: ControlPlane;
  beforeAll(async () => { controlPlane = await sharedControlPlane(); }, SHARED_CONTROL_PLANE_TIMEOUT_MS);

  test('is ready and serves Kubernetes v1.35', () => {
    expect(controlPlane.kubectl(['get', '--raw', '/readyz'])).toMatchObject({ status: 0, stdout: 'ok' });
    const version = controlPlane.kubectl(['version', '-o', 'json']);
    expect(version.status).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion).toMatchObject({ major: '1', minor: '35' });
  });

  test('listens on its own loopback port', () => {
    const server = controlPlane.kubectl(['config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    expect(server.stdout).toBe(`https://127.0.0.1:${controlPlane.ports.apiServer}`);
  });

  test('applies a Namespace and a ConfigMap server-side, owned by the field manager', () => {
    const manifests = `
apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${NAMESPACE}
data:
  retentionDays: "10"
`;
    expect(controlPlane.kubectl(['apply', '--server-side', '--field-manager=control-plane-test', '-f', '-'], { input: manifests }))
      .toMatchObject({ status: 0, stdout: 'namespace/control-plane-test serverside-applied\nconfigmap/settings serverside-applied\n' });
    const configMap = JSON.parse(controlPlane.kubectl(['get', 'configmap', 'settings', '-n', NAMESPACE, '-o', 'json', '--show-managed-fields']).stdout);
    expect(configMap.data).toEqual({ retentionDays: '10' });
    expect(configMap.metadata.managedFields.map((f: { manager: string; operation: string }) => [f.manager, f.operation]))
      .toEqual([['control-plane-test', 'Apply']]);
  });

  test('establishes a CustomResourceDefinition and then serves its kind', () => {
    const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
`;
    expect(controlPlane.kubectl(['apply', '--server-side', '-f', '-'], { input: crd })).toMatchObject({ status: 0 });
    expect(controlPlane.kubectl(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=60s']))
      .toMatchObject({ status: 0, stdout: 'customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met\n' });
    const invalid = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w, namespace: default }\nspec: { size: big }\n';
    const rejected = controlPlane.kubectl(['apply', '--server-side', '-f', '-'], { input: invalid });
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toContain('.spec.size: expected numeric (int or float), got string');
  });

  describe('with a simulated kubeadm cluster of one control-plane node and two workers (sim.sh)', () => {
    beforeAll(async () => { await controlPlane.simulateCluster(KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS); }, SHARED_CONTROL_PLANE_TIMEOUT_MS);

    test('registers the nodes Ready, the control-plane node tainted NoSchedule', () => {
      const nodes = JSON.parse(controlPlane.kubectl(['get', 'nodes', '-o', 'json']).stdout).items as Array<{
        metadata: { name: string }; spec: { taints?: Array<{ key: string; effect: string }> };
        status: { conditions: Array<{ type: string; status: string }> };
      }>;
      expect(nodes.map(n => n.metadata.name)).toEqual(['cp-1', 'worker-1', 'worker-2']);
      expect(nodes.map(n => n.status.conditions.find(c => c.type === 'Ready')?.status)).toEqual(['True', 'True', 'True']);
      expect(nodes.map(n => (n.spec.taints ?? []).map(t => `${t.key}:${t.effect}`))).toEqual([
        ['node-role.kubernetes.io/control-plane:NoSchedule'], [], [],
      ]);
    });

    test("schedules a Deployment's pods onto the workers, where kwok makes them Running and Ready (no container runs)", async () => {
      // Small requests: the shared control plane's workers (2 CPU / 4 GiB) may already hold earlier tests' stacks.
      const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NAMESPACE}
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: registry.k8s.io/pause:3.10
          resources: { requests: { cpu: 10m, memory: 16Mi } }
`;
      expect(controlPlane.kubectl(['apply', '--server-side', '-f', '-'], { input: deployment })).toMatchObject({ status: 0 });
      type Pod = { spec: { nodeName?: string }; status: { phase: string; conditions?: Array<{ type: string; status: string }> } };
      const pods = () => JSON.parse(controlPlane.kubectl(['get', 'pods', '-n', NAMESPACE, '-l', 'app=web', '-o', 'json']).stdout).items as Pod[];
      const ready = (p: Pod) => p.status.phase === 'Running' && p.status.conditions?.some(c => c.type === 'Ready' && c.status === 'True');
      const placed = await eventually('the 2 pods of Deployment web were not both scheduled, Running and Ready', 90_000, () => {
        const now = pods();
        return now.length === 2 && now.every(p => p.spec.nodeName && ready(p)) ? now : undefined;
      }).catch(e => {
        const events = controlPlane.kubectl(['get', 'events', '-n', NAMESPACE, '--field-selector=type=Warning', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']).stdout;
        throw new Error(`${e.message}; Warning events:\n${events}`);
      });
      const workers = KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS.filter(n => n.role === NodeRole.WORKER).map(n => n.name);
      expect(placed.map(p => workers.includes(p.spec.nodeName!))).toEqual([true, true]);
      expect(controlPlane.kubectl(['delete', 'deployment', 'web', '-n', NAMESPACE]).status).toBe(0);
    }, 120_000);
  });
});
