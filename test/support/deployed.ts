// Checks of a stack deployed to a harness control plane, shared by the files that deploy one.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { readOutputDir } from '../../lib/output/validation';
import { bundledKubectl } from './bundled-kubectl';
import { runCli } from './cli';
import { ControlPlane } from './control-plane';
import { eventually } from './shared-control-plane';

/** A pod as the checks read it. */
export interface Pod {
  metadata: { name: string; namespace: string; uid: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec: { nodeName?: string };
}

/** `kubectl get ... --output=json` against the control plane. */
export type GetJson = (args: readonly string[]) => any;

/** What a deploy leaves, as a person checks it: `npm run diff` and a plain `kubectl diff --server-side` run. */
export interface DriftCheck {
  /** `npm run diff` of the output folder. */
  readonly diff: () => { status: number | null; output: string };
  /** `kubectl diff --server-side --field-manager=cdk8s-monitoring-stack -f FILE`. */
  readonly plainDiff: (file: string) => { status: number | null; stdout: string; stderr: string };
}

/** Expects no drift: `npm run diff` exits 0, and so does `kubectl diff --server-side` of the CRDs and the namespaces. */
export function expectNoDrift(check: DriftCheck, folder: string): void {
  const run = check.diff();
  expect(run.output).toContain('no changes: a deploy would change nothing');
  expect(run.status).toBe(0);
  for (const file of ['0000-crds.k8s.yaml', '0001-namespaces.k8s.yaml']) {
    expect([file, check.plainDiff(path.join(folder, file))]).toEqual([file, { status: 0, stdout: '', stderr: '' }]);
  }
}

/**
 * Waits until the controllers made and the scheduler placed every pod of the folder's Deployments and DaemonSets
 * (DaemonSets: as many as the controller's desiredNumberScheduled), expects no FailedCreate event (Pod Security
 * admission refuses a pod with one), and returns the pods. The pods of the operator's StatefulSets are left out.
 */
export async function everyPodPlaced(json: GetJson, folder: string): Promise<Pod[]> {
  const workloads = readOutputDir(folder).flatMap(f => f.objects).filter(o => ['Deployment', 'DaemonSet'].includes(o.kind));
  const namespaces = [...new Set(workloads.map(w => w.metadata.namespace!))];
  const replicas = workloads.filter(w => w.kind === 'Deployment').reduce((n, d) => n + ((d.spec as { replicas?: number }).replicas ?? 1), 0);
  const pods = await eventually('the controllers did not create and place every pod', 120_000, () => {
    const daemonSets = namespaces.flatMap(ns => json(['get', 'daemonsets', '--namespace', ns]).items as Array<{ status: { desiredNumberScheduled?: number } }>);
    const expected = replicas + daemonSets.reduce((n, d) => n + (d.status.desiredNumberScheduled ?? 0), 0);
    const live = namespaces.flatMap(ns => json(['get', 'pods', '--namespace', ns]).items as Pod[]).filter(p => p.metadata.ownerReferences?.[0]?.kind !== 'StatefulSet');
    return daemonSets.length > 0 && live.length === expected && live.every(p => p.spec.nodeName) ? live : undefined;
  });
  const events = namespaces.flatMap(ns => json(['get', 'events', '--namespace', ns, '--field-selector=reason=FailedCreate']).items as Array<{ message: string }>);
  expect(events.map(e => e.message)).toEqual([]);
  return pods;
}

/** What a test does against one control plane as a person would: the pinned kubectl, and deploy and diff as `npm run` runs them. */
export class ClusterUser {
  /** The kubeconfig context of the control plane. */
  public readonly context: string;
  private readonly kubectlBin = bundledKubectl();

  constructor(private readonly controlPlane: ControlPlane) {
    this.context = controlPlane.kubectl(['config', 'current-context']).stdout.trim();
  }

  /** The pinned kubectl against the control plane (the same v1.35.2 deploy uses). */
  public kubectl(args: readonly string[], input?: string): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(this.kubectlBin, ['--kubeconfig', this.controlPlane.kubeconfig, ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** `kubectl ... --output=json`, parsed. */
  public json(args: readonly string[]): any {
    return JSON.parse(this.kubectl([...args, '--output=json']).stdout);
  }

  /** `npm run <command> -- --outdir DIR --context NAME ...` with the pinned kubectl and the control plane's kubeconfig; says how long it took. */
  public cli(command: 'deploy' | 'diff', outdir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string; output: string } {
    const started = Date.now();
    const result = runCli([command, '--outdir', outdir, '--context', this.context, ...args], {
      env: { KUBECONFIG: this.controlPlane.kubeconfig, KUBECTL_BIN: this.kubectlBin, GRAFANA_ADMIN_PASSWORD: '' },
    });
    process.stderr.write(`${command} ${path.basename(outdir)} ${args.join(' ')}: exit ${result.status} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return { ...result, output: `${result.stdout}${result.stderr}` };
  }
}
