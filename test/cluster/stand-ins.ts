// What the harness runs beside kwok so that a stack applied to it behaves as on a real cluster where nothing
// real can run here. One process, started by sim.sh, polling the API server once a second:
//
// - A STAND-IN VOLUME PROVISIONER for Longhorn (`driver.longhorn.io`): a claim of a StorageClass with that provisioner
//   gets a PersistentVolume of the requested size, which the real PV controller binds; a released volume of a class
//   whose reclaimPolicy is Delete is deleted. No Longhorn runs: no data is stored anywhere, no replica exists.
// - A STAND-IN FOR THE KUBELET'S VOLUME AND ENV CHECKS: a pod bound to a node is marked mounted (kwok-stages.yaml then
//   makes it Running and Ready) only once every Secret, ConfigMap and claim it mounts or reads into its environment
//   exists; until then it stays Pending with the kubelet's own Warning event (FailedMount, or Failed for an
//   environment variable). A real kubelet would also set the container's waiting reason (ContainerCreating, or
//   CreateContainerConfigError for a variable); this stand-in writes no containerStatuses, only the event.
// - The REAL PROMETHEUS-OPERATOR (built by build.sh at the version the chart deploys), run outside the cluster once
//   the chart's operator Deployment is applied, with that Deployment's own arguments and as its ServiceAccount
//   (impersonated), so the chart's RBAC is what it gets. Its pod in the cluster is simulated like every other.
//
// NOT SIMULATED: containers, images, probes, scrapes (nothing runs, so nothing is scraped and no alert fires); the
// keys a Secret or ConfigMap volume's `items` name (a real kubelet fails the mount on a missing key; this one only
// checks that the object exists); volume attachment (VolumeAttachment objects, Longhorn's engine and replicas). The
// stand-ins themselves act with the harness's admin credentials; only the operator runs as its ServiceAccount.
//
// Environment: K8S_STATE (the control plane's state folder, with its kubeconfig), PROMETHEUS_OPERATOR (the binary).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import { parse, stringify } from 'yaml';

const STATE = requiredEnv('K8S_STATE');
const OPERATOR_BINARY = requiredEnv('PROMETHEUS_OPERATOR');
const LONGHORN_PROVISIONER = 'driver.longhorn.io';
/** kwok-stages.yaml makes a pod Running and Ready once it carries this annotation. */
const MOUNTED_ANNOTATION = 'harness.cdk8s-monitoring-stack.internal/volumes';
const POLL_MS = 1000;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = any;

interface Kubeconfig { server: string; ca: Buffer; token: string }

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`stand-ins: ${name} is not set`);
  return value;
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

function readKubeconfig(file: string): Kubeconfig {
  const config = parse(fs.readFileSync(file, 'utf8'));
  const cluster = config.clusters[0].cluster;
  return { server: cluster.server, ca: Buffer.from(cluster['certificate-authority-data'], 'base64'), token: config.users[0].user.token };
}

const kubeconfigFile = path.join(STATE, 'kubeconfig');
const api = readKubeconfig(kubeconfigFile);

