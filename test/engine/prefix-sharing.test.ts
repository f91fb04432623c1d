/**
 * Prefixes shared while their first request is still running (issue 20): concurrent requests with one
 * long prefix prefill it once, the later ones report it as cache hits, and every output is as alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collect, request, startEngine } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';

describe('prefix sharing in flight', () => {
  for (const arch of ['llama', 'deepseek2'] as const) {
    it(`gives concurrent requests with one long prefix their solo outputs, the later ones from the cache (${arch})`, { timeout: 180_000 }, async (t) => {
      const engine = await startEngine(t, await tinyModel(arch), { maxPrefillTokensPerStep: 64 });
      const system = 'You are a meticulous assistant who answers every question in full sentences. '.repeat(8);
      const questions = ['What is the capital of France?', 'Name three prime numbers.', 'Why is the sky blue?'];
      const solo: Awaited<ReturnType<typeof collect>>[] = [];
      for (const [i, q] of questions.entries()) solo.push(await collect(engine.generate(request(system + q, { cacheKey: `solo-${i}`, maxTokens: 12 }))));
      const together = await Promise.all(questions.map((q) => collect(engine.generate(request(system + q, { cacheKey: 'shared', maxTokens: 12 })))));
      const prefixTokens = (await engine.tokenize(system, true)).length;
      together.forEach((run, i) => assert.deepEqual(run.tokens, solo[i].tokens, `request ${i}: the same output as alone`));
      // Whichever was admitted first computed the prefix (they arrive together, in no set order); the others took it.
      const byHits = together.map((run) => run.usage?.promptCacheHitTokens ?? 0).sort((a, b) => a - b);
      assert.equal(byHits[0], 0, 'the first admitted computed the prefix');
      for (const hits of byHits.slice(1)) assert.ok(hits >= prefixTokens - 2, `a later request took the shared prefix from the cache (${hits} of ${prefixTokens})`);
      const hits = byHits.reduce((n, h) => n + h, 0);
      const { numInFlightHitTokens } = await engine.stats();
      // How many were taken while the first request computed them depends on when the others arrived.
      assert.ok(numInFlightHitTokens <= hits, `hits taken while the first request computed them: ${numInFlightHitTokens} of ${hits}`);
    });
  }
});
