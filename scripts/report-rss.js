// Preloaded by the benchmark into each synth it times: writes the process's peak resident memory
// (KiB, from the kernel's accounting) to BENCH_RSS_FILE when the process exits.
const fs = require('fs');

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
