/**
 * The engine under KV-cache pressure: cached prefixes are evicted and running requests preempted, so an
 * admitted request always finishes, whatever the cache held before it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect, request, startEngine } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';

const TIMEOUT = { timeout: 300_000 };

describe('engine under KV-cache pressure', () => {
  it('serves a new prompt after a long answer filled most of a one-slot context', TIMEOUT, async (t) => {
    const engine = await startEngine(t, await tinyModel('llama'), { numSlots: 1, totalCells: 256, maxSeqLen: 256 });
    const first = await collect(engine.generate(request('Once upon a time', { maxTokens: 200 })));
    assert.equal(first.finishReason, 'length');
    const next = await collect(engine.generate(request('Lily went to the park', { maxTokens: 100 })));
    assert.equal(next.finishReason, 'length');
    assert.equal(next.tokens.length, 100);
  });

  it('serves a prompt that shares a long system prompt with a cached one but ends differently', TIMEOUT, async (t) => {
    const engine = await startEngine(t, await tinyModel('qwen2'), { totalCells: 256, maxSeqLen: 256 });
    // The second prompt alone fits with room for its answer; with the first one's cells still locked it would not.
    const question = 'Analyze the profitability.';
    let system = '';
    const fits = async (text: string) => (await engine.tokenize(`${text}${question}`, true)).length <= engine.model.totalCells - 4;
    for (const filler of ['You are an experienced financial report analyst. ', 'ok ']) {
      while (await fits(system + filler)) system += filler;
    }
    const summary = await collect(engine.generate(request(`${system}Summarize the report.`, { maxTokens: 2 })));
    assert.equal(summary.finishReason, 'length');
    const analysis = await collect(engine.generate(request(`${system}${question}`, { maxTokens: 2 })));
    assert.equal(analysis.finishReason, 'length');
    assert.equal(analysis.tokens.length, 2);
  });

  it('streams a long answer to its end after a longer one filled the context (deepseek2)', TIMEOUT, async (t) => {
    const engine = await startEngine(t, await tinyModel('deepseek2'), { totalCells: 1024, maxSeqLen: 1024 });
    const first = await collect(engine.generate(request('Write a long story.', { maxTokens: 700 })));
    assert.equal(first.tokens.length, 700);
    const second = await collect(engine.generate(request('Write another one, please.', { maxTokens: 400 })));
    assert.equal(second.finishReason, 'length');
    assert.equal(second.tokens.length, 400);
  });
});
