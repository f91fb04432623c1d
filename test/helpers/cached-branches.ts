/**
 * A prefix cache with branches (two prompts of one tenant sharing a system prompt, one of another tenant)
 * and the check that requests continuing them still take them from the cache and answer token for token
 * as from an empty cache: what every test that moves cached cells around (compaction, parking) asks.
 */
import assert from 'node:assert/strict';
import type { EngineClient } from '../../src/engine/client.ts';
import { collect, request } from './engine.ts';

const SYSTEM = 'You are a careful assistant who explains each step of the answer. '.repeat(6);

export const BRANCHES = [
  { key: 'tenant-a', text: `${SYSTEM}What is the tallest mountain?` },
  { key: 'tenant-a', text: `${SYSTEM}Which river is the longest?` },
  { key: 'tenant-b', text: 'A completely different tenant asks about the weather today. '.repeat(4) },
];

/** One after another, so the second branches off the first one's cached system prompt. */
export async function cacheBranches(engine: EngineClient): Promise<void> {
  for (const { key, text } of BRANCHES) await collect(engine.generate(request(text, { cacheKey: key, maxTokens: 8 })));
}

/** `where`: where the cached cells were, for the messages. */
export async function assertBranchesServeFollowUps(engine: EngineClient, where: string): Promise<void> {
  const follow = BRANCHES.map(({ key, text }) => ({ key, text: `${text} Answer in one short sentence, please.` }));
  const fresh = [];
  for (const [i, { text }] of follow.entries()) fresh.push(await collect(engine.generate(request(text, { cacheKey: `fresh-${i}`, maxTokens: 12 }))));
  for (const [i, { key, text }] of follow.entries()) {
    const run = await collect(engine.generate(request(text, { cacheKey: key, maxTokens: 12 })));
    assert.deepEqual(run.tokens, fresh[i].tokens, `follow-up ${i}: the same output as from an empty cache`);
    const cached = (await engine.tokenize(BRANCHES[i].text, true)).length;
    assert.ok((run.usage?.promptCacheHitTokens ?? 0) >= cached - 2, `follow-up ${i} took its prefix from ${where} (${run.usage?.promptCacheHitTokens} of ${cached})`);
  }
}
