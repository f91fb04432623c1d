/**
 * Idle compaction of the prefix cache (issue 20): after the engine packs its cached prefixes into the
 * lowest KV cells, requests that continue them still take them from the cache, branches included, and
 * answer token for token as from an empty cache.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { EngineClient } from '../../src/engine/client.ts';
import { collect, request, startEngine } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';

async function waitForCompaction(engine: EngineClient, count: number): Promise<void> {
  for (let i = 0; i < 200 && (await engine.stats()).numCompactions < count; i++) await sleep(50);
  assert.ok((await engine.stats()).numCompactions >= count, `compaction ${count} ran`);
}

describe('prefix cache compaction', () => {
  for (const arch of ['llama', 'deepseek2'] as const) {
    it(`keeps every cached prefix and branch usable, with unchanged outputs (${arch})`, { timeout: 180_000 }, async (t) => {
      const engine = await startEngine(t, await tinyModel(arch), { cacheCompactionIdleMs: 100 });
      const system = 'You are a careful assistant who explains each step of the answer. '.repeat(6);
      const first = [
        { key: 'tenant-a', text: `${system}What is the tallest mountain?` },
        { key: 'tenant-a', text: `${system}Which river is the longest?` },
        { key: 'tenant-b', text: 'A completely different tenant asks about the weather today. '.repeat(4) },
      ];
      // One after another, so the second branches off the first one's cached system prompt.
      for (const { key, text } of first) await collect(engine.generate(request(text, { cacheKey: key, maxTokens: 8 })));
      await waitForCompaction(engine, 1);

      const follow = first.map(({ key, text }) => ({ key, text: `${text} Answer in one short sentence, please.` }));
      const fresh = [];
      for (const [i, { text }] of follow.entries()) fresh.push(await collect(engine.generate(request(text, { cacheKey: `fresh-${i}`, maxTokens: 12 }))));
      for (const [i, { key, text }] of follow.entries()) {
        const run = await collect(engine.generate(request(text, { cacheKey: key, maxTokens: 12 })));
        assert.deepEqual(run.tokens, fresh[i].tokens, `follow-up ${i}: the same output as from an empty cache`);
        const cached = (await engine.tokenize(first[i].text, true)).length;
        assert.ok((run.usage?.promptCacheHitTokens ?? 0) >= cached - 2, `follow-up ${i} took its prefix from the compacted cache (${run.usage?.promptCacheHitTokens} of ${cached})`);
      }
      await waitForCompaction(engine, 2);
    });
  }
});
