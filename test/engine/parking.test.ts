/**
 * Parking the prefix cache (prefix/tree.ts): a long cold prompt moves the cached branches no request
 * uses out of the KV cells into host memory; a request that continues one of them gets it back as a
 * cache hit, and answers token for token as from an empty cache.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertBranchesServeFollowUps, cacheBranches } from '../helpers/cached-branches.ts';
import { collect, request, startEngine } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';

describe('prefix cache parking', () => {
  for (const arch of ['llama', 'deepseek2'] as const) {
    it(`parks idle branches for a long prompt and restores them on a hit, with unchanged outputs (${arch})`, { timeout: 180_000 }, async (t) => {
      const engine = await startEngine(t, await tinyModel(arch), { cacheCompactionIdleMs: 0 });
      await cacheBranches(engine);
      const cachedBefore = (await engine.stats()).numCachedTokens;
      const long = 'Another tenant pastes a long report about river levels, stone bridges and market days. '.repeat(70);
      assert.ok((await engine.tokenize(long, true)).length >= 1100, 'the long prompt is long enough to park for');
      await collect(engine.generate(request(long, { cacheKey: 'tenant-c', maxTokens: 4 })));
      assert.equal((await engine.stats()).numParkedTokens, cachedBefore, 'every idle branch was parked');
      await assertBranchesServeFollowUps(engine, 'host memory');
      assert.equal((await engine.stats()).numParkedTokens, 0, 'every parked branch came back');
    });
  }
});
