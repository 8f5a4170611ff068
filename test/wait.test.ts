import { KubectlResult, KubectlRunner } from '../lib/commands/kubectl';
import {
  claimReadiness, Clock, daemonSetReadiness, deploymentReadiness, describeWait, formatDuration, operatorResourceReadiness, parseDuration,
  readiness, statefulSetReadiness, statusLine, waitTargets, waitUntilReady,
} from '../lib/commands/wait';
import { KubeManifest } from '../lib/render/manifest-parse';

// Objects as `kubectl get -o json` prints them (trimmed to the fields that matter), from a kube-prometheus-stack
// release `kube-prometheus-stack` in namespace monitoring.
const NS = 'monitoring';
const PROMETHEUS = 'kube-prometheus-stack-prometheus';
const ALERTMANAGER = 'kube-prometheus-stack-alertmanager';
const CLAIM = `prometheus-${PROMETHEUS}-db-prometheus-${PROMETHEUS}-0`;
const GRAFANA_LABELS = { 'app.kubernetes.io/instance': 'kube-prometheus-stack', 'app.kubernetes.io/name': 'grafana' };
// The selector labels prometheus-operator gives the pods of its StatefulSets (makeSelectorLabels in
// pkg/prometheus/server and pkg/alertmanager): Alertmanager pods have no operator.prometheus.io/name.
const PROMETHEUS_POD_LABELS = {
  'app.kubernetes.io/instance': PROMETHEUS, 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'prometheus',
  'operator.prometheus.io/name': PROMETHEUS, 'operator.prometheus.io/shard': '0', prometheus: PROMETHEUS,
};
const ALERTMANAGER_POD_LABELS = {
  'app.kubernetes.io/instance': ALERTMANAGER, 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'alertmanager', alertmanager: ALERTMANAGER,
};

const condition = (type: string, status: string, reason?: string, message?: string, observedGeneration?: number) => ({
  type, status, lastTransitionTime: '2025-01-10T09:12:03Z', ...(reason && { reason }), ...(message && { message }), ...(observedGeneration !== undefined && { observedGeneration }),
});

function deployment(status: object | undefined, generation = 1, name = 'kube-prometheus-stack-grafana'): KubeManifest {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: NS, generation, uid: '0b7f6c1e-2f0e-4a53-9d5c-1f2a3b4c5d6e' },
    spec: { replicas: 1, progressDeadlineSeconds: 600, selector: { matchLabels: GRAFANA_LABELS }, strategy: { type: 'RollingUpdate' } },
    ...(status && { status }),
  };
}

const DEPLOYMENT_READY = {
  availableReplicas: 1, observedGeneration: 1, readyReplicas: 1, replicas: 1, updatedReplicas: 1,
  conditions: [
    condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
    condition('Progressing', 'True', 'NewReplicaSetAvailable', 'ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" has successfully progressed.'),
  ],
};
const DEPLOYMENT_STARTING = {
  observedGeneration: 1, replicas: 1, unavailableReplicas: 1, updatedReplicas: 1,
  conditions: [
    condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
    condition('Progressing', 'True', 'ReplicaSetUpdated', 'ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" is progressing.'),
  ],
};

function statefulSet(status: object, spec: object = {}, generation = 1): KubeManifest {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: {
      name: `prometheus-${PROMETHEUS}`, namespace: NS, generation,
      ownerReferences: [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', name: PROMETHEUS, controller: true, blockOwnerDeletion: true, uid: '5c1d' }],
    },
    spec: { replicas: 1, selector: { matchLabels: PROMETHEUS_POD_LABELS }, updateStrategy: { type: 'RollingUpdate' }, ...spec },
    status,
  };
}

function daemonSet(status: object, generation = 1): KubeManifest {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'longhorn-manager', namespace: 'longhorn-system', generation },
    spec: { selector: { matchLabels: { app: 'longhorn-manager' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } } },
    status,
  };
}

function operatorResource(kind: 'Prometheus' | 'Alertmanager', conditions: object[] | undefined, generation = 1): KubeManifest {
  return {
    apiVersion: 'monitoring.coreos.com/v1', kind,
    metadata: { name: kind === 'Prometheus' ? PROMETHEUS : ALERTMANAGER, namespace: NS, generation },
    spec: { replicas: 1 },
    ...(conditions && { status: { availableReplicas: 0, replicas: 1, unavailableReplicas: 1, updatedReplicas: 1, paused: false, conditions } }),
  };
}
const OPERATOR_READY = [condition('Available', 'True', undefined, undefined, 1), condition('Reconciled', 'True', undefined, undefined, 1)];
const NO_POD_READY = (pod: string, why: string) => [
  condition('Available', 'False', 'NoPodReady', `pod ${pod}: ${why}`, 1),
  condition('Reconciled', 'True', undefined, undefined, 1),
];

