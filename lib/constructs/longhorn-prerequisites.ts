import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkProps, oneOf, PropShape } from './known-props';
import { INamespace, NAMESPACE_REFERENCE_SHAPE } from './namespace';

/** Node operating system families, by package manager. */
export enum OsFamily {
  /** Debian, Ubuntu: apt-get, open-iscsi, nfs-common. */
  DEBIAN = 'debian',
  /** RHEL, Rocky, Alma, Fedora: dnf, iscsi-initiator-utils, nfs-utils. */
  RHEL = 'rhel',
  /** SUSE, openSUSE: zypper, open-iscsi, nfs-client. */
  SUSE = 'suse',
}

const PACKAGES: Record<OsFamily, { install: string; iscsi: string; nfs: string }> = {
  [OsFamily.DEBIAN]: { install: 'DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q', iscsi: 'open-iscsi', nfs: 'nfs-common' },
  [OsFamily.RHEL]: { install: 'dnf install -y -q', iscsi: 'iscsi-initiator-utils', nfs: 'nfs-utils' },
  [OsFamily.SUSE]: { install: 'zypper --non-interactive install', iscsi: 'open-iscsi', nfs: 'nfs-client' },
};

/** Props of {@link LonghornPrerequisites}. */
export interface LonghornPrerequisitesProps {
  /** Namespace to run in (Longhorn's: it is already `privileged`). */
  readonly namespace: INamespace;
  /**
   * Operating system family of the nodes.
   * @default OsFamily.DEBIAN
   */
  readonly osFamily?: OsFamily;
  /**
   * Also install the NFS client, which ReadWriteMany volumes need.
   * @default true
   */
  readonly nfs?: boolean;
  /**
   * Image with `nsenter` (busybox's is enough).
   * @default 'busybox:1.36.1'
   */
  readonly image?: string;
}

/**
 * Installs and enables what Longhorn needs on each node that can hold volumes (open-iscsi, and the
 * NFS client for RWX volumes), so nobody has to ssh into every node. Opt-in: it changes the host.
 *
 * A DaemonSet whose init container enters the host's mount namespace (through PID 1) to install the
 * packages with the node's own package manager and start iscsid; it also reports a running multipathd,
 * which claims Longhorn's block devices. The pod is Ready once `iscsiadm` works on the host, so
 * `kubectl -n longhorn-system get ds longhorn-prerequisites` shows which nodes are ready.
 */
export class LonghornPrerequisites extends Construct {
  constructor(scope: Construct, id: string, props: LonghornPrerequisitesProps) {
    super(scope, id);
    checkProps(`LonghornPrerequisites '${id}'`, props, LONGHORN_PREREQUISITES_SHAPE);
    const packages = PACKAGES[props.osFamily ?? OsFamily.DEBIAN];
    const wanted = [packages.iscsi, ...(props.nfs ?? true ? [packages.nfs] : [])];
    const onHost = (script: string) => ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh', '-c', script];
    const install = [
      'set -e',
      `if ! command -v iscsiadm >/dev/null 2>&1${props.nfs ?? true ? ' || ! command -v mount.nfs >/dev/null 2>&1' : ''}; then ${packages.install} ${wanted.join(' ')}; fi`,
      'systemctl enable --now iscsid',
      // multipathd grabs the block devices Longhorn attaches; say so loudly rather than change the host's storage setup.
      "if systemctl is-active --quiet multipathd; then echo 'WARNING: multipathd is running; blacklist Longhorn devices (devnode \"^sd[a-z0-9]+\") in /etc/multipath.conf or stop it, see the README'; fi",
      `echo "ready: ${wanted.join(', ')} installed, iscsid enabled"`,
    ].join('\n');
    const image = props.image ?? 'busybox:1.36.1';
    const labels = { 'app.kubernetes.io/name': 'longhorn-prerequisites', 'app.kubernetes.io/managed-by': 'cdk8s-monitoring-stack' };
    const securityContext = { privileged: true };
    new ApiObject(this, 'Resource', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'longhorn-prerequisites', namespace: props.namespace.name, labels },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'longhorn-prerequisites' } },
        template: {
          metadata: { labels },
          spec: {
            hostPID: true,
            initContainers: [{ name: 'install', image, command: onHost(install), securityContext }],
            containers: [{
              name: 'ready',
              image,
              command: ['sh', '-c', 'while true; do sleep 3600; done'],
              securityContext,
              readinessProbe: { exec: { command: onHost('iscsiadm --version && systemctl is-active --quiet iscsid') }, periodSeconds: 60 },
              resources: { requests: { cpu: '1m', memory: '8Mi' }, limits: { memory: '32Mi' } },
            }],
          },
        },
      },
    });
  }
}

const LONGHORN_PREREQUISITES_SHAPE: PropShape<LonghornPrerequisitesProps> = { namespace: NAMESPACE_REFERENCE_SHAPE, osFamily: oneOf(OsFamily, 'OsFamily'), nfs: 'boolean', image: true };
