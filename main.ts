import { KubernetesDistribution, MonitoringApp, MonitoringStack } from './lib';

// The reference cluster: kubeadm, 1 control-plane + 2 workers. A MonitoringApp writes each stack into a folder of
// its own (dist/reference/), which deploy and diff apply.
const app = new MonitoringApp();
new MonitoringStack(app, 'reference', {
  cluster: { distribution: KubernetesDistribution.KUBEADM, controlPlaneNodes: 1, workerNodes: 2, controlPlaneTaint: true },
});
app.synth();
