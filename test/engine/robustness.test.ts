/**
 * The engine under load and contention: preparation (tokenizing, grammars) never pauses the step loop,
 * it gives up threads when other processes hold the cores, and a randomized soak on a tiny context,
 * demand five times what the cache holds, finishes every request with the output it has alone.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import type { GenerateInput } from '../../src/engine/client.ts';
import { usableCores } from '../../src/engine/threads/cpu-cores.ts';
import { collect, GREEDY, request, startEngine, type Collected } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';

const TIMEOUT = { timeout: 300_000 };

describe('engine robustness', () => {
  it('compiles a large grammar without pausing the streams already running', TIMEOUT, async (t) => {
    const engine = await startEngine(t, await tinyModel('llama'));
    const stop = new AbortController();
    const victimTimes: number[] = [];
    const victim = (async () => {
      for await (const event of engine.generate(request('keep going', { maxTokens: 1_000_000 }), stop.signal)) {
        if (event.tokens.length > 0) victimTimes.push(performance.now());
      }
    })();
    while (victimTimes.length < 8) await new Promise((resolve) => setTimeout(resolve, 5));
    const words = Array.from({ length: 30_000 }, (_, i) => `"w${i.toString(36)}x"`);
    const grammar = { text: `root ::= (${words.join(' | ')})`, root: 'root' };
    const submittedAt = performance.now();
    const constrained = engine.generate(request('pick one', { maxTokens: 1, sampling: { ...GREEDY, grammar } }));
    await constrained.accepted;
    const acceptedAt = performance.now();
    assert.equal((await collect(constrained)).finishReason, 'length');
    stop.abort();
    await victim;
    const gaps = victimTimes.slice(1).map((time, i) => time - victimTimes[i]).sort((a, b) => a - b);
    const stepMs = gaps[Math.floor(gaps.length / 2)];
    const during = victimTimes.filter((time) => time > submittedAt && time < acceptedAt).length;
    t.diagnostic(`preparation ${(acceptedAt - submittedAt).toFixed(1)} ms, a victim step ${stepMs.toFixed(1)} ms, ${during} victim tokens meanwhile`);
    // Only a preparation of several steps' length can show a stall; a faster one stalls nothing anyway.
    if (acceptedAt - submittedAt > 5 * stepMs) assert.ok(during > 0, 'the running stream got tokens while the grammar compiled');
  });

  it(`runs on fewer threads while other processes keep every core busy`, { ...TIMEOUT, skip: usableCores() < 2 && 'one core: nothing to give up' }, async (t) => {
    const spinners: ChildProcess[] = Array.from({ length: usableCores() }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    t.after(() => spinners.forEach((child) => child.kill('SIGKILL')));
    const engine = await startEngine(t, await tinyModel('llama'));
    assert.equal(engine.model.threads, usableCores(), 'the engine may use every usable core');
    const result = await collect(engine.generate(request('under contention', { maxTokens: 200 })));
    assert.equal(result.tokens.length, 200);
    assert.equal((await engine.stats()).numThreads, 1, 'the last steps ran on one thread');
  });

  it('finishes every request of a randomized soak at 5x the cache, preempted outputs as alone', TIMEOUT, async (t) => {
    const model = await tinyModel('llama');
    const config = { numSlots: 4, numCacheHolders: 8, totalCells: 256, maxSeqLen: 256, maxPrefillTokensPerStep: 32, maxQueueLength: 1000 };
    const engine = await startEngine(t, model, config);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const prefixes = ['You are a careful assistant. Answer briefly. ', 'Translate the following text into French: ', 'Q: '];
    const specs = Array.from({ length: 36 }, (_, i) => ({
      id: i,
      input: request(`${prefixes[rand(prefixes.length)].repeat(1 + rand(2))}question ${i} ${'and more '.repeat(rand(5))}`, {
        maxTokens: 40 + rand(160),
        cacheKey: rand(3) === 0 ? 'tenant-b' : 'tenant-a',
      }),
      // n > 1: this many identical requests, as the choices of one API request are.
      copies: rand(6) === 0 ? 2 : 1,
      cancelAfterMs: rand(8) === 0 ? 20 + rand(1000) : null,
    }));
    const demand = specs.reduce((n, s) => n + s.copies * (s.input.maxTokens + 40), 0);
    assert.ok(demand >= 5 * config.totalCells, `demand of about ${demand} cells is at least 5x the cache`);
    const runs = specs.flatMap((spec) =>
      Array.from({ length: spec.copies }, async () => {
        await new Promise((resolve) => setTimeout(resolve, rand(50)));
        const cancel = new AbortController();
        if (spec.cancelAfterMs !== null) setTimeout(() => cancel.abort(), spec.cancelAfterMs);
        return { spec, result: await collect(engine.generate(spec.input, cancel.signal)) };
      }),
    );
    const results = await Promise.all(runs);
    const stats = await engine.stats();
    assert.ok(stats.numPreemptions > 0, 'requests were preempted');
    assert.ok(stats.numEvictedTokens > 0, 'cached prefixes were evicted');
    // Alone: one at a time on a fresh engine with room to spare.
    const solo = await startEngine(t, model, { ...config, numSlots: 1, totalCells: 1024 });
    const alone = new Map<number, Collected>();
    for (const spec of specs) alone.set(spec.id, await collect(solo.generate({ ...spec.input, cacheKey: `solo-${spec.id}` } as GenerateInput)));
    for (const { spec, result } of results) {
      const expected = alone.get(spec.id) as Collected;
      if (result.finishReason === 'cancelled') {
        assert.deepEqual(result.tokens, expected.tokens.slice(0, result.tokens.length), `request ${spec.id}: a cancelled request streamed a prefix of its output`);
      } else {
        assert.equal(result.finishReason, 'length', `request ${spec.id}`);
        assert.deepEqual(result.tokens, expected.tokens, `request ${spec.id}: the same output as alone`);
      }
    }
  });
});
