import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logSumExp, topLogprobs } from './logprobs.ts';

describe('logprobs', () => {
  it('matches a full sort and a direct softmax', () => {
    const logits = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 8);
    const lse = logSumExp(logits);
    const expected = [...logits.keys()].sort((a, b) => logits[b] - logits[a]).slice(0, 20);
    const got = topLogprobs(logits, 20, lse);
    assert.deepEqual(got.map((a) => a.token), expected);
    const probSum = [...logits].reduce((s, l) => s + Math.exp(l - lse), 0);
    assert.ok(Math.abs(probSum - 1) < 1e-9);
    assert.ok(Math.abs(got[0].logprob - (logits[expected[0]] - lse)) < 1e-6);
  });

  it('returns fewer alternatives than k for a tiny vocabulary, and none for k = 0', () => {
    const logits = Float32Array.of(1, 3, 2);
    assert.deepEqual(topLogprobs(logits, 5).map((a) => a.token), [1, 2, 0]);
    assert.deepEqual(topLogprobs(logits, 0), []);
  });
});
