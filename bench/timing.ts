/*
 * Timing with process.hrtime.bigint. Throughput: whole passes over the workload, timed as
 * one batch each. Per-check latency: the workload cut into small batches, each timed on
 * its own and divided by its size (a single check of a few nanoseconds is below the
 * clock's resolution, so a batch is the smallest honest unit); median and p99 over batches.
 */
export interface Measurement {
  checks: number;
  seconds: number;
  checksPerSecond: number;
  medianNs: number;
  p99Ns: number;
  batchSize: number;
  /** Allows counted in one timed pass: must equal the verified count (nothing optimized away, nothing flaky). */
  allowedPerPass: number;
}

export function measure<T>(cases: readonly T[], decide: (c: T) => boolean, opts: { minSeconds: number; batchSize: number }): Measurement {
  // Warm-up: let the JIT settle on the same code the timed loops run.
  let allowed = 0;
  const warm = Math.min(cases.length, 20_000);
  for (let i = 0; i < warm; i++) if (decide(cases[i]!)) allowed++;

  // Throughput: as many full passes as fit in minSeconds (at least one).
  let passes = 0;
  let total = 0n;
  allowed = 0;
  do {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < cases.length; i++) if (decide(cases[i]!)) allowed++;
    total += process.hrtime.bigint() - t0;
    passes++;
  } while (Number(total) / 1e9 < opts.minSeconds);
  const seconds = Number(total) / 1e9;
  const allowedPerPass = allowed / passes;
  const checks = passes * cases.length;

  // Latency: one more pass in small batches.
  const perCheck: number[] = [];
  // Answers feed a counter so that no loop can be optimized away.
  let sink = 0;
  const b = opts.batchSize;
  for (let start = 0; start + b <= cases.length; start += b) {
    const t0 = process.hrtime.bigint();
    for (let i = start; i < start + b; i++) if (decide(cases[i]!)) sink++;
    perCheck.push(Number(process.hrtime.bigint() - t0) / b);
  }
  perCheck.sort((x, y) => x - y);
  if (sink < 0) throw new Error('unreachable');
  const q = (p: number) => perCheck[Math.min(perCheck.length - 1, Math.floor(p * perCheck.length))]!;
  return {
    checks,
    seconds,
    checksPerSecond: checks / seconds,
    medianNs: q(0.5),
    p99Ns: q(0.99),
    batchSize: b,
    allowedPerPass,
  };
}
