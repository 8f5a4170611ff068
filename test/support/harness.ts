// The control-plane harness in ../shared/kubernetes beside the project, and what it needs from the machine.
import * as fs from 'fs';
import * as path from 'path';

/** The shared harness: up.sh, sim.sh, down.sh, unpack.sh and the xz-compressed Kubernetes 1.32 binaries. */
export const HARNESS_DIR = path.resolve(__dirname, '../../../shared/kubernetes');

/** Something the harness needs that this machine lacks. */
export interface MissingPrerequisite {
  readonly what: string;
  /** The Debian package that provides it, if one does. */
  readonly debianPackage?: string;
}

/** What the harness needs and this machine lacks: the harness folder itself, etcd and the tools up.sh uses. */
export function missingPrerequisites(): MissingPrerequisite[] {
  const missing: MissingPrerequisite[] = [];
  const harnessFiles = ['up.sh', 'sim.sh', 'down.sh', 'unpack.sh', 'SHA256SUMS', 'kube-apiserver.xz', 'kubectl.xz',
    'kube-controller-manager.xz', 'kube-scheduler.xz'];
  const absent = harnessFiles.filter(f => !fs.existsSync(path.join(HARNESS_DIR, f)));
  if (absent.length > 0) missing.push({ what: `${absent.join(', ')} in ${HARNESS_DIR} (shared/kubernetes beside the project)` });
  const etcd = process.env.ETCD;
  if (etcd ? !isExecutable(etcd) : !onPath('etcd') && !isExecutable('/usr/bin/etcd')) {
    missing.push({ what: etcd ? `etcd at ETCD=${etcd}` : 'etcd', debianPackage: 'etcd-server' });
  }
  for (const [tool, debianPackage] of [['openssl', 'openssl'], ['xz', 'xz-utils'], ['curl', 'curl'], ['setsid', 'util-linux']]) {
    if (!onPath(tool)) missing.push({ what: tool, debianPackage });
  }
  return missing;
}

/** One line: what is missing and the apt-get line that installs it. */
export function describeMissing(missing: readonly MissingPrerequisite[]): string {
  const packages = [...new Set(missing.flatMap(m => (m.debianPackage ? [m.debianPackage] : [])))];
  const what = missing.map(m => (m.debianPackage ? `${m.what} (Debian package ${m.debianPackage})` : m.what)).join(', ');
  const install = packages.length > 0 ? `; install with: apt-get update && apt-get install -y ${packages.join(' ')}` : '';
  return `no Kubernetes control plane for integration tests: missing ${what}${install}`;
}

/** Whether this run is CI (CI=true), where a missing harness fails instead of skipping. */
export function isCI(): boolean {
  return ['true', '1'].includes((process.env.CI ?? '').toLowerCase());
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
