import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '../../src/engine/errors.ts';
import { collect, request, startEngine } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';

const PROMPTS = [
  'Hello',
  'The quick brown fox jumps over the lazy dog. '.repeat(6),
  'What is 12 + 30? Think step by step.',
  'def add(a, b):\n    return a + b\n'.repeat(4),
  '你好，世界！ Numbers: 1 2 3 4 5 6 7 8 9 10',
  'A',
  'Once upon a time, in a land far away, there lived a curious engineer who measured everything. '.repeat(3),
  '{"name": "seekstack", "ok": true}',
];

for (const arch of ['llama', 'qwen2', 'deepseek2'] as const) {
  describe(`engine on a tiny ${arch} model`, () => {
    it('batched greedy output equals solo greedy output at 1, 4 and 8 concurrent requests', async (t) => {
      const engine = await startEngine(t, await tinyModel(arch));
      // Distinct cache keys keep every run cold, so this compares batching alone.
      let run = 0;
      const generate = (text: string) => collect(engine.generate(request(text, { cacheKey: `run${run++}` })));
      const solo: number[][] = [];
      for (const text of PROMPTS) solo.push((await generate(text)).tokens);
      assert.ok(solo.every((tokens) => tokens.length === 16));
      for (const concurrency of [1, 4, 8]) {
        const batched = await Promise.all(PROMPTS.slice(0, concurrency).map(generate));
        batched.forEach((r, i) => assert.deepEqual(r.tokens, solo[i], `prompt ${i} at concurrency ${concurrency}`));
      }
    });

    it('a prefix-cache hit gives exactly the output of a cold run', async (t) => {
      const engine = await startEngine(t, await tinyModel(arch));
      const text = PROMPTS[6];
      const cold = await collect(engine.generate(request(text)));
      const warm = await collect(engine.generate(request(text)));
      const other = await collect(engine.generate(request(text, { cacheKey: 'another tenant' })));
      assert.equal(cold.usage?.promptCacheHitTokens, 0);
      assert.equal(warm.usage?.promptCacheHitTokens, (warm.usage?.promptTokens ?? 0) - 1);
      assert.equal(other.usage?.promptCacheHitTokens, 0, 'no hit across cache keys');
      assert.deepEqual(warm.tokens, cold.tokens);
      assert.deepEqual(other.tokens, cold.tokens);
      const branch = await collect(engine.generate(request(`${text} And then?`)));
      assert.ok((branch.usage?.promptCacheHitTokens ?? 0) > 100, 'a longer prompt reuses the shared prefix');
    });
  });
}

