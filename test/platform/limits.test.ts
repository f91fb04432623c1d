/**
 * Limits under 50 concurrent requests, over real HTTP: never more admitted than a key allows, refusals in
 * OpenAI's 429 shape with Retry-After and x-ratelimit-* headers, and a token budget never overspent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI, { RateLimitError } from 'openai';
import { databaseFile } from '../../src/platform/platform.ts';
import type { KeyRequest } from '../../src/platform/admin.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { serverForSuite, type TestServer } from '../helpers/server.ts';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';

const CONCURRENT = 50;

interface Result {
  status: number;
  totalTokens: number;
  headers: Record<string, string>;
  code?: string;
  /** The SDK's error class, which clients branch on. */
  errorClass?: string;
}

async function burst(client: OpenAI, maxTokens: number): Promise<Result[]> {
  return Promise.all(Array.from({ length: CONCURRENT }, async (_, i): Promise<Result> => {
    try {
      const { data, response } = await client.chat.completions
        .create({ model: 'deepseek-chat', messages: [{ role: 'user', content: `request ${i}` }], max_tokens: maxTokens, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .withResponse();
      return { status: 200, totalTokens: data.usage!.total_tokens, headers: Object.fromEntries(response.headers) };
    } catch (error) {
      if (!(error instanceof OpenAI.APIError)) throw error;
      return {
        status: error.status ?? 0,
        totalTokens: 0,
        headers: Object.fromEntries(error.headers ?? []),
        code: (error.error as { code?: string })?.code,
        errorClass: error.constructor.name,
      };
    }
  }));
}

const count = (results: Result[], status: number) => results.filter((r) => r.status === status).length;

async function keyFor(server: TestServer, limits: Partial<KeyRequest>): Promise<{ client: OpenAI; keyId: string }> {
  const tenant = `t${Math.random().toString(36).slice(2, 8)}`;
  await server.platform.admin.createTenant(tenant, 'test');
  const { secret, key } = await server.platform.admin.createKey({ ...UNLIMITED_KEY, tenant, ...limits }, 'test');
  return { client: server.clientWithKey(secret), keyId: key.id };
}

/** The most requests of one key the ledger shows running at one moment (each row: admitted → settled). */
function maxOverlap(dataDir: string, keyId: string): number {
  const db = new Database(databaseFile(dataDir), { readonly: true });
  const rows = db.prepare('SELECT created_at AS endAt, latency_ms AS latency FROM usage_ledger WHERE key_id = ?').all(keyId) as Array<{ endAt: number; latency: number }>;
  db.close();
  // created_at has millisecond resolution: shrink each interval by 1 ms so back-to-back requests do not touch.
  const events = rows.flatMap((r) => [[r.endAt - r.latency + 1, 1], [r.endAt - 1, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (running += delta));
  return max;
}

describe('limits under 50 concurrent requests', () => {
  const dataDir = scratchDir();
  const server = serverForSuite(async () => [await tinyModel('llama')], { dataDir });

  it('requests per minute: exactly the limit is admitted, the rest get 429 with Retry-After', async () => {
    const { client } = await keyFor(server(), { rpm: 10 });
    const results = await burst(client, 2);
    assert.equal(count(results, 200), 10);
    assert.equal(count(results, 429), CONCURRENT - 10);
    const refused = results.find((r) => r.status === 429)!;
    assert.equal(refused.code, 'rate_limited');
    assert.equal(refused.errorClass, RateLimitError.name);
    assert.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60);
    assert.equal(refused.headers['x-ratelimit-limit-requests'], '10');
    assert.equal(refused.headers['x-ratelimit-remaining-requests'], '0');
    const admitted = results.find((r) => r.status === 200)!;
    assert.equal(admitted.headers['x-ratelimit-limit-requests'], '10');
  });

  it('concurrent requests: never more running at once than allowed', async () => {
    const { client, keyId } = await keyFor(server(), { maxConcurrency: 3 });
    const results = await burst(client, 24);
    assert.ok(count(results, 200) >= 3, 'the first three are admitted');
    assert.ok(count(results, 429) > 0, 'the rest arrive while three run');
    assert.equal(count(results, 200) + count(results, 429), CONCURRENT);
    const overlap = maxOverlap(dataDir, keyId);
    assert.ok(overlap <= 3 && overlap >= 1, `at most 3 ran at once, the ledger shows ${overlap}`);
  });

  it('tokens per minute: what the admitted requests used stays within the limit', async () => {
    const { client } = await keyFor(server(), { tpm: 600 });
    const results = await burst(client, 16);
    const used = results.reduce((sum, r) => sum + r.totalTokens, 0);
    assert.ok(count(results, 200) > 0 && count(results, 429) > 0, `${count(results, 200)} admitted, ${count(results, 429)} refused`);
    assert.ok(used <= 600, `used ${used} tokens`);
    assert.equal(results.find((r) => r.status === 429)!.headers['x-ratelimit-limit-tokens'], '600');
  });

  it('token budget: concurrent requests cannot overspend, and the refusal is DeepSeek\'s 402', async () => {
    const { client, keyId } = await keyFor(server(), { budgetTokens: 500 });
    const results = await burst(client, 16);
    const used = results.reduce((sum, r) => sum + r.totalTokens, 0);
    assert.ok(count(results, 200) > 0 && count(results, 402) > 0, `${count(results, 200)} admitted, ${count(results, 402)} refused`);
    assert.equal(count(results, 200) + count(results, 402), CONCURRENT);
    assert.ok(used <= 500, `used ${used} of 500`);
    const refused = results.find((r) => r.status === 402)!;
    assert.equal(refused.code, 'invalid_request_error', 'DeepSeek\'s 402 body: type unknown_error, code invalid_request_error');
    const key = await server().platform.store.key(keyId);
    assert.equal(key?.spentTokens, used, 'the key was charged exactly what the responses report');
    assert.equal(key?.reservedTokens, 0, 'nothing stays reserved once every request ended');
  });
});