/** One request to the API server; resolves with the parsed body, rejects with the status and message. */
function request(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<Obj> {
  const url = new URL(urlPath, api.server);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method, ca: api.ca, timeout: 10_000,
      headers: { authorization: `Bearer ${api.token}`, accept: 'application/json', ...(data ? { 'content-type': contentType, 'content-length': data.length } : {}) },
    }, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${urlPath}: ${res.statusCode} ${text.slice(0, 300)}`));
        else resolve(text ? JSON.parse(text) : undefined);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

const list = async (urlPath: string): Promise<Obj[]> => (await request('GET', urlPath)).items ?? [];
const key = (o: Obj) => `${o.metadata.namespace}/${o.metadata.name}`;

// ---- the volume provisioner ---------------------------------------------------------------------------------------

async function provision(classes: Obj[], claims: Obj[], volumes: Obj[]): Promise<void> {
  const longhornClasses = new Map(classes.filter(c => c.provisioner === LONGHORN_PROVISIONER).map(c => [c.metadata.name, c]));
  const provisioned = new Set(volumes.map(v => v.metadata.name));
  for (const claim of claims) {
    const storageClass = longhornClasses.get(claim.spec.storageClassName);
    if (!storageClass || claim.status?.phase !== 'Pending' || claim.spec.volumeName) continue;
    // WaitForFirstConsumer: the scheduler names the node first, as for a real CSI provisioner.
    if (storageClass.volumeBindingMode === 'WaitForFirstConsumer' && !claim.metadata.annotations?.['volume.kubernetes.io/selected-node']) continue;
    const name = `pvc-${claim.metadata.uid}`;
    if (provisioned.has(name)) continue;
    const size = claim.spec.resources.requests.storage;
    await request('POST', '/api/v1/persistentvolumes', {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': LONGHORN_PROVISIONER, 'harness.cdk8s-monitoring-stack.internal/stand-in': 'no Longhorn volume exists' } },
      spec: {
        capacity: { storage: size },
        accessModes: claim.spec.accessModes,
        storageClassName: storageClass.metadata.name,
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
        volumeMode: claim.spec.volumeMode ?? 'Filesystem',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
        csi: { driver: LONGHORN_PROVISIONER, volumeHandle: name, fsType: storageClass.parameters?.fsType ?? 'ext4', volumeAttributes: storageClass.parameters ?? {} },
      },
    });
    await event('PersistentVolumeClaim', claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name} (harness stand-in for ${LONGHORN_PROVISIONER}: no Longhorn volume exists)`, 'driver.longhorn.io_stand-in');
    log(`provisioned ${name} (${size}, ${storageClass.metadata.name}) for claim ${key(claim)}`);
  }
  for (const volume of volumes) {
    if (volume.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== LONGHORN_PROVISIONER) continue;
    if (volume.status?.phase !== 'Released' || volume.spec.persistentVolumeReclaimPolicy !== 'Delete') continue;
    await request('DELETE', `/api/v1/persistentvolumes/${volume.metadata.name}`).catch(e => log(`deleting ${volume.metadata.name}: ${e.message}`));
    log(`deleted released volume ${volume.metadata.name}`);
  }
}

// ---- the kubelet's volume and env checks --------------------------------------------------------------------------

/** Events already posted, by pod uid and message: the kubelet repeats its own, one is enough here. */
const posted = new Set<string>();

