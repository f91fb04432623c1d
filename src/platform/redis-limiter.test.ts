/**
 * The Redis limiter on the machine's real Redis, each test under its own key prefix: limits hold exactly
 * across several limiters (replicas), and a replica killed while holding concurrency slots loses them
 * when its lease lapses, not never.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RedisLimiter } from './redis-limiter.ts';
import type { RateLimits } from './rate-limiter.ts';
import { createRedisPrefix, REDIS_URL, sharedStateSkip, type TestRedisPrefix } from '../../test/helpers/shared-state.ts';

const skip = await sharedStateSkip({ redis: true });
const prefixes: TestRedisPrefix[] = [];
const limiters: RedisLimiter[] = [];
after(async () => {
  for (const limiter of limiters) await limiter.close();
  for (const prefix of prefixes) await prefix.drop();
});

const limits = (overrides: Partial<RateLimits>): RateLimits => ({ rpm: null, tpm: null, maxConcurrency: null, maxConcurrencyPerUser: null, ...overrides });

async function replicas(count: number, leaseMs = 30_000): Promise<RedisLimiter[]> {
  const prefix = createRedisPrefix();
  prefixes.push(prefix);
  const opened = await Promise.all(Array.from({ length: count }, () => RedisLimiter.connect(REDIS_URL, { prefix: prefix.prefix, leaseMs })));
  limiters.push(...opened);
  return opened;
}

describe('RedisLimiter', { skip }, () => {
  it('admits exactly rpm requests across replicas, and says when the next fits', async () => {
    const [a, b] = await replicas(2);
    const decisions = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).admit('k', limits({ rpm: 5 }), 1, '')));
    assert.equal(decisions.filter((d) => d.isAdmitted).length, 5);
    const refused = decisions.find((d) => !d.isAdmitted);
    assert.ok(refused && !refused.isAdmitted);
    assert.equal(refused.limit, 'requests per minute');
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 60_000);
    assert.equal(refused.headers['x-ratelimit-remaining-requests'], '0');
    assert.match(refused.message, /this key allows 5 requests per minute/);
    assert.equal((await a.admit('other', limits({ rpm: 5 }), 1, '')).isAdmitted, true, 'keys have separate windows');
  });

  it('holds concurrency across replicas, per key and per user_id, until a slot is released', async () => {
    const [a, b] = await replicas(2);
    const key = limits({ maxConcurrency: 3, maxConcurrencyPerUser: 2 });
    const first = [];
    for (const [limiter, user] of [[a, 'alice'], [b, 'alice'], [a, 'alice'], [b, 'bob']] as const) first.push(await limiter.admit('k', key, 1, user));
    assert.deepEqual(first.map((d) => d.isAdmitted), [true, true, false, true], 'alice\'s third is over the per-user limit');
    const full = await b.admit('k', key, 1, 'carol');
    assert.equal(full.isAdmitted ? '' : full.limit, 'concurrent requests');
    if (first[0].isAdmitted) await first[0].ticket.release(1);
    assert.equal((await b.admit('k', key, 1, 'alice')).isAdmitted, true, 'the released slot is free on the other replica');
  });

  it('reserves tokens at admission and corrects them to what was used', async () => {
    const [a, b] = await replicas(2);
    const tpm = limits({ tpm: 100 });
    const first = await a.admit('k', tpm, 60, '');
    assert.ok(first.isAdmitted);
    assert.equal(first.headers['x-ratelimit-remaining-tokens'], '40');
    const refused = await b.admit('k', tpm, 50, '');
    assert.ok(!refused.isAdmitted);
    assert.equal(refused.limit, 'tokens per minute');
    assert.ok(refused.retryAfterMs > 55_000, 'the 60 reserved tokens leave the window a minute after they came');
    await first.ticket.release(20);
    const second = await b.admit('k', tpm, 50, '');
    assert.ok(second.isAdmitted, '20 used + 50 fits');
    await second.ticket.setTokens(70);
    assert.equal((await a.admit('k', tpm, 11, '')).isAdmitted, false, '20 + 70 leaves 10');
    const tooBig = await a.admit('k', tpm, 101, '');
    assert.ok(!tooBig.isAdmitted);
    assert.match(tooBig.message, /lower max_tokens/);
  });

  it('frees the slots of a replica that was killed once their lease lapses', async () => {
    const prefix = createRedisPrefix();
    prefixes.push(prefix);
    const key = limits({ maxConcurrency: 2 });
    const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `
      import { RedisLimiter } from ${JSON.stringify(fileURLToPath(new URL('./redis-limiter.ts', import.meta.url)))};
      const limiter = await RedisLimiter.connect(${JSON.stringify(REDIS_URL)}, { prefix: ${JSON.stringify(prefix.prefix)}, leaseMs: 1500 });
      for (let i = 0; i < 2; i++) if (!(await limiter.admit('k', ${JSON.stringify(key)}, 1, '')).isAdmitted) process.exit(3);
      console.log('holding');
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await once(holder.stdout, 'data');
    assert.equal(String(line).trim(), 'holding');
    const [survivor] = await Promise.all([RedisLimiter.connect(REDIS_URL, { prefix: prefix.prefix, leaseMs: 1500 })]);
    limiters.push(survivor);
    assert.equal((await survivor.admit('k', key, 1, '')).isAdmitted, false, 'both slots are held by a live replica');
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const deadline = Date.now() + 30_000;
    let admitted = false;
    while (!admitted && Date.now() < deadline) {
      admitted = (await survivor.admit('k', key, 1, '')).isAdmitted;
      if (!admitted) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(admitted, 'the dead replica\'s slots lapsed');
  });

  it('refuses with a clear error when Redis cannot be reached', async () => {
    await assert.rejects(RedisLimiter.connect('redis://:hunter2@127.0.0.1:1'), (error: Error) => {
      assert.match(error.message, /cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
      return true;
    });
  });
});
