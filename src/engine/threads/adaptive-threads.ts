/**
 * @module engine/threads/adaptive-threads
 * The thread count of each decode step: the tuner's choice from measured step times, never above the
 * cores other processes leave free (so a probe never runs more threads than there are cores to run
 * them, which is where ggml's spinning barriers collapse).
 */
import { CpuLoad } from './cpu-load.ts';
import { ThreadTuner } from './thread-tuner.ts';

/** Free cores round down only past this share of a core: a little load from others is no reason to drop one. */
const SLACK = 0.25;

export class AdaptiveThreads {
  readonly maxThreads: number;
  readonly #tuner: ThreadTuner;
  readonly #load: CpuLoad;

  constructor(maxThreads: number, load = new CpuLoad(), tuner = new ThreadTuner(ThreadTuner.candidatesUpTo(maxThreads))) {
    this.maxThreads = maxThreads;
    this.#tuner = tuner;
    this.#load = load;
  }

  get candidates(): readonly number[] {
    return this.#tuner.candidates;
  }

  choose(numTokens: number): number {
    return this.#tuner.choose(numTokens, this.freeCores());
  }

  record(numTokens: number, threads: number, ms: number): void {
    this.#tuner.record(numTokens, threads, ms);
  }

  /** Cores not busy with other processes' work, at least 1, at most maxThreads. */
  freeCores(): number {
    const other = this.#load.otherBusyCores();
    if (other === null) return this.maxThreads;
    return Math.max(1, Math.min(this.maxThreads, Math.ceil(this.maxThreads - other - SLACK)));
  }
}
