import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '../errors.ts';
import { FakeKv } from '../prefix/fake-kv.ts';
import { PrefixTree } from '../prefix/tree.ts';
import type { CacheKey, GenerationRequest, RequestId, SampledToken, SeqId, StepEvent } from '../types.ts';
import { Scheduler, type SchedulerConfig, type StepPlan } from './scheduler.ts';

const EOG = 1;
const GREEDY = {
  temperature: 0, topP: 1, topK: 0, minP: 0, seed: 0,
  presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, penaltyLastN: 64, logitBias: [],
};

/** Tokens 2..27 print as the letters a..z; EOG prints nothing. */
const text = {
  pieceBytes: (t: number) => new TextEncoder().encode(String.fromCharCode(95 + t)),
  isEog: (t: number) => t === EOG,
};

/** The "model": the next token depends on every token the sequence sees in the KV cache. */
function nextToken(context: number[]): number {
  let h = 7;
  for (const t of context) h = (h * 31 + t) % 1_000_003;
  return 2 + (h % 26);
}

function request(id: string, prompt: number[], extra: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    id: id as RequestId, cacheKey: 'a' as CacheKey, promptTokens: prompt, sampling: GREEDY,
    maxTokens: 8, stop: [], stopOnEog: true, ...extra,
  };
}

function prompt(length: number, salt = 0): number[] {
  return Array.from({ length }, (_, i) => 2 + ((i * 7 + salt) % 26));
}

/** `parking`: the prefix tree may park idle branches in host memory (with a scratch sequence of its own). */
function setup(overrides: Partial<SchedulerConfig> = {}, options: { parking?: boolean } = {}) {
  const config: SchedulerConfig = {
    numSlots: 4, maxQueueLength: 8, maxPrefillTokensPerStep: 16, maxSeqLen: 256, totalCells: 1024, ...overrides,
  };
  const holders = Array.from({ length: 8 }, (_, i) => (config.numSlots + i) as SeqId);
  const kv = new FakeKv(config.totalCells);
  const parking = options.parking ? { scratch: (config.numSlots + holders.length) as SeqId, maxParkedBytes: 2 ** 30 } : {};
  const scheduler = new Scheduler(config, { kv, tree: new PrefixTree(kv, holders, parking), text });
  const plans: StepPlan[] = [];
  /** One engine step: plan, "decode" into the fake KV, sample from what the sequence sees, update. */
  const step = (): StepEvent[] => {
    const plan = scheduler.schedule();
    plans.push(plan);
    const sampled = new Map<RequestId, SampledToken>();
    for (const chunk of plan.chunks) {
      chunk.tokens.forEach((t, i) => kv.write(chunk.seqId, chunk.startPos + i, t));
      if (chunk.needsLogits) {
        sampled.set(chunk.id, { token: nextToken(kv.read(chunk.seqId, chunk.startPos + chunk.tokens.length)) });
      }
    }
    const events = scheduler.update(plan, sampled);
    assert.equal(kv.usedCells, config.totalCells - scheduler.stats().numFreeCells, 'cell accounting matches the cache');
    return events;
  };
  const runAll = (): Map<string, StepEvent[]> => {
    const byId = new Map<string, StepEvent[]>();
    for (let i = 0; scheduler.hasWork(); i++) {
      assert.ok(i < 10_000, 'the scheduler makes progress');
      for (const e of step()) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
    }
    return byId;
  };
  return { scheduler, kv, plans, step, runAll };
}

const outputOf = (events: StepEvent[] = []) => events.flatMap((e) => e.tokens);
const finalOf = (events: StepEvent[] = []) => events[events.length - 1];

function soloOutput(promptTokens: number[], maxTokens = 8, overrides: Partial<SchedulerConfig> = {}): number[] {
  const { scheduler, runAll } = setup(overrides);
  scheduler.add(request('solo', promptTokens, { maxTokens }));
  return outputOf(runAll().get('solo'));
}

