import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LlamaContext } from '../llama/context.ts';
import type { RequestSampler } from './chain.ts';
import { withThinkingBudget } from './thinking-budget.ts';

/** A chain that picks the given tokens in turn and records what it was told to accept. */
function scripted(picks: number[]): RequestSampler & { accepted: number[] } {
  const accepted: number[] = [];
  let next = 0;
  return { accepted, sample: () => picks[next++], accept: (token) => void accepted.push(token), free: () => {} };
}

/**
 * Token t is the piece PIECES[t]: 4 and 5 together spell the marker, as a tokenizer may split it; 7 and 8
 * are the halves of one character (你, E4 BD A0), as byte-level tokens may split it.
 */
const PIECES = [Buffer.from('a'), Buffer.from('b'), Buffer.from('</think>'), Buffer.from('\n'), Buffer.from('</'), Buffer.from('think>'), Buffer.from('x'), Buffer.from([0xe4, 0xbd]), Buffer.from([0xa0])];
const pieceOf = (token: number) => PIECES[token];
const BUDGET = { maxTokens: 3, endTokens: [3, 2, 3], marker: Buffer.from('</think>') };
const ctx = {} as LlamaContext;

function run(sampler: RequestSampler, steps: number): number[] {
  return Array.from({ length: steps }, () => sampler.sample(ctx, 0));
}

describe('thinking budget', () => {
  it('writes the end after the budget, through the chain, then samples again', () => {
    const chain = scripted([0, 1, 0, 6, 6]);
    assert.deepEqual(run(withThinkingBudget(chain, BUDGET, pieceOf), 8), [0, 1, 0, 3, 2, 3, 6, 6]);
    assert.deepEqual(chain.accepted, [3, 2, 3], 'penalties see the written tokens');
  });

  it('writes nothing once the model ended its reasoning itself, in one token or split across two', () => {
    for (const picks of [[0, 2, 6, 6, 6, 6], [0, 4, 5, 6, 6, 6]]) {
      const chain = scripted(picks);
      assert.deepEqual(run(withThinkingBudget(chain, BUDGET, pieceOf), 6), picks);
      assert.deepEqual(chain.accepted, []);
    }
  });

  it('lets a character split across tokens be finished before it writes the end', () => {
    const chain = scripted([0, 0, 7, 8, 6]);
    assert.deepEqual(run(withThinkingBudget(chain, BUDGET, pieceOf), 7), [0, 0, 7, 8, 3, 2, 3]);
    // A model that never finishes one is cut after a few tokens all the same.
    const endless = scripted([0, 0, 7, 7, 7, 7, 7, 7]);
    assert.deepEqual(run(withThinkingBudget(endless, BUDGET, pieceOf), 10), [0, 0, 7, 7, 7, 7, 7, 3, 2, 3]);
  });

  it('ends the reasoning at once with a budget of 0', () => {
    assert.deepEqual(run(withThinkingBudget(scripted([6, 6]), { ...BUDGET, maxTokens: 0 }, pieceOf), 5), [3, 2, 3, 6, 6]);
  });
});
