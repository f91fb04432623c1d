/**
 * @module engine/threads/thread-tuner
 * Picks the thread count of each decode step from the step times it measures, so the engine keeps its
 * speed when other processes take cores. ggml's threads meet at spinning barriers many times per step;
 * when one of them is descheduled the others spin until it runs again, and a step can take 30x longer
 * with two threads on a machine whose second core is busy than with one (measured here). No setting
 * is right everywhere: a quiet machine wants every core, a shared one fewer.
 *
 * Steps are grouped by size (powers of two of their token count). In each group the best-known count
 * runs; every other count is probed for a few steps as soon as the best has been measured, then now and
 * then again, and replaces it when it is faster. A probe that loses waits twice as long before the next,
 * up to a limit; a probe that is clearly worse stops after one step. When the best count itself gets much
 * slower (the machine changed), every other count is probed again at once. A new group starts from the
 * best count of the nearest group already measured.
 */

const EMA_WEIGHT = 0.2;
/** Steps in a probe; the first is not counted, since it wakes the probed pool's sleeping threads. */
const PROBE_STEPS = 3;
/** A probe replaces the best count only when this much faster. */
const SWITCH_MARGIN = 0.05;
/** A probe step this many times slower than the best ends the probe at once. */
const CLEARLY_WORSE = 2;
/** The best count's time rising this much above its level when it won means the machine changed. */
const DEGRADED = 1.5;
const MAX_GROUP = 16;

export interface ThreadTunerOptions {
  /** Wait before a count's first probe and after a win; doubles after each lost probe. */
  probeIntervalMs?: number;
  maxProbeIntervalMs?: number;
  now?: () => number;
}

/** Steps the best count runs in a new group before the other counts are first probed. */
const FIRST_PROBE_AFTER = 2;

interface Arm {
  /** Moving average of milliseconds per batch token, or null before any measurement. */
  msPerToken: number | null;
  numSamples: number;
  intervalMs: number;
  nextProbeAt: number;
}

interface Group {
  best: number;
  arms: Map<number, Arm>;
  /** The best count's time per token when it won (or first settled), to notice the machine changing. */
  baseline: number | null;
  probe: { threads: number; samples: number[] } | null;
}

export class ThreadTuner {
  /** Thread counts it chooses among, ascending. */
  readonly candidates: readonly number[];
  readonly #groups = new Map<number, Group>();
  readonly #probeIntervalMs: number;
  readonly #maxProbeIntervalMs: number;
  readonly #now: () => number;