function claim(phase: 'Bound' | 'Pending' | 'Lost', name = CLAIM): KubeManifest {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS, labels: PROMETHEUS_POD_LABELS },
    spec: {
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'longhorn-prometheus', volumeMode: 'Filesystem',
      ...(phase !== 'Pending' && { volumeName: 'pvc-0c4e7d2a-8a1f-4d0b-b7b5-3f4c1f0b9e21' }),
    },
    status: phase === 'Bound' ? { accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' }, phase } : { phase },
  };
}

function pod(name: string, labels: Record<string, string>, phase: string, waiting?: { container: string; reason: string; message?: string }): KubeManifest {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels },
    status: {
      phase,
      conditions: [condition('PodScheduled', phase === 'Pending' && !waiting ? 'False' : 'True'), condition('Ready', 'False', 'ContainersNotReady')],
      ...(waiting && { containerStatuses: [{ name: waiting.container, ready: false, restartCount: 0, image: 'x', imageID: '', state: { waiting: { reason: waiting.reason, message: waiting.message } } }] }),
    },
  };
}

function warning(kind: string, name: string, reason: string, message: string, lastTimestamp = '2025-01-10T09:20:00Z'): object {
  return {
    apiVersion: 'v1', kind: 'Event', metadata: { name: `${name}.181a2b3c4d5e6f70`, namespace: NS, creationTimestamp: '2025-01-10T09:14:00Z' },
    involvedObject: { kind, name, namespace: NS }, reason, message, type: 'Warning', count: 4,
    firstTimestamp: '2025-01-10T09:14:00Z', lastTimestamp, source: { component: 'kubelet' },
  };
}

const list = (...items: object[]): Partial<KubectlResult> => ({ stdout: JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }) });

/** A kubectl that answers from a script and records the calls. */
function scripted(answer: (args: string[]) => Partial<KubectlResult> | undefined): KubectlRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return { calls, run: args => { calls.push([...args]); return { status: 0, stdout: '', stderr: '', ...answer([...args]) }; } };
}

/** A clock that only pretends to sleep. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: ms => { sleeps.push(ms); now += ms; } };
}

/** The output of a small stack: its namespace, Grafana, Prometheus and Alertmanager, and a scrape Service elsewhere. */
const OUTPUT: KubeManifest[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-prometheus-stack-coredns', namespace: 'kube-system' } },
  deployment(undefined),
  operatorResource('Prometheus', undefined),
  operatorResource('Alertmanager', undefined),
];
const isPoll = (args: string[]) => args[0] === 'get' && args[1].startsWith('deployments.apps,');

