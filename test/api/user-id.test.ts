/** DeepSeek's user_id: validated, a prefix-cache namespace within the tenant, a per-user concurrency limit, and in the ledger. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { RateLimitError, UnprocessableEntityError } from 'openai';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { BIN } from '../helpers/serve-process.ts';
import { serverForSuite } from '../helpers/server.ts';

type DeepSeekUsage = { prompt_cache_hit_tokens: number; prompt_tokens: number };

describe('user_id', () => {
  const server = serverForSuite(async () => [await tinyModel('qwen2')], { engine: { numSlots: 2 } });
  const messages = [{ role: 'user' as const, content: 'hi' }];

  it('takes letters, digits, _ and - up to 512 bytes on chat and completions; anything else is a 422', async () => {
    const { client } = server();
    const chat = (user_id: string) => client.chat.completions.create({ model: 'deepseek-chat', messages, max_tokens: 1, user_id } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await chat('user_A-9');
    await chat('x'.repeat(512));
    for (const bad of ['has space', 'é', '', 'x'.repeat(513), 'semi;colon']) {
      await assert.rejects(chat(bad), (error: unknown) => error instanceof UnprocessableEntityError && /user_id/.test(error.message), JSON.stringify(bad));
    }
    await assert.rejects(
      client.completions.create({ model: 'deepseek-chat', prompt: 'hi', max_tokens: 1, user_id: 'no spaces please' } as OpenAI.CompletionCreateParamsNonStreaming),
      UnprocessableEntityError,
    );
  });

  it('namespaces the prefix cache by user_id within a tenant, on /v1 and /anthropic alike', async () => {
    const { client, origin } = server();
    const content = `Summarise this shared document. ${'The quick brown fox jumps over the lazy dog. '.repeat(30)}`;
    const ask = async (user_id: string) =>
      (await client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content }], max_tokens: 2, temperature: 0, user_id } as OpenAI.ChatCompletionCreateParamsNonStreaming)).usage as unknown as DeepSeekUsage;
    assert.equal((await ask('alice')).prompt_cache_hit_tokens, 0);
    assert.equal((await ask('bob')).prompt_cache_hit_tokens, 0, 'bob is never served from alice\'s cache');
    assert.ok((await ask('alice')).prompt_cache_hit_tokens > 200, 'alice hits her own');
    const anthropic = new Anthropic({ baseURL: `${origin}/anthropic`, apiKey: 'unused', maxRetries: 0 });
    const viaAnthropic = (user_id: string) => anthropic.messages.create({ model: 'deepseek-chat', max_tokens: 2, messages: [{ role: 'user', content }], metadata: { user_id } });
    assert.equal((await viaAnthropic('carol')).usage.cache_read_input_tokens, 0);
    assert.ok(((await viaAnthropic('carol')).usage.cache_read_input_tokens ?? 0) > 200);
  });

  it("holds each user_id to the key's per-user concurrency limit (429 beyond it) and reports usage by user", async () => {
    const { platform, clientWithKey, dataDir } = server();
    await platform.admin.createTenant('acme', 'test');
    const client = clientWithKey((await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', maxConcurrencyPerUser: 1 }, 'test')).secret);
    const ask = (user_id: string, extra: object = {}) => client.chat.completions.create({ model: 'deepseek-chat', messages, max_tokens: 1, user_id, ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const long = ask('dave', { max_tokens: 400, ignore_eos: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(ask('dave'), (error: unknown) => error instanceof RateLimitError && /per user_id/.test(error.message));
    await ask('erin');
    await long;
    await ask('dave');
    await client.chat.completions.create({ model: 'deepseek-chat', messages, max_tokens: 1 });

    const result = spawnSync(process.execPath, [BIN, 'usage', '--by', 'user', '--tenant', 'acme', '--json', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as Array<{ group: string; requests: number }>;
    assert.deepEqual(rows.map((r) => [r.group, r.requests]), [['', 1], ['dave', 2], ['erin', 1]]);
    const table = spawnSync(process.execPath, [BIN, 'usage', '--by', 'user', '--tenant', 'acme', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.match(table.stdout, /^USER\s+REQUESTS/m);
    assert.match(table.stdout, /\(no user_id\)/);
  });
});
