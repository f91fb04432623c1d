/** p50/p99 of sequential calls, for the sections that time one operation at a time. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function latencies(call: () => Promise<unknown>, runs = 3000, warmUp = 300) {
  for (let i = 0; i < warmUp; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { calls: times.length, p50Ms: +percentile(times, 50).toFixed(4), p99Ms: +percentile(times, 99).toFixed(4) };
}