describe('readiness rules (as kubectl rollout status, and prometheus-operator\'s conditions)', () => {
  test('Deployment: ready when the current generation is observed and every replica updated and available', () => {
    expect(deploymentReadiness(deployment(DEPLOYMENT_READY))).toEqual({ ready: true, summary: '1/1 available' });
    expect(deploymentReadiness(deployment(undefined))).toEqual({ ready: false, summary: 'generation 1 not observed by its controller yet (observed: 0)' });
    expect(deploymentReadiness(deployment(DEPLOYMENT_READY, 2))).toEqual({ ready: false, summary: 'generation 2 not observed by its controller yet (observed: 1)' });
    expect(deploymentReadiness(deployment(DEPLOYMENT_STARTING))).toEqual({ ready: false, summary: '0/1 available, 1 updated, 0 ready' });
    // A rolling update: the new pod is up, the old one not gone yet.
    expect(deploymentReadiness(deployment({ ...DEPLOYMENT_READY, replicas: 2, readyReplicas: 2, availableReplicas: 2 })))
      .toEqual({ ready: false, summary: '2/1 available, 1 updated, 2 ready, 1 old pending termination' });
  });

  test('Deployment: a rollout past its progress deadline is a failure that waiting does not mend', () => {
    const stuck = deploymentReadiness(deployment({
      ...DEPLOYMENT_STARTING,
      conditions: [DEPLOYMENT_STARTING.conditions[0], condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" has timed out progressing.')],
    }));
    expect(stuck.ready).toBe(false);
    expect(stuck.failure).toBe('its rollout exceeded its progress deadline of 600s (Progressing=False (ProgressDeadlineExceeded: ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" has timed out progressing.))');
  });

  test('StatefulSet: ready when every replica is ready and the rolling update has finished (or reached the partition)', () => {
    const revision = `prometheus-${PROMETHEUS}-6b5dfcbcdd`;
    const done = { availableReplicas: 1, currentReplicas: 1, currentRevision: revision, observedGeneration: 1, readyReplicas: 1, replicas: 1, updateRevision: revision, updatedReplicas: 1 };
    expect(statefulSetReadiness(statefulSet(done))).toEqual({ ready: true, summary: '1/1 ready' });
    expect(statefulSetReadiness(statefulSet({ ...done, observedGeneration: 0 }))).toMatchObject({ ready: false });
    // pods refused (FailedCreate): nothing exists
    expect(statefulSetReadiness(statefulSet({ availableReplicas: 0, currentRevision: revision, observedGeneration: 1, replicas: 0, updateRevision: revision })))
      .toEqual({ ready: false, summary: '0/1 ready, 0 updated' });
    const rolling = { ...done, currentReplicas: 1, currentRevision: `prometheus-${PROMETHEUS}-5f7c9d8b4`, readyReplicas: 3, replicas: 3, updatedReplicas: 2 };
    expect(statefulSetReadiness(statefulSet(rolling, { replicas: 3 })))
      .toEqual({ ready: false, summary: `3/3 ready, 2/3 updated to revision ${revision} (current: prometheus-${PROMETHEUS}-5f7c9d8b4)` });
    expect(statefulSetReadiness(statefulSet(rolling, { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } })))
      .toEqual({ ready: true, summary: '3/3 ready, 2 updated (partition 1)' });
    expect(statefulSetReadiness(statefulSet(rolling, { replicas: 3, updateStrategy: { type: 'OnDelete' } }))).toEqual({ ready: true, summary: '3/3 ready' });
  });

  test('DaemonSet: ready when its pod on every node it should run on is updated, ready and available', () => {
    const done = { currentNumberScheduled: 3, desiredNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0, numberReady: 3, observedGeneration: 2, updatedNumberScheduled: 3 };
    expect(daemonSetReadiness(daemonSet(done, 2))).toEqual({ ready: true, summary: '3/3 available' });
    expect(daemonSetReadiness(daemonSet({ ...done, numberAvailable: 2, numberReady: 2, numberUnavailable: 1, updatedNumberScheduled: 2 }, 2)))
      .toEqual({ ready: false, summary: '2/3 available, 2 updated, 2 ready' });
    expect(daemonSetReadiness(daemonSet(done, 3))).toEqual({ ready: false, summary: 'generation 3 not observed by its controller yet (observed: 2)' });
  });

  test('Prometheus and Alertmanager: ready when Available and Reconciled are True for the current generation', () => {
    expect(operatorResourceReadiness(operatorResource('Prometheus', OPERATOR_READY))).toEqual({ ready: true, summary: 'Available, Reconciled' });
    expect(operatorResourceReadiness(operatorResource('Prometheus', undefined)))
      .toEqual({ ready: false, summary: 'no status yet: prometheus-operator has not reconciled it (is the operator running?)' });
    expect(operatorResourceReadiness(operatorResource('Prometheus', NO_POD_READY(`prometheus-${PROMETHEUS}-0`, '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.'))))
      .toEqual({ ready: false, summary: `Available=False (NoPodReady: pod prometheus-${PROMETHEUS}-0: 0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.), Reconciled` });
    expect(operatorResourceReadiness(operatorResource('Alertmanager', [
      condition('Available', 'Degraded', 'SomePodsNotReady', `pod alertmanager-${ALERTMANAGER}-1: containers with unready status: [alertmanager]`, 1),
      condition('Reconciled', 'False', 'ReconciliationFailed', 'provision alertmanager configuration: secret "slack" not found', 1),
    ])).summary).toBe(`Available=Degraded (SomePodsNotReady: pod alertmanager-${ALERTMANAGER}-1: containers with unready status: [alertmanager]), `
      + 'Reconciled=False (ReconciliationFailed: provision alertmanager configuration: secret "slack" not found)');
    // After a change the operator has not seen yet, True conditions are of the old generation.
    expect(operatorResourceReadiness(operatorResource('Prometheus', OPERATOR_READY, 2)))
      .toEqual({ ready: false, summary: 'Available=True for generation 1, not the current 2, Reconciled=True for generation 1, not the current 2' });
    expect(operatorResourceReadiness(operatorResource('Alertmanager', [condition('Reconciled', 'True')]))).toEqual({ ready: false, summary: 'Available not reported yet, Reconciled' });
  });

  test('PersistentVolumeClaim: ready when Bound; Lost is a failure', () => {
    expect(claimReadiness(claim('Bound'))).toEqual({ ready: true, summary: 'Bound, 10Gi, longhorn-prometheus' });
    expect(claimReadiness(claim('Pending'))).toEqual({ ready: false, summary: 'Pending, 10Gi requested, longhorn-prometheus' });
    expect(claimReadiness(claim('Lost')).failure).toBe('its PersistentVolume pvc-0c4e7d2a-8a1f-4d0b-b7b5-3f4c1f0b9e21 no longer exists (phase Lost)');
  });

  test('fails when asked about a kind without a rule, naming the object', () => {
    expect(() => readiness({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: NS } }))
      .toThrow('Job monitoring/j: --wait has no readiness rule for batch/v1 Job');
  });
});