describe('Scheduler', () => {
  it('gives every decoding sequence one token per step while a long prompt is prefilled in chunks', () => {
    const { scheduler, step, plans } = setup({ maxPrefillTokensPerStep: 8 });
    scheduler.add(request('short', prompt(4), { maxTokens: 40 }));
    step();
    step();
    scheduler.add(request('long', prompt(60, 3), { maxTokens: 2 }));
    const shortSteps: number[] = [];
    for (let i = 0; i < 10; i++) {
      for (const e of step()) if (e.id === 'short') shortSteps.push(e.step);
    }
    for (const plan of plans.slice(2, 10)) {
      const prefill = plan.chunks.filter((c) => c.id === 'long');
      assert.equal(plan.chunks.filter((c) => c.id === 'short').length, 1);
      assert.ok(prefill.every((c) => c.tokens.length <= 8), 'prefill chunks stay within the budget');
    }
    assert.deepEqual(shortSteps, Array.from({ length: 10 }, (_, i) => shortSteps[0] + i), 'no step skipped the stream');
  });

  it('batched output equals solo output token for token, with mixed prompt lengths', () => {
    const prompts = [prompt(3), prompt(40, 1), prompt(17, 2), prompt(5, 3), prompt(33, 4), prompt(9, 5)];
    const { scheduler, runAll } = setup({ maxPrefillTokensPerStep: 12 });
    prompts.forEach((p, i) => scheduler.add(request(`r${i}`, p)));
    const events = runAll();
    prompts.forEach((p, i) => assert.deepEqual(outputOf(events.get(`r${i}`)), soloOutput(p)));
  });

  it('serves a repeated prompt from the prefix cache, with the same output, and reports the hit', () => {
    const { scheduler, runAll, plans } = setup();
    const p = prompt(50);
    scheduler.add(request('cold', p));
    const cold = runAll().get('cold');
    assert.equal(finalOf(cold).usage?.promptCacheHitTokens, 0);
    const before = plans.length;
    scheduler.add(request('warm', p));
    const warm = runAll().get('warm');
    assert.equal(finalOf(warm).usage?.promptCacheHitTokens, 49, 'the hit is capped so the last token yields logits');
    assert.deepEqual(outputOf(warm), outputOf(cold));
    assert.equal(plans[before].numTokens, 1, 'only the last prompt token was prefilled');
  });

  it('never shares cache between cache keys', () => {
    const { scheduler, runAll } = setup();
    scheduler.add(request('a', prompt(30)));
    runAll();
    scheduler.add(request('b', prompt(30), { cacheKey: 'b' as CacheKey }));
    assert.equal(finalOf(runAll().get('b')).usage?.promptCacheHitTokens, 0);
  });

  it('cancels a request waiting, mid-prefill and mid-decode, freeing its slot at the next step', () => {
    const { scheduler, step, runAll } = setup({ numSlots: 1, maxPrefillTokensPerStep: 4 });
    scheduler.add(request('prefilling', prompt(40), { maxTokens: 100 }));
    scheduler.add(request('queued', prompt(5)));
    step();
    assert.ok(scheduler.cancel('queued' as RequestId));
    assert.ok(scheduler.cancel('prefilling' as RequestId));
    const events = step();
    assert.deepEqual(events.map((e) => [e.id, e.finishReason]).sort(), [['prefilling', 'cancelled'], ['queued', 'cancelled']]);
    scheduler.add(request('decoding', prompt(5), { maxTokens: 100 }));
    step();
    step();
    scheduler.cancel('decoding' as RequestId);
    assert.equal(finalOf(runAll().get('decoding')).finishReason, 'cancelled');
    assert.equal(scheduler.stats().numRunning, 0);
    scheduler.add(request('after', prompt(5)));
    assert.equal(finalOf(runAll().get('after')).finishReason, 'length', 'the freed slot serves the next request');
  });

  it('refuses requests past the queue bound and prompts that cannot fit', () => {
    const { scheduler } = setup({ numSlots: 1, maxQueueLength: 2, maxSeqLen: 64 });
    scheduler.add(request('q1', prompt(4)));
    scheduler.add(request('q2', prompt(4)));
    assert.throws(() => scheduler.add(request('q3', prompt(4))), (e: EngineError) => e.code === 'overloaded');
    assert.throws(
      () => scheduler.add(request('big', prompt(64))),
      (e: EngineError) => e.code === 'context_length_exceeded' && /64 tokens.*64 tokens/.test(e.message),
    );
  });

  it('serves waiting tenants round-robin', () => {
    const { scheduler, plans, runAll } = setup({ numSlots: 1 });
    for (let i = 0; i < 3; i++) scheduler.add(request(`a${i}`, prompt(3, i), { maxTokens: 1 }));
    scheduler.add(request('b0', prompt(3, 9), { maxTokens: 1, cacheKey: 'b' as CacheKey }));
    runAll();
    const order = plans.flatMap((p) => p.admitted.map((r) => r.id));
    assert.deepEqual(order, ['a0', 'b0', 'a1', 'a2']);
  });

  it('preempts the newest request when cells run out, and its output is unchanged', () => {
    const prompts = [prompt(20, 1), prompt(20, 2), prompt(20, 3)];
    const { scheduler, runAll, plans } = setup({ totalCells: 80, maxSeqLen: 80, numSlots: 3 });
    prompts.forEach((p, i) => scheduler.add(request(`r${i}`, p, { maxTokens: 12 })));
    const events = runAll();
    assert.ok(plans.some((p) => p.preempted.length > 0), 'cells ran out');
    prompts.forEach((p, i) => assert.deepEqual(outputOf(events.get(`r${i}`)), soloOutput(p, 12)));
  });

  it('ends with length at the context limit', () => {
    const { scheduler, runAll } = setup({ maxSeqLen: 12 });
    scheduler.add(request('ctx', prompt(8), { maxTokens: 100 }));
    const ctx = finalOf(runAll().get('ctx'));
    assert.equal(ctx.finishReason, 'length');
    assert.equal(ctx.usage?.completionTokens, 4);
  });

  it('matches stop strings across token boundaries and drops the stop', () => {
    const full = soloOutput(prompt(6), 8).map((t) => String.fromCharCode(95 + t)).join('');
    const stop = full.slice(3, 5);
    const { scheduler, runAll } = setup();
    scheduler.add(request('s', prompt(6), { stop: [stop] }));
    const events = runAll().get('s') ?? [];
    assert.equal(events.map((e) => e.text).join(''), full.slice(0, full.indexOf(stop)));
    assert.equal(finalOf(events).finishReason, 'stop');
  });

  it('serves a request that shares only a few tokens with a long cached answer (one slot, small context)', () => {
    const { scheduler, runAll } = setup({ numSlots: 1, totalCells: 64, maxSeqLen: 64 });
    scheduler.add(request('long', [2, 3, 4], { maxTokens: 50, stopOnEog: false }));
    runAll();
    scheduler.add(request('next', [2, 5, 6, 7], { maxTokens: 20, stopOnEog: false }));
    const next = runAll().get('next');
    assert.equal(finalOf(next).finishReason, 'length');
    assert.deepEqual(outputOf(next), soloOutput([2, 5, 6, 7], 20));
  });

  it('finishes every request of a randomized soak at 5x the cache, preempted outputs unchanged', () => {
    const config = { numSlots: 4, totalCells: 128, maxSeqLen: 96, maxPrefillTokensPerStep: 16, maxQueueLength: 1000 };
    const { scheduler, step, plans } = setup(config);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const bases = [prompt(40, 1), prompt(24, 2), prompt(60, 3)];
    const specs = Array.from({ length: 80 }, (_, i) => {
      const base = bases[rand(bases.length)].slice(0, rand(50));
      const tokens = [...base, ...prompt(1 + rand(30), 10 + i)].slice(0, config.maxSeqLen - 1);
      // n > 1: a few requests are exact copies of the previous one, as the choices of one API request are.
      return { id: `r${i}`, tokens, maxTokens: 1 + rand(60), cacheKey: rand(4) === 0 ? 'b' : 'a', isCopy: i > 0 && rand(5) === 0 };
    });
    for (let i = 1; i < specs.length; i++) {
      if (specs[i].isCopy) Object.assign(specs[i], { tokens: specs[i - 1].tokens, maxTokens: specs[i - 1].maxTokens, cacheKey: specs[i - 1].cacheKey });
    }
    const demand = specs.reduce((n, s) => n + s.tokens.length + s.maxTokens, 0);
    assert.ok(demand >= 5 * config.totalCells, `demand ${demand} is at least 5x the cache`);
    const events = new Map<string, StepEvent[]>();
    const cancelled = new Set<string>();
    let next = 0;
    for (let i = 0; next < specs.length || scheduler.hasWork(); i++) {
      assert.ok(i < 20_000, 'the scheduler makes progress');
      for (let k = rand(3); k > 0 && next < specs.length; k--) {
        const spec = specs[next++];
        scheduler.add(request(spec.id, spec.tokens, { maxTokens: spec.maxTokens, stopOnEog: false, cacheKey: spec.cacheKey as CacheKey }));
      }
      if (rand(15) === 0 && next > 0) {
        const id = specs[rand(next)].id;
        if (scheduler.cancel(id as RequestId)) cancelled.add(id);
      }
      for (const e of step()) events.set(e.id, [...(events.get(e.id) ?? []), e]);
    }
    assert.ok(plans.some((p) => p.preempted.length > 0), 'requests were preempted');
    assert.ok(scheduler.stats().numEvictedTokens > 0, 'cached prefixes were evicted');
    assert.equal(scheduler.stats().numPreemptions, plans.reduce((n, p) => n + p.preempted.length, 0));
    for (const spec of specs) {
      const got = events.get(spec.id) ?? [];
      assert.equal(got.filter((e) => e.finishReason).length, 1, `${spec.id} finished exactly once`);
      const output = outputOf(got);
      const solo = soloOutput(spec.tokens, Math.min(spec.maxTokens, config.maxSeqLen - spec.tokens.length));
      if (finalOf(got).finishReason === 'cancelled') {
        assert.ok(cancelled.has(spec.id));
        assert.deepEqual(output, solo.slice(0, output.length), `${spec.id}: a cancelled request streamed a prefix of its output`);
      } else {
        assert.equal(finalOf(got).finishReason, 'length');
        assert.deepEqual(output, solo, `${spec.id}: same output as alone`);
      }
    }
  });

  it('prefills a prefix shared by concurrent requests once: the later ones wait for it and report it as cache hits', () => {
    const { scheduler, runAll, plans } = setup({ maxPrefillTokensPerStep: 16 });
    const system = prompt(64, 9);
    const prompts = [0, 1, 2].map((i) => [...system, ...prompt(5, 20 + i)]);
    prompts.forEach((p, i) => scheduler.add(request(`r${i}`, p, { maxTokens: 6 })));
    const events = runAll();
    const prefilled = plans.reduce((n, plan) => n + plan.chunks.filter((c) => c.tokens.length > 1 || c.startPos < 69).reduce((m, c) => m + c.tokens.length, 0), 0);
    assert.ok(prefilled < 64 + 3 * 5 + 3, `the 64-token prefix was computed once (${prefilled} prompt tokens computed)`);
    prompts.forEach((p, i) => {
      assert.deepEqual(outputOf(events.get(`r${i}`)), soloOutput(p, 6), `r${i}: the same output as alone`);
      const hits = finalOf(events.get(`r${i}`)).usage?.promptCacheHitTokens;
      assert.equal(hits, i === 0 ? 0 : 64, `r${i}'s cache hits`);
    });
    assert.equal(scheduler.stats().numInFlightHitTokens, 2 * 64, 'both later requests took the prefix as it was computed');
  });

  it('shares in flight only within a cache key', () => {
    const { scheduler, runAll } = setup({ maxPrefillTokensPerStep: 16 });
    const p = prompt(48, 4);
    scheduler.add(request('a', p));
    scheduler.add(request('b', p, { cacheKey: 'b' as CacheKey }));
    const events = runAll();
    assert.equal(finalOf(events.get('b')).usage?.promptCacheHitTokens, 0);
    assert.equal(scheduler.stats().numInFlightHitTokens, 0);
    assert.deepEqual(outputOf(events.get('b')), outputOf(events.get('a')));
  });

  it('never evicts the cells of a running request that shared its prefix in flight', () => {
    const { scheduler, step, runAll, kv } = setup({ numSlots: 2, totalCells: 96, maxSeqLen: 96, maxPrefillTokensPerStep: 8 });
    scheduler.add(request('long', prompt(40, 3), { maxTokens: 40, stopOnEog: false }));
    const early: StepEvent[] = [];
    for (let i = 0; i < 8; i++) early.push(...step());
    // Another tenant's prompt needs cells: only unlocked cache may go, never the running request's prefix.
    scheduler.add(request('other', prompt(40, 5), { maxTokens: 10, cacheKey: 'x' as CacheKey }));
    const events = runAll();
    assert.deepEqual([...outputOf(early), ...outputOf(events.get('long'))], soloOutput(prompt(40, 3), 40));
    assert.equal(kv.usedCells, 96 - scheduler.stats().numFreeCells);
  });

  it('parks the idle cache while a long prompt computes, and a later request gets its hit back', () => {
    const config = { totalCells: 4096, maxSeqLen: 2048, maxPrefillTokensPerStep: 512 };
    const { scheduler, kv, step, runAll } = setup(config, { parking: true });
    const conversation = prompt(300, 1);
    scheduler.add(request('first', conversation));
    runAll();
    const cached = scheduler.stats().numCachedTokens;
    assert.ok(cached >= 300);
    scheduler.add(request('long', prompt(1500, 2)));
    const events = step();
    assert.equal(scheduler.stats().numParkedTokens, cached, 'the whole idle cache went to host memory');
    assert.ok(kv.usedCells <= 512, `only the long prompt's first chunk is in the cells (${kv.usedCells})`);
    const longEvents = [...events, ...(runAll().get('long') ?? [])];
    assert.deepEqual(outputOf(longEvents), soloOutput(prompt(1500, 2), 8, config));
    const followUp = [...conversation, ...prompt(20, 3)];
    scheduler.add(request('follow-up', followUp));
    const followEvents = runAll().get('follow-up');
    assert.ok((finalOf(followEvents).usage?.promptCacheHitTokens ?? 0) >= 300, 'the parked conversation came back as a cache hit');
    assert.equal(scheduler.stats().numParkedTokens, 0);
    assert.deepEqual(outputOf(followEvents), soloOutput(followUp, 8, config));
  });
});
