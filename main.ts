import { App } from 'cdk8s';
import { MonitoringStack } from './lib';

// The reference cluster: kubeadm, 1 control-plane + 2 workers.
const app = new App();
new MonitoringStack(app, 'reference', { workerNodes: 2 });
app.synth();
