import { Testing } from 'cdk8s';
import { KubeManifest, LonghornPrerequisites, MonitoringStack, Namespace, OsFamily } from '../lib';
import { validateOutput } from '../lib/output/validation';
import { findObject } from './inventory';

function render(props: { osFamily?: OsFamily; nfs?: boolean }) {
  const chart = Testing.chart();
  new LonghornPrerequisites(chart, 'Prerequisites', { namespace: new Namespace(chart, 'ns', { name: 'longhorn-system' }), ...props });
  const objects = Testing.synth(chart);
  return { objects, daemonSet: findObject(objects, 'DaemonSet', 'longhorn-prerequisites') };
}

describe('LonghornPrerequisites', () => {
  test('Debian: installs open-iscsi and nfs-common on the host, enables iscsid, warns about multipathd', () => {
    const { objects, daemonSet } = render({});
    expect(objects).toMatchSnapshot();
    const pod = daemonSet.spec.template.spec;
    expect(pod.hostPID).toBe(true);
    const [init] = pod.initContainers;
    expect(init.securityContext).toEqual({ privileged: true });
    expect(init.command.slice(0, 10)).toEqual(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh']);
    const script: string = init.command.at(-1);
    expect(script).toContain('apt-get install -y -q open-iscsi nfs-common');
    expect(script).toContain('systemctl enable --now iscsid');
    expect(script).toContain('if systemctl is-active --quiet multipathd; then echo \'WARNING: multipathd is running');
    expect(pod.containers[0].readinessProbe.exec.command.at(-1)).toBe('iscsiadm --version && systemctl is-active --quiet iscsid');
    expect(validateOutput([{ file: 'p.yaml', objects: objects as KubeManifest[] }]).problems).toEqual([]);
  });

  test('RHEL without NFS: dnf and iscsi-initiator-utils only', () => {
    const script: string = render({ osFamily: OsFamily.RHEL, nfs: false }).daemonSet.spec.template.spec.initContainers[0].command.at(-1);
    expect(script).toContain('dnf install -y -q iscsi-initiator-utils;');
    expect(script).not.toMatch(/nfs/);
  });

  test('fails when the OS family is unknown', () => {
    expect(() => render({ osFamily: 'arch' as OsFamily })).toThrow("osFamily is 'arch' but must be one of OsFamily.DEBIAN, OsFamily.RHEL, OsFamily.SUSE");
  });

  test('MonitoringStack installs them only when asked, beside Longhorn in its privileged namespace', () => {
    const without = new MonitoringStack(Testing.app(), 'a');
    expect(Testing.synth(without.charts.longhorn).filter(o => o.metadata.name === 'longhorn-prerequisites')).toEqual([]);
    const withPrereqs = new MonitoringStack(Testing.app(), 'b', { installPrerequisites: { osFamily: OsFamily.SUSE } });
    const ds = findObject(Testing.synth(withPrereqs.charts.longhorn), 'DaemonSet', 'longhorn-prerequisites');
    expect(ds.metadata.namespace).toBe('longhorn-system');
    expect(ds.spec.template.spec.initContainers[0].command.at(-1)).toContain('zypper --non-interactive install open-iscsi nfs-client');
  });
});
