/**
 * The books after a `kill -9`: a real `seekstack serve` process is killed while requests stream, then
 * restarted on the same data directory. Every request whose response completed is in the ledger exactly
 * once, the key was charged exactly for those, and what the killed requests had reserved is free again
 * once the killed process's lease has lapsed (the new process reclaims it; it never clears a live one's).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { databaseFile, openPlatform } from '../../src/platform/platform.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { BIN, startServeProcess } from '../helpers/serve-process.ts';

const BUDGET = 1_000_000;
const LEASE_TTL_S = 2;

/** The key's spent and reserved tokens as stored. */
function keyRow(dataDir: string, keyId: string): { spent_tokens: number; reserved_tokens: number } {
  const db = new Database(databaseFile(dataDir), { readonly: true });
  const row = db.prepare('SELECT spent_tokens, reserved_tokens FROM api_keys WHERE id = ?').get(keyId) as { spent_tokens: number; reserved_tokens: number };
  db.close();
  return row;
}

describe('usage ledger across kill -9 and restart', () => {
  it('keeps exactly the completed requests and their charges; the lapsed lease frees the killed ones\' reservations', async () => {
    const dataDir = scratchDir();
    const model = await tinyModel('llama');
    const platform = await openPlatform(dataDir);
    await platform.admin.createTenant('acme', 'test');
    const { secret, key } = await platform.admin.createKey(
      { ...UNLIMITED_KEY, tenant: 'acme', budgetTokens: BUDGET },
      'test',
    );
    await platform.close();
    // A short lease, so the killed process's reservations lapse within the test.
    const args = ['--model', model, '--threads', '1', '--slots', '4', '--data-dir', dataDir, '--lease-ttl', `${LEASE_TTL_S}s`];

    const first = await startServeProcess(args);
    const client = new OpenAI({ baseURL: first.url, apiKey: secret, maxRetries: 0 });
    const completed = new Map<string, number>();
    const ask = (i: number, maxTokens: number) => ({ model: 'deepseek-chat', messages: [{ role: 'user' as const, content: `question ${i}` }], max_tokens: maxTokens, ignore_eos: true });
    await Promise.all(Array.from({ length: 6 }, async (_, i) => {
      const reply = await client.chat.completions.create(ask(i, 8) as OpenAI.ChatCompletionCreateParamsNonStreaming);
      completed.set(reply.id, reply.usage!.total_tokens);
    }));

    // Long streams in flight, each past its first token, when the process dies.
    const started: Array<Promise<void>> = [];
    const inFlight = Array.from({ length: 4 }, (_, i) => {
      let markStarted!: () => void;
      started.push(new Promise<void>((resolve) => (markStarted = resolve)));
      return (async () => {
        const stream = await client.chat.completions.create({ ...ask(100 + i, 4000), stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
        for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) markStarted();
      })().then(() => 'completed', () => 'failed');
    });
    await Promise.all(started);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    assert.deepEqual(await Promise.all(inFlight), ['failed', 'failed', 'failed', 'failed']);

    assert.ok(keyRow(dataDir, key.id).reserved_tokens > 0, 'the killed requests still hold their reservations on disk');

    const second = await startServeProcess(args);
    try {
      // Renewals run every third of the lease's time to live; allow many of them on a loaded machine.
      const deadline = Date.now() + 60_000;
      while (keyRow(dataDir, key.id).reserved_tokens > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      const rows = new Database(databaseFile(dataDir), { readonly: true });
      const ledger = rows.prepare('SELECT request_id, prompt_tokens + completion_tokens AS total FROM usage_ledger WHERE key_id = ?').all(key.id) as Array<{ request_id: string; total: number }>;
      rows.close();
      const after = keyRow(dataDir, key.id);
      assert.deepEqual(new Map(ledger.map((r) => [r.request_id, r.total])), completed, 'each completed request once, and nothing else');
      const charged = [...completed.values()].reduce((a, b) => a + b, 0);
      assert.equal(after.spent_tokens, charged);
      assert.equal(after.reserved_tokens, 0, 'the lapsed lease released what the killed requests had reserved');
      const balance = (await (await fetch(`${second.url}/user/balance`, { headers: { authorization: `Bearer ${secret}` } })).json()) as { balance_infos: Array<{ total_balance: string }> };
      assert.equal(Number(balance.balance_infos[0].total_balance), BUDGET - charged);

      const again = new OpenAI({ baseURL: second.url, apiKey: secret, maxRetries: 0 });
      await again.chat.completions.create(ask(7, 4) as OpenAI.ChatCompletionCreateParamsNonStreaming);
      const usage = spawn(process.execPath, [BIN, 'usage', '--by', 'key', '--json', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      usage.stdout.on('data', (d: Buffer) => (output += d));
      await once(usage, 'exit');
      const rowsByKey = JSON.parse(output) as Array<{ group: string; requests: number }>;
      assert.equal(rowsByKey.find((r) => r.group === key.id)?.requests, completed.size + 1);
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    }
  });
});
