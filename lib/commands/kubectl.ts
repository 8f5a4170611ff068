import { spawnSync } from 'child_process';
import * as semver from 'semver';
import { kubectlBinary } from '../render/tools';
import { KUBERNETES_VERSION_ANNOTATION, SUPPORTED_KUBERNETES_VERSIONS } from '../render/kube-api';
import type { OutputFile } from '../output/validation';

/** What one kubectl call did. */
export interface KubectlResult {
  /** Exit code; null when kubectl could not be started or was killed. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl against one cluster: how deploy and diff reach it (tests substitute a scripted one). */
export interface KubectlRunner {
  /** kubectl with `args` (without `--context`), `input` on standard input. */
  run(args: readonly string[], input?: string): KubectlResult;
  /** The kubeconfig context, if one was chosen. */
  readonly context?: string;
}

/** Environment variable that turns on kubectl's ApplySet pruning (`--applyset`), still alpha in kubectl 1.35. */
export const APPLYSET_ENV = 'KUBECTL_APPLYSET';

/** The arguments of a call against `context`, as kubectl gets them. */
export function withContext(args: readonly string[], context?: string): string[] {
  return [...(context ? ['--context', context] : []), ...args];
}

/** The command line of a call, as a person would type it (with `KUBECTL_APPLYSET=true` where it is needed). */
export function commandLine(args: readonly string[], context?: string): string {
  const prefix = args.some(a => a.startsWith('--applyset')) ? `${APPLYSET_ENV}=true ` : '';
  return `${prefix}${['kubectl', ...withContext(args, context)].join(' ')}`;
}

/** The kubectl deploy uses (KUBECTL_BIN, PATH, or the pinned one; see tools.ts), against `context`. */
export class Kubectl implements KubectlRunner {
  constructor(public readonly context?: string, public readonly binary: string = kubectlBinary()) {}

  public run(args: readonly string[], input?: string): KubectlResult {
    const env = { ...process.env };
    // ApplySet pruning is alpha: kubectl hides --applyset unless this is set (true of 1.27 to 1.35).
    if (args.some(a => a.startsWith('--applyset'))) env[APPLYSET_ENV] = 'true';
    const result = spawnSync(this.binary, withContext(args, this.context), {
      input, encoding: 'utf8', env, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024,
    });
    if (result.error) {
      return { status: null, stdout: '', stderr: `could not run ${this.binary}: ${result.error.message}` };
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
}

/** kubectl's client and the cluster's server version, and how far apart they are. */
export interface VersionSkew {
  readonly client: string;
  readonly server: string;
  /** Minor versions between them (client minus server); undefined when a version is unknown. */
  readonly minorsApart?: number;
}

/**
 * Reads kubectl's and the server's version (`kubectl version -o json`). kubectl supports a server one
 * minor version older or newer; the pinned kubectl is 1.35, so against a 1.28 cluster it is 7 apart.
 * Throws with kubectl's message when the cluster cannot be reached.
 */
export function versionSkew(kubectl: KubectlRunner): VersionSkew {
  const result = kubectl.run(['version', '--output=json']);
  let parsed: { clientVersion?: { gitVersion?: string }; serverVersion?: { gitVersion?: string } } = {};
  try {
    parsed = JSON.parse(result.stdout || '{}');
  } catch {
    // kubectl prints its JSON only when it reached the server; the error below says why not
  }
  if (!parsed.serverVersion?.gitVersion) {
    const context = kubectl.context ? `context '${kubectl.context}'` : 'the current kubeconfig context';
    throw new Error(`cannot reach the cluster of ${context}: ${result.stderr.trim() || `kubectl exited with ${result.status}`}\nFix: check 'kubectl config get-contexts' and pass --context NAME`);
  }
  const client = parsed.clientVersion?.gitVersion ?? 'unknown';
  const server = parsed.serverVersion.gitVersion;
  const c = semver.coerce(client);
  const s = semver.coerce(server);
  return { client, server, minorsApart: c && s && c.major === s.major ? c.minor - s.minor : undefined };
}

/** One line about the skew, a warning when it exceeds kubectl's supported ±1 minor version. */
export function describeSkew(skew: VersionSkew, binary: string): string {
  const line = `kubectl ${skew.client} (${binary}) against server ${skew.server}`;
  if (skew.minorsApart === undefined || Math.abs(skew.minorsApart) <= 1) return line;
  const server = semver.coerce(skew.server)!;
  return `${line}: warning: ${Math.abs(skew.minorsApart)} minor versions apart, but kubectl supports a server one minor version older or newer; `
    + `this project's tests run deploy and diff with the pinned kubectl 1.35 against 1.35 and 1.28 servers; `
    + `if a step fails oddly, point KUBECTL_BIN at a kubectl ${server.major}.${server.minor}`;
}

/**
 * Why the output must not go to this server, or undefined when it may: the Kubernetes minor the output was made
 * for (the annotation on its Namespaces) is not the server's. `where` names the output folder. `what` says the two
 * versions; `message` adds why it matters and the fix.
 */
export function serverVersionMismatch(files: readonly OutputFile[], skew: VersionSkew, where: string, context?: string): { what: string; message: string } | undefined {
  const made = new Set(files.flatMap(f => f.objects).filter(o => o.kind === 'Namespace')
    .map(o => o.metadata.annotations?.[KUBERNETES_VERSION_ANNOTATION]).filter((v): v is string => typeof v === 'string'));
  const server = semver.coerce(skew.server);
  if (made.size === 0 || !server) return undefined; // output without this library's Namespaces says nothing
  const minor = `${server.major}.${server.minor}`;
  if (made.size === 1 && made.has(minor)) return undefined;
  const cluster = context ? `the cluster of context '${context}'` : 'the cluster';
  const fix = SUPPORTED_KUBERNETES_VERSIONS.includes(minor)
    ? `set cluster.kubernetesVersion: '${minor}' on the MonitoringStack (kubernetesVersion on a standalone construct) and synth again`
    : `Kubernetes ${minor} is not one this library makes output for (${SUPPORTED_KUBERNETES_VERSIONS[0]} to ${SUPPORTED_KUBERNETES_VERSIONS[SUPPORTED_KUBERNETES_VERSIONS.length - 1]}); upgrade the cluster to one of those, then set cluster.kubernetesVersion to it and synth again`;
  const what = `${where} was made for Kubernetes ${[...made].sort().join(' and ')} but ${cluster} runs ${skew.server} (${minor})`;
  return { what, message: `${what}: charts were rendered and the output checked for another API; ${fix}; or pass --force to go on anyway` };
}

/** The oldest kubectl with ApplySet pruning (`--applyset`, alpha since 1.27). */
export const MINIMUM_APPLYSET_KUBECTL = '1.27.0';

/** Throws, naming the fix, when kubectl is too old to prune with an ApplySet. */
export function requireApplySetSupport(skew: VersionSkew, binary: string): void {
  const client = semver.coerce(skew.client);
  if (client && semver.lt(client, MINIMUM_APPLYSET_KUBECTL)) {
    throw new Error(`kubectl ${skew.client} (${binary}) cannot prune with an ApplySet (--applyset came in kubectl 1.27); point KUBECTL_BIN at a kubectl 1.27 or newer, or remove this one from PATH to use the pinned kubectl 1.35`);
  }
}
