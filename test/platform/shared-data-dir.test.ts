/**
 * One data directory, several processes (observation 2): a server that starts never clears the budget
 * reservations another live process holds, so the budget holds across both; a process that dies loses its
 * reservations when its lease lapses (test/platform/crash.test.ts).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { startServeProcess } from '../helpers/serve-process.ts';

const BUDGET = 3000;
const LONG_REQUEST = { promptTokens: 6, maxTokensPerChoice: 2500 };

describe('a second server on the same data directory', () => {
  it('leaves the first one\'s live reservations alone, and the key never spends past its budget', async () => {
    const dataDir = scratchDir();
    // Process A: this test process, admitting a long request through the same gate a server uses.
    const first = await openPlatform(dataDir);
    await first.admin.createTenant('acme', 'test');
    const { secret, key } = await first.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', budgetTokens: BUDGET }, 'test');
    const caller = await first.gate.authenticate(`Bearer ${secret}`);
    const admission = await first.gate.admit(caller, { requestId: 'a-long-request', requestedModel: 'deepseek-chat', modelId: 'm', choices: 1, ...LONG_REQUEST });
    const held = LONG_REQUEST.promptTokens + LONG_REQUEST.maxTokensPerChoice;
    assert.equal((await first.store.key(key.id))?.reservedTokens, held);

    const second = await startServeProcess(['--model', await tinyModel('llama'), '--threads', '1', '--data-dir', dataDir]);
    try {
      assert.equal((await first.store.key(key.id))?.reservedTokens, held, 'B\'s start left A\'s reservation in place');
      const client = new OpenAI({ baseURL: second.url, apiKey: secret, maxRetries: 0 });
      const reply = await client.chat.completions.create({
        model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2500, ignore_eos: true,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      assert.equal(reply.choices[0].finish_reason, 'length');
      assert.ok(reply.usage!.total_tokens <= BUDGET - held, `B gave only what A left: ${reply.usage!.total_tokens} tokens`);
      await admission.settle({ promptTokens: LONG_REQUEST.promptTokens, cacheHitTokens: 0, completionTokens: LONG_REQUEST.maxTokensPerChoice, reasoningTokens: 0, status: 200, finishReason: 'length' });
      const after = await first.store.key(key.id);
      assert.ok(after!.spentTokens <= BUDGET, `spent ${after!.spentTokens} of ${BUDGET}`);
      assert.equal(after!.spentTokens, held + reply.usage!.total_tokens);
      assert.equal(after!.reservedTokens, 0);
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
      await first.close();
    }
  });
});