describe('engine scheduling', () => {
  it('keeps decoding running streams every step while a long prompt is prefilled', async (t) => {
    const engine = await startEngine(t, await tinyModel('qwen2'), { maxPrefillTokensPerStep: 64 });
    // The streams run until the long prompt is done, however fast this machine decodes.
    const stop = new AbortController();
    const runners = [0, 1, 2].map((i) => collect(engine.generate(request(`stream ${i}`, { maxTokens: 100_000 }), stop.signal)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const long = await collect(engine.generate(request('lorem ipsum dolor sit amet '.repeat(120), { maxTokens: 4 })));
    stop.abort();
    const streams = await Promise.all(runners);
    const numChunks = Math.ceil((long.usage?.promptTokens ?? 0) / 64);
    assert.ok(numChunks >= 8, 'the prompt needed many prefill steps');
    const prefillStart = long.steps[0] - numChunks;
    for (const s of streams) {
      const during = s.steps.filter((step) => step > prefillStart && step <= long.steps[0]);
      assert.equal(during.length, numChunks, 'the stream got a token in every step of the prefill');
      for (let i = 1; i < s.steps.length; i++) assert.equal(s.steps[i], s.steps[i - 1] + 1, 'no step skipped a stream');
    }
  });

  it('cancels a request mid-prefill and mid-decode and frees its slot', async (t) => {
    const engine = await startEngine(t, await tinyModel('llama'), { numSlots: 1, maxPrefillTokensPerStep: 16 });
    const prefill = new AbortController();
    const pending = collect(engine.generate(request('long prompt '.repeat(1000), { maxTokens: 4 }), prefill.signal));
    setTimeout(() => prefill.abort(), 20);
    const cancelled = await pending;
    assert.equal(cancelled.finishReason, 'cancelled');
    assert.equal(cancelled.tokens.length, 0, 'cancelled before the prompt was done');

    const decode = new AbortController();
    let received = 0;
    const events = engine.generate(request('go', { maxTokens: 3000 }), decode.signal);
    let finish: string | undefined;
    for await (const e of events) {
      received += e.tokens.length;
      if (received === 5) decode.abort();
      finish = e.finishReason ?? finish;
    }
    assert.equal(finish, 'cancelled');
    // The engine drops it at the first step after the cancel arrives; this tiny model decodes a token in
    // a fraction of the cancel's trip between processes, so a few more tokens may come, never thousands.
    assert.ok(received < 100, `stopped soon after the cancel (got ${received} of up to 3000 tokens)`);
    const stats = await engine.stats();
    assert.equal(stats.numRunning, 0);
    assert.equal((await collect(engine.generate(request('next')))).finishReason, 'length');
  });

  it('runs with more sequence ids (slots, cache holders, scratch) than prompt tokens per step', async (t) => {
    // llama.cpp aborts a decode whose batch has fewer rows than the context has sequence ids.
    const engine = await startEngine(t, await tinyModel('llama'), { numSlots: 1, numCacheHolders: 32, maxPrefillTokensPerStep: 4 });
    assert.equal((await collect(engine.generate(request('a prompt longer than one step of four tokens', { maxTokens: 3 })))).finishReason, 'length');
  });

  it('refuses settings it cannot run with a reason, instead of dying while loading', async (t) => {
    const model = await tinyModel('llama');
    // llama.cpp reserves an output row per sequence in a batch no larger than the context, and aborts otherwise.
    await assert.rejects(startEngine(t, model, { numSlots: 64, numCacheHolders: 16, totalCells: 64 }), (e: EngineError) =>
      e.code === 'invalid_request' && /a context of 64 tokens is too small for 64 slots: it needs at least 81 \(slots \+ 16 prefix-cache holders \+ 1\)/.test(e.message));
    await assert.rejects(startEngine(t, model, { totalCells: 10 }), (e: EngineError) =>
      e.code === 'invalid_request' && /invalid engine settings: \/config\/totalCells Expected integer to be greater or equal to 64/.test(e.message));
  });

  it('refuses requests past the queue bound with an overloaded error', async (t) => {
    const engine = await startEngine(t, await tinyModel('llama'), { numSlots: 1, maxQueueLength: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => collect(engine.generate(request(`q${i}`, { maxTokens: 40 })))),
    );
    const overloaded = results.filter((r) => r.status === 'rejected' && (r.reason as EngineError).code === 'overloaded');
    const served = results.filter((r) => r.status === 'fulfilled');
    // One slot and two queue places: at most three are taken in, however the submissions interleave.
    assert.ok(overloaded.length >= 3, `${overloaded.length} of 6 were refused`);
    assert.equal(served.length + overloaded.length, 6);
    assert.match((overloaded[0] as PromiseRejectedResult).reason.message, /overloaded/);
  });

  it('refuses a prompt longer than the context, stating both lengths', async (t) => {
    const engine = await startEngine(t, await tinyModel('llama'), { maxSeqLen: 128 });
    await assert.rejects(
      collect(engine.generate(request('word '.repeat(400)))),
      (e: EngineError) => e.code === 'context_length_exceeded' && /\d+ tokens.*128 tokens/.test(e.message),
    );
  });
});

describe('engine sampling', () => {
  it('honours stop strings split across tokens', async (t) => {
    const engine = await startEngine(t, await tinyModel('qwen2'));
    const full = await collect(engine.generate(request('Tell me a story', { maxTokens: 40 })));
    // A stop string made of the end of one token's text and the start of the next one's.
    const pieces = full.events.map((e) => e.text);
    const i = pieces.findIndex((p, k) => p.length >= 2 && (pieces[k + 1]?.length ?? 0) >= 2);
    assert.ok(i >= 0, 'two adjacent multi-character pieces');
    const stop = pieces[i].slice(-2) + pieces[i + 1].slice(0, 2);
    const stopped = await collect(engine.generate(request('Tell me a story', { maxTokens: 40, stop: [stop], cacheKey: 'x' })));
    assert.equal(stopped.finishReason, 'stop');
    assert.equal(stopped.text, full.text.slice(0, full.text.indexOf(stop)));
  });

  it('seeded sampling is reproducible, and another seed differs', async (t) => {
    const engine = await startEngine(t, await tinyModel('qwen2'));
    const sampled = (seed: number) =>
      collect(engine.generate(request('Sample this', {
        maxTokens: 24,
        sampling: { temperature: 1.5, topP: 0.95, topK: 0, minP: 0, seed, presencePenalty: 0.2, frequencyPenalty: 0.1, repetitionPenalty: 1.1, penaltyLastN: 64, logitBias: [] },
      })));
    const [a, b, c] = await Promise.all([sampled(42), sampled(42), sampled(7)]);
    assert.deepEqual(a.tokens, b.tokens);
    assert.notDeepEqual(a.tokens, c.tokens);
  });

  it('applies logit bias and reports top-k logprobs', async (t) => {
    const engine = await startEngine(t, await tinyModel('qwen2'));
    const [forced] = await engine.tokenize('x', false);
    const biased = await collect(engine.generate(request('Anything', {
      maxTokens: 3, topLogprobs: 5, sampling: { ...request('').sampling, logitBias: [{ token: forced, bias: 100 }] },
    })));
    assert.deepEqual(biased.tokens, [forced, forced, forced]);
    const plain = await collect(engine.generate(request('Anything', { maxTokens: 3, topLogprobs: 5, cacheKey: 'y' })));
    for (const e of plain.events.filter((e) => e.tokens.length > 0)) {
      const [sample] = e.logprobs ?? [];
      assert.equal(sample.topLogprobs?.length, 5);
      const values = sample.topLogprobs!.map((a) => a.logprob);
      assert.deepEqual(values, [...values].sort((x, y) => y - x));
      assert.equal(sample.topLogprobs![0].token, e.tokens[0], 'greedy picks the most likely token');
      assert.ok(values.every((v) => v <= 0) && values.reduce((s, v) => s + Math.exp(v), 0) <= 1.0001);
    }
  });
});
