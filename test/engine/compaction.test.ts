/**
 * Idle compaction of the prefix cache (issue 20): after the engine packs its cached prefixes into the
 * lowest KV cells, requests that continue them still take them from the cache, branches included, and
 * answer token for token as from an empty cache; and the copies it packs the cache through are freed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineClient } from '../../src/engine/client.ts';
import { assertBranchesServeFollowUps, cacheBranches } from '../helpers/cached-branches.ts';
import { startEngine } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';
import { until } from '../helpers/until.ts';

async function waitForCompaction(engine: EngineClient, count: number): Promise<void> {
  await until(`compaction ${count} ran`, async () => (await engine.stats()).numCompactions >= count, { timeoutMs: 10_000, everyMs: 50 });
}

describe('prefix cache compaction', () => {
  for (const arch of ['llama', 'deepseek2'] as const) {
    it(`keeps every cached prefix and branch usable, with unchanged outputs (${arch})`, { timeout: 180_000 }, async (t) => {
      const engine = await startEngine(t, await tinyModel(arch), { cacheCompactionIdleMs: 100 });
      await cacheBranches(engine);
      await waitForCompaction(engine, 1);
      await assertBranchesServeFollowUps(engine, 'the compacted cache');
      await waitForCompaction(engine, 2);
    });
  }

  it('frees the copies it packed the cache through', { timeout: 60_000 }, async (t) => {
    const engine = await startEngine(t, await tinyModel('llama'), { cacheCompactionIdleMs: 500 });
    await cacheBranches(engine);
    const before = await engine.stats();
    await waitForCompaction(engine, 1);
    const after = await engine.stats();
    // The copies of these branches are ~70 kB; the slack covers IPC messages that arrive after the collection.
    assert.ok(after.bufferBytes <= before.bufferBytes + 16_384, `buffer bytes ${before.bufferBytes} before packing, ${after.bufferBytes} after`);
  });
});