  constructor(candidates: readonly number[], options: ThreadTunerOptions = {}) {
    if (candidates.length === 0) throw new Error('a thread tuner needs at least one candidate');
    this.candidates = [...new Set(candidates)].sort((a, b) => a - b);
    this.#probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.#maxProbeIntervalMs = options.maxProbeIntervalMs ?? 30_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Powers of two up to `maxThreads`, and `maxThreads` itself. */
  static candidatesUpTo(maxThreads: number): number[] {
    const counts = [maxThreads];
    for (let n = 1; n < maxThreads; n *= 2) counts.push(n);
    return counts.sort((a, b) => a - b);
  }

  /**
   * The thread count for a step of `numTokens` batch tokens, at most `maxThreads` (the cores other
   * processes leave free): counts above it are neither run nor probed, a probe that would be is dropped.
   */
  choose(numTokens: number, maxThreads = Infinity): number {
    const group = this.#group(numTokens);
    if (group.probe && group.probe.threads > maxThreads) group.probe = null;
    if (group.probe) return group.probe.threads;
    const allowed = this.candidates.filter((threads) => threads <= maxThreads);
    if (allowed.length === 0) return this.candidates[0];
    const now = this.#now();
    if (group.best > allowed[allowed.length - 1]) {
      // Run the most allowed; the count set aside is probed again as soon as it is allowed.
      const setAside = this.#arm(group, group.best);
      setAside.intervalMs = this.#probeIntervalMs;
      setAside.nextProbeAt = now;
      group.best = allowed[allowed.length - 1];
      group.baseline = null;
    }
    if (this.#arm(group, group.best).numSamples < FIRST_PROBE_AFTER) return group.best;
    for (const threads of allowed) {
      const arm = this.#arm(group, threads);
      if (threads !== group.best && (arm.msPerToken === null || now >= arm.nextProbeAt)) {
        group.probe = { threads, samples: [] };
        return threads;
      }
    }
    return group.best;
  }

  /** Report how long a step of `numTokens` tokens took with `threads` threads. */
  record(numTokens: number, threads: number, ms: number): void {
    const group = this.#group(numTokens);
    const msPerToken = ms / Math.max(1, numTokens);
    const best = this.#arm(group, group.best);
    const probe = group.probe;
    if (probe && probe.threads === threads) {
      probe.samples.push(msPerToken);
      const isClearlyWorse = best.msPerToken !== null && msPerToken > CLEARLY_WORSE * best.msPerToken;
      if (isClearlyWorse || probe.samples.length >= PROBE_STEPS) this.#conclude(group, isClearlyWorse);
      return;
    }
    if (threads !== group.best) return;
    best.numSamples++;
    best.msPerToken = best.msPerToken === null ? msPerToken : best.msPerToken + EMA_WEIGHT * (msPerToken - best.msPerToken);
    if (group.baseline === null || best.msPerToken < group.baseline) group.baseline = best.msPerToken;
    else if (best.msPerToken > DEGRADED * group.baseline) {
      const now = this.#now();
      for (const [count, arm] of group.arms) {
        if (count === group.best) continue;
        arm.intervalMs = this.#probeIntervalMs;
        arm.nextProbeAt = now;
      }
      group.baseline = best.msPerToken;
    }
  }

  /** The count each step-size group runs now, by its smallest token count (for logs and tests). */
  choices(): Map<number, number> {
    return new Map([...this.#groups].map(([index, group]) => [2 ** index, group.best]));
  }

  #conclude(group: Group, isClearlyWorse: boolean): void {
    const probe = group.probe as { threads: number; samples: number[] };
    group.probe = null;
    const counted = probe.samples.length > 1 ? probe.samples.slice(1) : probe.samples;
    const mean = counted.reduce((a, b) => a + b, 0) / counted.length;
    const probed = this.#arm(group, probe.threads);
    const best = this.#arm(group, group.best);
    const now = this.#now();
    probed.msPerToken = mean;
    probed.numSamples += counted.length;
    if (!isClearlyWorse && (best.msPerToken === null || mean < best.msPerToken * (1 - SWITCH_MARGIN))) {
      best.intervalMs = this.#probeIntervalMs;
      best.nextProbeAt = now + best.intervalMs;
      group.best = probe.threads;
      group.baseline = mean;
      return;
    }
    probed.intervalMs = Math.min(probed.intervalMs * 2, this.#maxProbeIntervalMs);
    probed.nextProbeAt = now + probed.intervalMs;
  }

  #group(numTokens: number): Group {
    const index = Math.min(MAX_GROUP, Math.floor(Math.log2(Math.max(1, numTokens))));
    let group = this.#groups.get(index);
    if (!group) {
      group = { best: this.#nearestBest(index), arms: new Map(), baseline: null, probe: null };
      this.#groups.set(index, group);
    }
    return group;
  }

  /** The best count of the measured group nearest in size, else every candidate. */
  #nearestBest(index: number): number {
    let nearest: Group | null = null;
    let distance = Infinity;
    for (const [other, group] of this.#groups) {
      if ((group.arms.get(group.best)?.numSamples ?? 0) > 0 && Math.abs(other - index) < distance) {
        nearest = group;
        distance = Math.abs(other - index);
      }
    }
    return nearest?.best ?? this.candidates[this.candidates.length - 1];
  }

  #arm(group: Group, threads: number): Arm {
    let arm = group.arms.get(threads);
    if (!arm) {
      arm = { msPerToken: null, numSamples: 0, intervalMs: this.#probeIntervalMs, nextProbeAt: this.#now() + this.#probeIntervalMs };
      group.arms.set(threads, arm);
    }
    return arm;
  }
}