describe('--timeout durations', () => {
  test('reads h, m and s, alone or combined', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect([600_000, 90_000, 3_600_000, 3_690_000, 0].map(formatDuration)).toEqual(['10m', '1m30s', '1h', '1h1m30s', '0s']);
  });

  test.each(['10', 'ten minutes', '-5m', '1.5h', '', '10 m'])('fails when the duration is %p, naming --timeout and the form', value => {
    expect(() => parseDuration(value)).toThrow(`--timeout is '${value}' but it takes a duration: whole numbers with a unit h, m or s, e.g. 90s, 10m, 1h or 1m30s`);
  });
});

describe('waitTargets', () => {
  test('waits in the stack\'s namespaces, not where it only has a scrape Service, and lists the operator\'s kinds only when the output has them', () => {
    const targets = waitTargets(OUTPUT);
    expect(targets.objects.map(o => o.kind)).toEqual(['Deployment', 'Prometheus', 'Alertmanager']);
    expect(targets.namespaces).toEqual([NS]);
    expect(targets.resources).toEqual(['deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'persistentvolumeclaims', 'prometheuses.monitoring.coreos.com', 'alertmanagers.monitoring.coreos.com']);
    expect(waitTargets([deployment(undefined)]).resources).toEqual(['deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'persistentvolumeclaims']);
    expect(describeWait(targets, 600_000)).toBe('--wait: then waits up to 10m until 1 Deployment, 1 Prometheus, 1 Alertmanager are ready (rolled out as kubectl rollout status says; '
      + 'Prometheus and Alertmanager Available and Reconciled) and every PersistentVolumeClaim in monitoring is Bound');
  });
});

describe('waitUntilReady', () => {
  test('polls until everything is ready, printing each object once as it becomes ready, the operator\'s claim once it appears', () => {
    const rounds = [
      [deployment(DEPLOYMENT_STARTING)],
      [deployment(DEPLOYMENT_READY), operatorResource('Prometheus', NO_POD_READY(`prometheus-${PROMETHEUS}-0`, 'pod has unbound immediate PersistentVolumeClaims')), claim('Pending')],
      [deployment(DEPLOYMENT_READY), operatorResource('Prometheus', OPERATOR_READY), operatorResource('Alertmanager', OPERATOR_READY), claim('Bound')],
    ];
    let round = 0;
    const kubectl = scripted(args => (isPoll(args) ? list(...rounds[Math.min(round++, rounds.length - 1)]) : undefined));
    const clock = fakeClock();
    const log: string[] = [];
    waitUntilReady({ kubectl, targets: waitTargets(OUTPUT), timeoutMs: 600_000, log: l => log.push(l), clock });
    expect(log).toEqual([
      'ready: Deployment monitoring/kube-prometheus-stack-grafana (1/1 available)',
      'ready: Prometheus monitoring/kube-prometheus-stack-prometheus (Available, Reconciled)',
      'ready: Alertmanager monitoring/kube-prometheus-stack-alertmanager (Available, Reconciled)',
      `ready: PersistentVolumeClaim monitoring/${CLAIM} (Bound, 10Gi, longhorn-prometheus)`,
      '--wait: all 4 ready after 4s',
    ]);
    expect(kubectl.calls).toEqual(Array(3).fill(['get', waitTargets(OUTPUT).resources.join(','), '--namespace', NS, '--output=json', '--request-timeout=30s']));
    expect(clock.sleeps).toEqual([2000, 2000]);
  });

  test("waits for the operator's StatefulSet too: right after a change the operator may report the new generation Available from the old pods", () => {
    // seen on the harness: Alertmanager given a Secret to mount; the operator had updated its StatefulSet and called the
    // new generation Available and Reconciled while the StatefulSet controller had not yet replaced the old pod
    const ready = { replicas: 1, readyReplicas: 1, currentReplicas: 1, updatedReplicas: 1, currentRevision: 'r1', updateRevision: 'r1', observedGeneration: 1 };
    const rounds = [
      [deployment(DEPLOYMENT_READY), operatorResource('Prometheus', OPERATOR_READY), operatorResource('Alertmanager', OPERATOR_READY), statefulSet(ready, {}, 2)],
      [deployment(DEPLOYMENT_READY), operatorResource('Prometheus', OPERATOR_READY), operatorResource('Alertmanager', OPERATOR_READY),
        statefulSet({ ...ready, readyReplicas: 0, updatedReplicas: 0, updateRevision: 'r2', observedGeneration: 2 }, {}, 2)],
      [deployment(DEPLOYMENT_READY), operatorResource('Prometheus', OPERATOR_READY), operatorResource('Alertmanager', OPERATOR_READY),
        statefulSet({ ...ready, currentRevision: 'r2', updateRevision: 'r2', observedGeneration: 2 }, {}, 2)],
    ];
    let round = 0;
    const kubectl = scripted(args => (isPoll(args) ? list(...rounds[Math.min(round++, rounds.length - 1)]) : undefined));
    const log: string[] = [];
    waitUntilReady({ kubectl, targets: waitTargets(OUTPUT), timeoutMs: 600_000, log: l => log.push(l), clock: fakeClock() });
    expect(log.filter(l => l.includes('StatefulSet'))).toEqual([`ready: StatefulSet monitoring/prometheus-${PROMETHEUS} (1/1 ready)`]);
    expect(log[log.length - 1]).toBe('--wait: all 4 ready after 4s');
    expect(round).toBe(3);
  });

  test('fails on timeout naming each object that is not ready with its numbers, conditions, Warning events and pods', () => {
    const alertmanagerPod = `alertmanager-${ALERTMANAGER}-0`;
    const alertmanagerSet: KubeManifest = {
      ...statefulSet({ availableReplicas: 0, observedGeneration: 1, replicas: 1, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'a' }),
      metadata: { name: `alertmanager-${ALERTMANAGER}`, namespace: NS, generation: 1, ownerReferences: [{ kind: 'Alertmanager', name: ALERTMANAGER, controller: true }] },
    };
    (alertmanagerSet.spec as { selector: object }).selector = { matchLabels: ALERTMANAGER_POD_LABELS };
    const live = [
      deployment(DEPLOYMENT_STARTING),
      operatorResource('Prometheus', NO_POD_READY(`prometheus-${PROMETHEUS}-0`, 'pod does not exist')),
      statefulSet({ availableReplicas: 0, currentRevision: 'r', observedGeneration: 1, replicas: 0, updateRevision: 'r' }),
      operatorResource('Alertmanager', NO_POD_READY(alertmanagerPod, 'containers with unready status: [alertmanager config-reloader]')),
      alertmanagerSet,
      claim('Pending'),
    ];
    const forbidden = `create Pod prometheus-${PROMETHEUS}-0 in StatefulSet prometheus-${PROMETHEUS} failed error: pods "prometheus-${PROMETHEUS}-0" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true`;
    const events = [
      warning('Pod', 'kube-prometheus-stack-grafana-5d8f9c7b6d-x2x7k', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.'),
      warning('StatefulSet', `prometheus-${PROMETHEUS}`, 'FailedCreate', forbidden),
      warning('Pod', alertmanagerPod, 'FailedMount', 'MountVolume.SetUp failed for volume "secret-slack" : secret "slack" not found'),
      warning('PersistentVolumeClaim', CLAIM, 'ProvisioningFailed', 'failed to provision volume with StorageClass "longhorn-prometheus": rpc error: code = Internal desc = no node available', '2025-01-10T09:19:00Z'),
      warning('PersistentVolumeClaim', CLAIM, 'ProvisioningFailed', 'an older message', '2025-01-10T09:10:00Z'),
      warning('Pod', 'someone-elses-pod', 'BackOff', 'Back-off restarting failed container'),
    ];
    const pods = [
      pod('kube-prometheus-stack-grafana-5d8f9c7b6d-x2x7k', { ...GRAFANA_LABELS, 'pod-template-hash': '5d8f9c7b6d' }, 'Pending'),
      pod(alertmanagerPod, { ...ALERTMANAGER_POD_LABELS, 'statefulset.kubernetes.io/pod-name': alertmanagerPod }, 'Pending', { container: 'alertmanager', reason: 'ContainerCreating' }),
      pod('someone-elses-pod', { app: 'other' }, 'Running', { container: 'app', reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=app' }),
    ];
    const kubectl = scripted(args => {
      if (isPoll(args)) return list(...live);
      if (args[1] === 'events') return list(...events);
      if (args[1] === 'pods') return list(...pods);
      return undefined;
    });
    const clock = fakeClock();
    let message = '';
    try {
      waitUntilReady({ kubectl, targets: waitTargets(OUTPUT), timeoutMs: 10_000, log: () => undefined, clock });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      '--wait: 4 of 4 not ready after 10s (--timeout 10s):',
      '  Deployment monitoring/kube-prometheus-stack-grafana not ready: 0/1 available, 1 updated, 0 ready; '
        + 'conditions: Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.), Progressing=True (ReplicaSetUpdated: ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" is progressing.); '
        + 'pod monitoring/kube-prometheus-stack-grafana-5d8f9c7b6d-x2x7k: Pending; '
        + 'Warning FailedScheduling: 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      `  Prometheus monitoring/${PROMETHEUS} not ready: Available=False (NoPodReady: pod prometheus-${PROMETHEUS}-0: pod does not exist), Reconciled; `
        + `StatefulSet monitoring/prometheus-${PROMETHEUS}: 0/1 ready, 0 updated; Warning FailedCreate: ${forbidden}`,
      `  Alertmanager monitoring/${ALERTMANAGER} not ready: Available=False (NoPodReady: pod ${alertmanagerPod}: containers with unready status: [alertmanager config-reloader]), Reconciled; `
        + `StatefulSet monitoring/alertmanager-${ALERTMANAGER}: 0/1 ready, 1 updated; `
        + `pod monitoring/${alertmanagerPod}: Pending, container alertmanager: ContainerCreating; Warning FailedMount: MountVolume.SetUp failed for volume "secret-slack" : secret "slack" not found`,
      `  PersistentVolumeClaim monitoring/${CLAIM} not ready: Pending, 10Gi requested, longhorn-prometheus; `
        + 'Warning ProvisioningFailed: an older message; Warning ProvisioningFailed: failed to provision volume with StorageClass "longhorn-prometheus": rpc error: code = Internal desc = no node available',
    ]);
    // polled every 2 s until the timeout, then read the events and pods of the namespace once
    expect(kubectl.calls.filter(isPoll)).toHaveLength(6);
    expect(kubectl.calls.filter(c => !isPoll(c))).toEqual([
      ['get', 'events', '--namespace', NS, '--field-selector=type=Warning', '--output=json', '--request-timeout=30s'],
      ['get', 'pods', '--namespace', NS, '--output=json', '--request-timeout=30s'],
    ]);
  });

  test('fails at once, before the timeout, on a Deployment past its progress deadline', () => {
    const stuck = deployment({
      ...DEPLOYMENT_STARTING,
      conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" has timed out progressing.')],
    });
    const kubectl = scripted(args => (isPoll(args) ? list(stuck) : args[1] === 'events'
      ? list(warning('ReplicaSet', 'kube-prometheus-stack-grafana-5d8f9c7b6d', 'FailedCreate', 'Error creating: pods "kube-prometheus-stack-grafana-5d8f9c7b6d-" is forbidden: exceeded quota: compute'),
        warning('ReplicaSet', 'kube-prometheus-stack-grafana-other-5d8f9c7b6d', 'FailedCreate', 'not this one'))
      : list()));
    const clock = fakeClock();
    expect(() => waitUntilReady({ kubectl, targets: waitTargets([deployment(undefined)]), timeoutMs: 600_000, log: () => undefined, clock })).toThrow(
      '--wait: an object will not become ready by waiting:\n  Deployment monitoring/kube-prometheus-stack-grafana will not become ready: its rollout exceeded its progress deadline of 600s '
      + '(Progressing=False (ProgressDeadlineExceeded: ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" has timed out progressing.)); 0/1 available, 1 updated, 0 ready; '
      + 'conditions: Progressing=False (ProgressDeadlineExceeded: ReplicaSet "kube-prometheus-stack-grafana-5d8f9c7b6d" has timed out progressing.); '
      + 'Warning FailedCreate: Error creating: pods "kube-prometheus-stack-grafana-5d8f9c7b6d-" is forbidden: exceeded quota: compute');
    expect(clock.sleeps).toEqual([]);
  });

  test('says when an object it printed as ready is no longer, and prints it again when it is', () => {
    const rounds = [DEPLOYMENT_READY, DEPLOYMENT_STARTING, DEPLOYMENT_READY];
    let round = 0;
    // The wait ends only when everything is ready in the same poll.
    const flapping = scripted(args => (isPoll(args) ? list(deployment(rounds[round++]), claim(round === 1 ? 'Pending' : 'Bound')) : undefined));
    const flappingLog: string[] = [];
    waitUntilReady({ kubectl: flapping, targets: waitTargets([deployment(undefined)]), timeoutMs: 600_000, log: l => flappingLog.push(l), clock: fakeClock() });
    expect(flappingLog).toEqual([
      'ready: Deployment monitoring/kube-prometheus-stack-grafana (1/1 available)',
      'no longer ready: Deployment monitoring/kube-prometheus-stack-grafana (0/1 available, 1 updated, 0 ready)',
      `ready: PersistentVolumeClaim monitoring/${CLAIM} (Bound, 10Gi, longhorn-prometheus)`,
      'ready: Deployment monitoring/kube-prometheus-stack-grafana (1/1 available)',
      '--wait: all 2 ready after 4s',
    ]);
  });

  test('keeps polling through a failed get, and names kubectl\'s error on timeout', () => {
    const kubectl = scripted(() => ({ status: 1, stderr: 'Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout' }));
    expect(() => waitUntilReady({ kubectl, targets: waitTargets([deployment(undefined)]), timeoutMs: 4000, log: () => undefined, clock: fakeClock() })).toThrow(
      `--wait: 1 of 1 not ready after 4s (--timeout 4s):\n  Deployment monitoring/kube-prometheus-stack-grafana not ready: not read: kubectl get ${waitTargets([]).resources.join(',')} --namespace monitoring --output=json --request-timeout=30s failed: Unable to connect to the server`);
  });
});

describe('statusLine (deploy without --wait)', () => {
  test('says how many are ready and which are not yet', () => {
    const kubectl = scripted(args => (isPoll(args) ? list(deployment(DEPLOYMENT_READY), operatorResource('Prometheus', undefined), claim('Pending')) : undefined));
    expect(statusLine(kubectl, waitTargets(OUTPUT))).toBe('status: 1 of 4 ready now; not yet: '
      + 'Prometheus monitoring/kube-prometheus-stack-prometheus (no status yet: prometheus-operator has not reconciled it (is the operator running?)), '
      + 'Alertmanager monitoring/kube-prometheus-stack-alertmanager (not found in the cluster), '
      + `PersistentVolumeClaim monitoring/${CLAIM} (Pending, 10Gi requested, longhorn-prometheus); deploy --wait waits until they are`);
    const ready = scripted(() => list(deployment(DEPLOYMENT_READY)));
    expect(statusLine(ready, waitTargets([deployment(undefined)]))).toBe('status: all 1 ready (workloads rolled out, Prometheus and Alertmanager Available and Reconciled, volume claims Bound)');
  });

  test('says the cluster could not be read, without throwing', () => {
    const kubectl = scripted(() => ({ status: 1, stderr: 'error: You must be logged in to the server (Unauthorized)' }));
    expect(statusLine(kubectl, waitTargets([deployment(undefined)])))
      .toMatch(/^status: not read: kubectl get .* --namespace monitoring --output=json --request-timeout=30s failed: error: You must be logged in to the server \(Unauthorized\)$/);
  });
});
