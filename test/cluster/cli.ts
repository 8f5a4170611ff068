// npm run cluster:up -- [--shape 1+2|1|3+3]   starts the harness's cluster in the background and prints its kubeconfig
// npm run cluster:down                          stops it
// One cluster at a time, in a state folder outside the repository (CLUSTER_STATE_DIR, default under the system temp
// folder). The first `cluster:up` on a machine builds the harness's programs from the Go module proxy (see README).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { CLUSTER_SHAPES, ControlPlane, formatStopReport } from '../support/control-plane';

const stateDir = process.env.CLUSTER_STATE_DIR ?? path.join(os.tmpdir(), 'cdk8s-monitoring-stack-cluster');
const program = new Command('cluster');

program.command('up')
  .description('Start a control plane on loopback with simulated nodes of the given shape, and leave it running.')
  .option('--shape <name>', `nodes: ${Object.keys(CLUSTER_SHAPES).join(', ')} (control planes + workers)`, '1+2')
  .action(async (opts: { shape: string }) => {
    const nodes = CLUSTER_SHAPES[opts.shape];
    if (!nodes) throw new Error(`--shape is '${opts.shape}' but must be one of ${Object.keys(CLUSTER_SHAPES).join(', ')}`);
    if (['kubeconfig', 'pids'].some(file => fs.existsSync(path.join(stateDir, file)))) {
      throw new Error(`a cluster runs in ${stateDir} (or a failed start left its processes): npm run cluster:down first`);
    }
    // what is left is the logs of a cluster that was stopped: a new one starts from an empty folder
    fs.rmSync(stateDir, { recursive: true, force: true });
    const controlPlane = await ControlPlane.start({ detached: true, stateDir });
    try {
      await controlPlane.simulateCluster(nodes);
    } catch (e) {
      controlPlane.stop();
      throw e;
    }
    console.log(`cluster up (${opts.shape}: ${nodes.map(n => `${n.name} ${n.role}`).join(', ')}); logs in ${stateDir}`);
    console.log(`export KUBECONFIG=${controlPlane.kubeconfig}`);
  });

program.command('down')
  .description('Stop the cluster that cluster:up started.')
  .action(() => {
    if (!fs.existsSync(path.join(stateDir, 'control-plane.json'))) {
      console.log(`no cluster in ${stateDir}`);
      return;
    }
    console.log(formatStopReport(new ControlPlane(stateDir).stop()));
    if (fs.existsSync(stateDir)) console.log(`its start had failed: logs kept in ${stateDir} (the next cluster:up clears them)`);
  });

program.parseAsync().catch(e => {
  console.error(`cluster: ${(e as Error).message}`);
  process.exitCode = 1;
});
