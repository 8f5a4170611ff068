import { App } from 'cdk8s';
import { KubernetesDistribution, MonitoringStack } from './lib';

// The reference cluster: kubeadm, 1 control-plane + 2 workers.
const app = new App();
new MonitoringStack(app, 'reference', {
  cluster: { distribution: KubernetesDistribution.KUBEADM, controlPlaneNodes: 1, workerNodes: 2, controlPlaneTaint: true },
});
app.synth();