async function mount(pods: Obj[]): Promise<void> {
  const waiting = pods.filter(p => p.spec.nodeName && !p.metadata.deletionTimestamp && p.metadata.annotations?.[MOUNTED_ANNOTATION] !== 'mounted');
  if (waiting.length === 0) return;
  const [secrets, configMaps, claims] = await Promise.all([list('/api/v1/secrets'), list('/api/v1/configmaps'), list('/api/v1/persistentvolumeclaims')]);
  const byKey = (items: Obj[]) => new Map(items.map(i => [key(i), i]));
  const found = { secret: byKey(secrets), configmap: byKey(configMaps), claim: byKey(claims) };
  for (const pod of waiting) {
    const ns = pod.metadata.namespace;
    const missing = (kind: 'secret' | 'configmap', name: string, optional?: boolean, dataKey?: string): string | undefined => {
      if (optional) return undefined;
      const object = found[kind].get(`${ns}/${name}`);
      if (!object) return `${kind} "${name}" not found`;
      if (dataKey && !(dataKey in (object.data ?? {})) && !(dataKey in (object.stringData ?? {}))) {
        return `couldn't find key ${dataKey} in ${kind === 'secret' ? 'Secret' : 'ConfigMap'} ${ns}/${name}`;
      }
      return undefined;
    };
    const problems: Array<{ reason: string; message: string }> = [];
    for (const volume of pod.spec.volumes ?? []) {
      const errors: string[] = [];
      if (volume.secret) errors.push(missing('secret', volume.secret.secretName, volume.secret.optional) ?? '');
      if (volume.configMap) errors.push(missing('configmap', volume.configMap.name, volume.configMap.optional) ?? '');
      for (const source of volume.projected?.sources ?? []) {
        if (source.secret) errors.push(missing('secret', source.secret.name, source.secret.optional) ?? '');
        if (source.configMap) errors.push(missing('configmap', source.configMap.name, source.configMap.optional) ?? '');
      }
      if (volume.persistentVolumeClaim) {
        const claim = found.claim.get(`${ns}/${volume.persistentVolumeClaim.claimName}`);
        if (claim?.status?.phase !== 'Bound') errors.push(`persistentvolumeclaim "${volume.persistentVolumeClaim.claimName}" is not bound`);
      }
      const real = errors.filter(Boolean);
      if (real.length > 0) {
        problems.push({ reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "${volume.name}" : ${real.length === 1 ? real[0] : `[${real.join(', ')}]`}` });
      }
    }
    for (const container of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
      for (const env of container.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef ?? env.valueFrom?.configMapKeyRef;
        if (!ref) continue;
        const error = missing(env.valueFrom.secretKeyRef ? 'secret' : 'configmap', ref.name, ref.optional, ref.key);
        if (error) problems.push({ reason: 'Failed', message: `Error: ${error}` });
      }
      for (const from of container.envFrom ?? []) {
        const error = from.secretRef ? missing('secret', from.secretRef.name, from.secretRef.optional)
          : from.configMapRef ? missing('configmap', from.configMapRef.name, from.configMapRef.optional) : undefined;
        if (error) problems.push({ reason: 'Failed', message: `Error: ${error}` });
      }
    }
    if (problems.length === 0) {
      await request('PATCH', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}`,
        { metadata: { annotations: { [MOUNTED_ANNOTATION]: 'mounted' } } }, 'application/merge-patch+json')
        .catch(e => log(`marking ${key(pod)} mounted: ${e.message}`));
      continue;
    }
    for (const problem of problems) {
      const id = `${pod.metadata.uid} ${problem.message}`;
      if (posted.has(id)) continue;
      posted.add(id);
      await event('Pod', pod, 'Warning', problem.reason, problem.message, 'kubelet', pod.spec.nodeName);
      log(`${key(pod)}: ${problem.reason}: ${problem.message}`);
    }
  }
}

/** Posts an event about a Pod or claim (`kind`: items of a list carry none of their own). */
async function event(kind: 'Pod' | 'PersistentVolumeClaim', about: Obj, type: string, reason: string, message: string, component: string, host?: string): Promise<void> {
  const now = new Date().toISOString();
  const ns = about.metadata.namespace;
  await request('POST', `/api/v1/namespaces/${ns}/events`, {
    apiVersion: 'v1', kind: 'Event',
    metadata: { generateName: `${about.metadata.name}.`, namespace: ns },
    involvedObject: { apiVersion: 'v1', kind, namespace: ns, name: about.metadata.name, uid: about.metadata.uid },
    type, reason, message, source: { component, ...(host ? { host } : {}) },
    firstTimestamp: now, lastTimestamp: now, count: 1,
  }).catch(e => log(`posting event ${reason} for ${key(about)}: ${e.message}`));
}

// ---- the real prometheus-operator ---------------------------------------------------------------------------------

interface OperatorRun { readonly signature: string; readonly child: ChildProcess }
/** One operator per operator Deployment, by the Deployment's namespace/name, as one pod each would run. */
const operators = new Map<string, OperatorRun>();

/** The chart's operator Deployments: those whose container runs prometheus-operator's image. */
function operatorDeployments(deployments: Obj[]): Map<string, { deployment: Obj; container: Obj }> {
  const found = new Map<string, { deployment: Obj; container: Obj }>();
  for (const deployment of deployments) {
    if (deployment.metadata.deletionTimestamp || deployment.spec.replicas === 0) continue;
    const container = deployment.spec.template.spec.containers.find((c: Obj) => /\/prometheus-operator\/prometheus-operator[:@]/.test(c.image));
    if (container) found.set(key(deployment), { deployment, container });
  }
  return found;
}

/**
 * The Deployment's arguments as they work outside the cluster: its web server on a loopback port without TLS files,
 * and as the Deployment's ServiceAccount (the operator reads KUBECONFIG, and sets the user to impersonate from --as
 * only, replacing the kubeconfig's).
 */
function operatorArgs(args: readonly string[], port: number, user: string): string[] {
  const dropped = /^--?(web\.listen-address|web\.enable-tls|web\.cert-file|web\.key-file|web\.client-ca-file|as|apiserver)=/;
  return [...args.filter(a => !dropped.test(a)), `--web.listen-address=127.0.0.1:${port}`, '--web.enable-tls=false', `--as=${user}`];
}

async function runOperators(deployments: Obj[]): Promise<void> {
  if (stopping) return; // stopping: start nothing that the signal handler would not stop
  const wanted = operatorDeployments(deployments);
  for (const [name, run] of operators) {
    const found = wanted.get(name);
    if (found && signatureOf(found) === run.signature && run.child.exitCode === null && run.child.signalCode === null) continue;
    log(`stopping prometheus-operator of ${name} (${found ? 'its Deployment changed or it exited' : 'its Deployment is gone'})`);
    await stop(run.child);
    operators.delete(name);
  }
  for (const [name, found] of wanted) {
    if (!operators.has(name)) operators.set(name, await startOperator(name, found.deployment, found.container));
  }
}

const signatureOf = (found: { deployment: Obj; container: Obj }) => JSON.stringify([found.container.args, found.container.env, found.deployment.spec.template.spec.serviceAccountName]);

async function startOperator(name: string, deployment: Obj, container: Obj): Promise<OperatorRun> {
  const ns = deployment.metadata.namespace;
  const serviceAccount = deployment.spec.template.spec.serviceAccountName ?? 'default';
  const file = `prometheus-operator.${ns}.${deployment.metadata.name}`;
  // As the Deployment's ServiceAccount, with its groups: the operator gets exactly what the chart's RBAC grants it.
  const user = `system:serviceaccount:${ns}:${serviceAccount}`;
  const kubeconfig = path.join(STATE, `${file}.kubeconfig`);
  const config = parse(fs.readFileSync(kubeconfigFile, 'utf8'));
  config.users[0].user.as = user;
  config.users[0].user['as-groups'] = ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];
  fs.writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
  const port = await freePort();
  const args = operatorArgs(container.args ?? [], port, user);
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
  for (const e of container.env ?? []) if (typeof e.value === 'string') env[e.name] = e.value;
  const logFile = fs.openSync(path.join(STATE, `${file}.log`), 'a');
  const child = spawn(OPERATOR_BINARY, args, { env, stdio: ['ignore', logFile, logFile] });
  fs.closeSync(logFile);
  fs.writeFileSync(path.join(STATE, `${file}.json`), JSON.stringify({ pid: child.pid, deployment: name, serviceAccount, args, port }, null, 2));
  fs.appendFileSync(path.join(STATE, 'pids'), `${path.basename(OPERATOR_BINARY)} ${child.pid}\n`);
  child.on('exit', (code, signal) => log(`prometheus-operator of ${name} exited (${code ?? signal})`));
  log(`started prometheus-operator for ${name} as ${serviceAccount}: ${args.join(' ')}`);
  return { signature: signatureOf({ deployment, container }), child };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---- the loop -----------------------------------------------------------------------------------------------------

async function round(): Promise<void> {
  const [classes, claims, volumes, pods, deployments] = await Promise.all([
    list('/apis/storage.k8s.io/v1/storageclasses'), list('/api/v1/persistentvolumeclaims'), list('/api/v1/persistentvolumes'),
    list('/api/v1/pods'), list('/apis/apps/v1/deployments'),
  ]);
  await provision(classes, claims, volumes);
  await mount(pods);
  await runOperators(deployments);
}

let stopping = false;
async function main(): Promise<void> {
  log(`stand-ins started against ${api.server}`);
  while (!stopping) {
    const started = Date.now();
    try {
      await round();
    } catch (e) {
      log(`round failed: ${(e as Error).message}`);
    }
    await new Promise(resolve => setTimeout(resolve, Math.max(0, POLL_MS - (Date.now() - started))));
  }
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stopping = true;
    void Promise.all([...operators.values()].map(run => stop(run.child))).then(() => process.exit(0));
  });
}
void main();
