/**
 * Two API replicas (two real `seekstack serve` processes, each with its own tiny model) on one PostgreSQL
 * schema and one Redis prefix behave as one server: a key's concurrency, rpm and budget hold across them,
 * revocation holds on the next request to either, the audit chain stays one valid chain, an app session
 * works on both, and a replica killed with SIGKILL loses no completed request's ledger row.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { UNLIMITED_KEY, type KeyRequest } from '../../src/platform/admin.ts';
import { openAssistant } from '../../src/platform/assistant.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { PostgresDatabase } from '../../src/store/postgres.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { BIN, startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { createRedisPrefix, createTestSchema, REDIS_URL, sharedStateSkip, type TestRedisPrefix, type TestSchema } from '../helpers/shared-state.ts';

const skip = await sharedStateSkip({ postgres: true, redis: true });

const ASK = { model: 'deepseek-chat', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 8, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsNonStreaming;

interface Outcome {
  status: number;
  id?: string;
  message?: string;
}

/** One chat request; its HTTP status (200 or the refusal's) and, when answered, the completion id (the ledger's request id). */
async function ask(client: OpenAI): Promise<Outcome> {
  try {
    const reply = await client.chat.completions.create(ASK);
    return { status: 200, id: reply.id };
  } catch (error) {
    if (error instanceof OpenAI.APIError && error.status !== undefined) return { status: error.status, message: error.message };
    throw error;
  }
}

