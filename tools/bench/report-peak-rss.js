// Preloaded by the benchmark into the bridge's process: reports its peak resident memory and CPU time on exit
// (CPU time is steadier than wall time on a busy machine).
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`PEAK_RSS_KB=${usage.maxRSS}\nCPU_MS=${Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000)}\n`);
});
