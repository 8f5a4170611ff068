// Puts every pinned chart archive into the charts folder (CDK8S_CHARTS_DIR, default charts/),
// pulling what is missing and checking each digest, so later synths and tests need no network.
import { chartsDir, vendorCharts } from '../lib/chart-archive';
import { ALL_CHARTS } from '../lib/chart-pins';

for (const archive of vendorCharts(ALL_CHARTS)) {
  console.log(`ok ${archive}`);
}
console.log(`all pinned charts are in ${chartsDir()}`);