/** The most requests of one key the ledger shows running at one moment (admission to settlement, server clocks). */
function maxOverlap(rows: Array<{ created_at: number; latency_ms: number }>): number {
  const events = rows.flatMap((row) => [[row.created_at - row.latency_ms, 1], [row.created_at, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let most = 0;
  for (const [, change] of events) most = Math.max(most, (running += change));
  return most;
}

describe('two replicas on one PostgreSQL and Redis', { skip }, () => {
  let schema: TestSchema;
  let prefix: TestRedisPrefix;
  let dataDir: string;
  let adminKey: string;
  const replicas: ServeProcess[] = [];
  const clients = (apiKey: string) => replicas.map((replica) => new OpenAI({ baseURL: replica.url, apiKey, maxRetries: 0 }));
  const origin = (replica: ServeProcess) => replica.url.replace(/\/v1$/, '');
  const stateArgs = () => ['--data-dir', dataDir, '--database', schema.url];

  /** Keys made in this test process, through the same platform code the replicas run, on the shared database. */
  async function createKey(limits: Partial<Omit<KeyRequest, 'tenant'>>): Promise<{ secret: string; id: string }> {
    const platform = await openPlatform(dataDir, { databaseUrl: schema.url });
    try {
      const { secret, key } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', ...limits }, 'test');
      return { secret, id: key.id };
    } finally {
      await platform.close();
    }
  }

  /** Reads the shared database as the replicas wrote it. */
  async function query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    const db = await PostgresDatabase.open(schema.url);
    try {
      return (await db.query(sql, values)).rows as T[];
    } finally {
      await db.close();
    }
  }

  before(async () => {
    schema = await createTestSchema();
    prefix = createRedisPrefix();
    dataDir = scratchDir();
    const platform = await openPlatform(dataDir, { databaseUrl: schema.url });
    await platform.admin.createTenant('acme', 'test');
    adminKey = (await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', isAdmin: true }, 'test')).secret;
    const assistant = await openAssistant(platform);
    await assistant.accounts.createAccount('alice', 'correct horse battery', { isAdmin: false, actor: 'test' });
    await assistant.close();
    await platform.close();
    const model = await tinyModel('llama');
    for (let i = 0; i < 2; i++) {
      replicas.push(await startServeProcess(['--model', model, '--threads', '1', '--slots', '4', ...stateArgs(), '--redis', REDIS_URL, '--redis-prefix', prefix.prefix]));
    }
  });

  after(async () => {
    for (const replica of replicas) {
      if (replica.child.exitCode === null && replica.child.signalCode === null) {
        replica.child.kill('SIGTERM');
        await once(replica.child, 'exit');
      }
    }
    await prefix?.drop();
    await schema?.drop();
  });

  it('30 concurrent requests of one key over both replicas never exceed its concurrency or rpm', async () => {
    const key = await createKey({ rpm: 8, maxConcurrency: 3 });
    const [a, b] = clients(key.secret);
    let finished: () => void = () => {};
    let nextFinish = new Promise<void>((resolve) => (finished = resolve));
    let running = 0;
    const refusals = new Map<string, number>();
    // Each of 30 callers retries a concurrency refusal when another request ends: concurrency is what
    // refuses first, so without retries the rpm limit would never be reached.
    const outcomes = await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const waitFor = nextFinish;
        running++;
        const outcome = await ask(i % 2 === 0 ? a : b);
        running--;
        if (outcome.status === 200) {
          finished();
          nextFinish = new Promise<void>((resolve) => (finished = resolve));
        }
        const reason = outcome.message?.match(/allows \d+ (requests per minute|concurrent requests)/)?.[1] ?? String(outcome.status);
        if (outcome.status !== 200) refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
        if (outcome.status !== 429 || reason !== 'concurrent requests') return outcome;
        // Nothing of ours still running means a slot is being given back right now: look again shortly.
        await (running > 0 ? waitFor : new Promise((resolve) => setTimeout(resolve, 50)));
      }
      throw new Error('a caller was refused for concurrency 200 times');
    }));
    const admitted = outcomes.filter((o) => o.status === 200);
    console.log(`# rpm 8, concurrency 3: ${admitted.length} of 30 answered; refusals ${JSON.stringify(Object.fromEntries(refusals))}`);
    assert.equal(admitted.length, 8, 'exactly rpm requests in the minute, across both replicas');
    assert.ok(outcomes.every((o) => o.status === 200 || (o.status === 429 && /requests per minute/.test(o.message ?? ''))), 'every other caller ended on the rpm limit');
    const rows = await query<{ created_at: number; latency_ms: number; request_id: string }>('SELECT created_at, latency_ms, request_id FROM usage_ledger WHERE key_id = $1', [key.id]);
    assert.deepEqual(rows.map((r) => r.request_id).sort(), admitted.map((o) => o.id).sort(), 'one ledger row per answered request');
    const overlap = maxOverlap(rows);
    console.log(`# at most ${overlap} requests of the key ran at once (limit 3)`);
    assert.ok(overlap <= 3, `${overlap} ran at once`);
  });

  it('30 concurrent requests of one key over both replicas never spend past its budget', async () => {
    const key = await createKey({ budgetTokens: 200, maxConcurrency: 30 });
    const [a, b] = clients(key.secret);
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(i % 2 === 0 ? a : b)));
    const byStatus = outcomes.reduce<Record<number, number>>((counts, o) => ({ ...counts, [o.status]: (counts[o.status] ?? 0) + 1 }), {});
    const [row] = await query<{ spent_tokens: number; reserved_tokens: number }>('SELECT spent_tokens, reserved_tokens FROM api_keys WHERE id = $1', [key.id]);
    console.log(`# budget 200 tokens: ${JSON.stringify(byStatus)} by status; spent ${row.spent_tokens}, reserved ${row.reserved_tokens}`);
    assert.ok(row.spent_tokens <= 200, `spent ${row.spent_tokens}`);
    assert.equal(row.reserved_tokens, 0, 'every reservation was settled');
    assert.ok(byStatus[200] > 0 && byStatus[402] > 0, 'some were answered, the rest refused for the budget');
    assert.deepEqual(Object.keys(byStatus).sort(), ['200', '402']);
  });

  it('a key revoked on one replica is refused on the next request to either', async () => {
    const key = await createKey({});
    const [a, b] = clients(key.secret);
    assert.equal((await ask(a)).status, 200);
    assert.equal((await ask(b)).status, 200);
    const revoked = await fetch(`${origin(replicas[1])}/admin/keys/${key.id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(revoked.status, 200);
    assert.equal((await ask(a)).status, 401, 'the other replica refuses it at once');
    assert.equal((await ask(b)).status, 401);
  });

  it('keeps one valid audit chain through concurrent admin changes on both replicas', async () => {
    const call = (i: number, path: string, body: unknown, method = 'POST') => fetch(`${origin(replicas[i % 2])}/admin${path}`, {
      method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const responses = await Promise.all(Array.from({ length: 24 }, (_, i) => {
      if (i % 3 === 0) return call(i, '/tenants', { name: `team-${i}` });
      if (i % 3 === 1) return call(i, '/keys', { tenant: 'acme', rpm: i + 1 });
      return call(i, `/prices/model-${i}`, { cache_hit_per_m: 0.1, cache_miss_per_m: 1, output_per_m: 2 }, 'PUT');
    }));
    assert.deepEqual([...new Set(responses.map((r) => r.status))].sort(), [200, 201]);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'audit', 'verify', ...stateArgs()]);
    console.log(`# audit verify: ${stdout.trim()}`);
    assert.match(stdout, /audit log intact/);
    const verify = await fetch(`${origin(replicas[0])}/admin/audit/verify`, { headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(((await verify.json()) as { valid: boolean }).valid, true);
  });

  it('an app session made on one replica works on the other, and account changes through one hold on the other', async () => {
    const signIn = await fetch(`${origin(replicas[0])}/app/api/signin`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }),
    });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    const csrf = ((await signIn.json()) as { csrf_token: string }).csrf_token;
    const session = await fetch(`${origin(replicas[1])}/app/api/session`, { headers: { cookie } });
    assert.equal(session.status, 200);
    assert.equal(((await session.json()) as { user: { username: string } }).user.username, 'alice');
    const chat = await fetch(`${replicas[1].url}/chat/completions`, {
      method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify(ASK),
    });
    assert.equal(chat.status, 200, 'the other replica serves the session\'s chat');

    // The administrator changes the account's limits, then disables it, through the first replica: the
    // second applies each from the very next request (nothing is cached per process).
    const admin = (path: string, method: string, body?: unknown) => fetch(`${origin(replicas[0])}/admin/app${path}`, {
      method, headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal((await admin('/accounts/alice/limits', 'PUT', { rpm: 1 })).status, 200);
    const limited = await fetch(`${replicas[1].url}/chat/completions`, {
      method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify(ASK),
    });
    assert.equal(limited.status, 429, 'rpm 1, and one request was already made this minute');
    assert.equal((await admin('/accounts/alice/disable', 'POST')).status, 200);
    assert.equal((await fetch(`${origin(replicas[1])}/app/api/session`, { headers: { cookie } })).status, 401, 'a disabled account is signed out on every replica');
  });

  it('a replica killed with SIGKILL loses no completed request\'s ledger row', async () => {
    const key = await createKey({});
    const victim = replicas[1];
    const client = new OpenAI({ baseURL: victim.url, apiKey: key.secret, maxRetries: 0 });
    const completed: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let killed = false;
    // Keep 4 requests running until 6 have completed, then kill the replica under the rest.
    await new Promise<void>((resolve) => {
      const launch = () => {
        const request: Promise<void> = client.chat.completions.create(ASK).then((reply) => {
          completed.push(reply.id);
          if (completed.length >= 6 && !killed) {
            killed = true;
            victim.child.kill('SIGKILL');
            resolve();
          }
        }, () => {}).finally(() => {
          inFlight.delete(request);
          if (!killed) launch();
        });
        inFlight.add(request);
      };
      for (let i = 0; i < 4; i++) launch();
    });
    await once(victim.child, 'exit');
    await Promise.all(inFlight);
    const rows = await query<{ request_id: string }>('SELECT request_id FROM usage_ledger WHERE key_id = $1', [key.id]);
    const recorded = new Set(rows.map((r) => r.request_id));
    console.log(`# killed with ${completed.length} completed; ${recorded.size} ledger rows`);
    assert.deepEqual(completed.filter((id) => !recorded.has(id)), [], 'every completed request has its row');
    assert.equal((await ask(clients(key.secret)[0])).status, 200, 'the surviving replica still serves the key');
  });
});
