import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThreadTuner } from './thread-tuner.ts';

/** Runs `steps` decode steps of `numTokens` tokens, each taking msPerToken(threads) per token of simulated time. */
function simulate(tuner: ThreadTuner, clock: { now: number }, steps: number, msPerToken: (threads: number) => number, numTokens = 1, maxThreads = Infinity) {
  let elapsed = 0;
  const used = new Map<number, number>();
  for (let i = 0; i < steps; i++) {
    const threads = tuner.choose(numTokens, maxThreads);
    const ms = msPerToken(threads) * numTokens;
    clock.now += ms;
    elapsed += ms;
    used.set(threads, (used.get(threads) ?? 0) + 1);
    tuner.record(numTokens, threads, ms);
  }
  return { elapsed, used };
}

function setup(maxThreads = 2) {
  const clock = { now: 0 };
  const tuner = new ThreadTuner(ThreadTuner.candidatesUpTo(maxThreads), { now: () => clock.now });
  return { clock, tuner };
}

describe('ThreadTuner', () => {
  it('offers powers of two up to the core count', () => {
    assert.deepEqual(ThreadTuner.candidatesUpTo(1), [1]);
    assert.deepEqual(ThreadTuner.candidatesUpTo(2), [1, 2]);
    assert.deepEqual(ThreadTuner.candidatesUpTo(6), [1, 2, 4, 6]);
    assert.deepEqual(ThreadTuner.candidatesUpTo(16), [1, 2, 4, 8, 16]);
  });

  it('keeps every core on a quiet machine, within 5% of the best fixed count', () => {
    const { clock, tuner } = setup();
    const quiet = (threads: number) => (threads === 2 ? 1.2 : 2);
    const { elapsed } = simulate(tuner, clock, 20_000, quiet);
    assert.ok(elapsed <= 1.05 * 20_000 * 1.2, `${elapsed} ms`);
    assert.equal(tuner.choices().get(1), 2);
  });

  it('drops to one thread when another process holds the second core, within 80% of the best fixed count', () => {
    const { clock, tuner } = setup();
    const busy = (threads: number) => (threads === 2 ? 60 : 2);
    const { elapsed } = simulate(tuner, clock, 20_000, busy);
    assert.ok(20_000 * 2 >= 0.8 * elapsed, `${elapsed} ms`);
    assert.equal(tuner.choices().get(1), 1);
  });

  it('notices the machine changing, both ways, within seconds', () => {
    const { clock, tuner } = setup();
    simulate(tuner, clock, 5_000, (threads) => (threads === 2 ? 1.2 : 2));
    assert.equal(tuner.choices().get(1), 2);
    const start = clock.now;
    while (tuner.choices().get(1) !== 1) simulate(tuner, clock, 1, (threads) => (threads === 2 ? 60 : 2));
    assert.ok(clock.now - start < 3_000, `switched to 1 thread after ${clock.now - start} ms`);
    const back = clock.now;
    while (tuner.choices().get(1) !== 2) simulate(tuner, clock, 1, (threads) => (threads === 2 ? 1.2 : 2));
    assert.ok(clock.now - back < 35_000, `back to 2 threads after ${clock.now - back} ms`);
  });

  it('decides for each step size on its own', () => {
    const { clock, tuner } = setup(4);
    // Single tokens are fastest alone; big prefill batches use every core.
    simulate(tuner, clock, 5_000, (threads) => [0, 1, 1.3, 0, 1.6][threads], 1);
    simulate(tuner, clock, 2_000, (threads) => [0, 1, 0.55, 0, 0.3][threads], 512);
    assert.equal(tuner.choices().get(1), 1);
    assert.equal(tuner.choices().get(512), 4);
  });

  it('never runs or probes more threads than the cores other processes leave free', () => {
    const { clock, tuner } = setup(4);
    const { used } = simulate(tuner, clock, 5_000, (threads) => [0, 2, 1.2, 0, 0.8][threads], 1, 2);
    assert.deepEqual([...used.keys()].sort(), [1, 2]);
    const after = simulate(tuner, clock, 5_000, (threads) => [0, 2, 1.2, 0, 0.8][threads], 1, 4);
    assert.ok(after.used.has(4), 'every core again once they are free');
    assert.equal(tuner.choices().get(1), 4);
  });
});
