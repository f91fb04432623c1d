/**
 * @module platform/redis-limiter
 * The rate limits of platform/rate-limiter.ts (exact sliding 60-second windows for rpm and tpm, concurrent
 * requests per key and per user_id) counted in Redis, so they hold across every replica. Each admission
 * is one Lua script, which Redis runs atomically: prune, check, commit, with Redis's own clock so replicas'
 * clocks never disagree about a window.
 *
 * A concurrency slot is a lease, not a counter: a member of a sorted set scored by its expiry, renewed by
 * its replica every third of the lease while the request runs. A replica that dies (SIGKILL, a lost host)
 * stops renewing, and its slots lapse within one lease time; nothing has to guess who held what.
 *
 * Per API key (ids are the keys' public ids): `req` (zset, admission time by ticket), `tok` (zset) +
 * `tokn` (hash, tokens by ticket) + `toksum` (the tokens in the window, kept in step as entries leave),
 * `run` (zset, lease expiry by ticket) and `user:<user_id>` (the same per end user, for keys that limit them).
 */
import { randomUUID } from 'node:crypto';
import { Redis, type Result } from 'ioredis';
import { PlatformError } from './errors.ts';
import { redactUrl } from '../store/redact-url.ts';
import { rateHeaders, refusal, type LimitName, type Limiter, type RateDecision, type RateLimits, type Ticket } from './rate-limiter.ts';

const WINDOW_MS = 60_000;
const LIMITS: LimitName[] = ['concurrent requests', 'concurrent requests per user', 'requests per minute', 'tokens per minute'];

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: req tok tokn toksum run user; ARGV: ticket tokens rpm tpm maxConcurrency perUser leaseMs (-1: no limit). */
const ADMIT = `${NOW}
local ticket, tokens = ARGV[1], tonumber(ARGV[2])
local rpm, tpm, conc, perUser, lease = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local start = now - ${WINDOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', start)
local sum = tonumber(redis.call('GET', KEYS[4]) or '0')
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', start)
for _, member in ipairs(old) do
  sum = sum - tonumber(redis.call('HGET', KEYS[3], member) or '0')
  redis.call('HDEL', KEYS[3], member)
end
if #old > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', start) end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
if perUser >= 0 then redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now) end
local function first(key)
  local f = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #f == 0 then return -1 end
  return tonumber(f[2])
end
local refused, wait = 0, 0
if conc >= 0 and redis.call('ZCARD', KEYS[5]) >= conc then refused, wait = 1, 1000
elseif perUser >= 0 and redis.call('ZCARD', KEYS[6]) >= perUser then refused, wait = 2, 1000
elseif rpm >= 0 and redis.call('ZCARD', KEYS[1]) >= rpm then refused, wait = 3, first(KEYS[1]) + ${WINDOW_MS} - now
elseif tpm >= 0 and sum + tokens > tpm then
  refused, wait = 4, ${WINDOW_MS}
  if tokens <= tpm then
    local excess = sum + tokens - tpm
    local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      excess = excess - tonumber(redis.call('HGET', KEYS[3], entries[i]) or '0')
      if excess <= 0 then wait = tonumber(entries[i + 1]) + ${WINDOW_MS} - now break end
    end
  end
end
if refused == 0 then
  redis.call('ZADD', KEYS[1], now, ticket)
  redis.call('ZADD', KEYS[2], now, ticket)
  redis.call('HSET', KEYS[3], ticket, tokens)
  sum = sum + tokens
  redis.call('ZADD', KEYS[5], now + lease, ticket)
  if perUser >= 0 then redis.call('ZADD', KEYS[6], now + lease, ticket) end
end
redis.call('SET', KEYS[4], sum)
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ${WINDOW_MS} + lease) end
redis.call('PEXPIRE', KEYS[5], 2 * lease)
if perUser >= 0 then redis.call('PEXPIRE', KEYS[6], 2 * lease) end
return {refused, wait, redis.call('ZCARD', KEYS[1]), first(KEYS[1]), sum, first(KEYS[2]), now}`;

/** KEYS: tok tokn toksum; ARGV: ticket tokens. A ticket whose entry left the window changes nothing. */
const SET_TOKENS = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  local old = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('INCRBY', KEYS[3], tonumber(ARGV[2]) - old)
end`;

/** KEYS: tok tokn toksum run [user]; ARGV: ticket usedTokens. */
const RELEASE = `${SET_TOKENS}
redis.call('ZREM', KEYS[4], ARGV[1])
if KEYS[5] then redis.call('ZREM', KEYS[5], ARGV[1]) end`;

/** KEYS: run [user]; ARGV: ticket leaseMs. Only a slot still held is renewed (XX): a lapsed one stays gone. */
const RENEW = `${NOW}
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[i], 2 * tonumber(ARGV[2]))
end`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    seekstackAdmit(...args: Array<string | number>): Result<number[], Context>;
    seekstackSetTokens(...args: Array<string | number>): Result<null, Context>;
    seekstackRelease(...args: Array<string | number>): Result<null, Context>;
    seekstackRenew(...args: Array<string | number>): Result<null, Context>;
  }
}

export interface RedisLimiterOptions {
  /** Prepended to every key, so deployments (and tests) can share one Redis (default `seekstack:`). */
  prefix?: string;
  /** How long a concurrency slot outlives its replica's last renewal (default 30 s). */
  leaseMs?: number;
}

interface Held {
  /** The key's tok, tokn and toksum. */
  tokenKeys: string[];
  /** The concurrency sets the ticket holds a slot in: the key's, and its user's when the key limits users. */
  slotKeys: string[];
}

/** Redis is unreachable or failing: the request is refused as an overload, never admitted uncounted. */
function unavailable(error: unknown): PlatformError {
  return new PlatformError('unavailable', `the rate limiter's Redis is unavailable (${(error as Error).message}); retry shortly`);
}

export class RedisLimiter implements Limiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  /** The tickets this process holds, by id: renewed until released. */
  readonly #held = new Map<string, Held>();
  readonly #renewal: NodeJS.Timeout;

  private constructor(redis: Redis, options: RedisLimiterOptions) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'seekstack:';
    this.#leaseMs = options.leaseMs ?? 30_000;
    redis.defineCommand('seekstackAdmit', { numberOfKeys: 6, lua: ADMIT });
    redis.defineCommand('seekstackSetTokens', { numberOfKeys: 3, lua: SET_TOKENS });
    redis.defineCommand('seekstackRelease', { lua: RELEASE });
    redis.defineCommand('seekstackRenew', { lua: RENEW });
    this.#renewal = setInterval(() => void this.#renew().catch(() => {}), Math.max(1, Math.floor(this.#leaseMs / 3))).unref();
  }

  /** Connects (failing with a clear message when Redis cannot be reached) and defines the scripts. */
  static async connect(url: string, options: RedisLimiterOptions = {}): Promise<RedisLimiter> {
    // Bounded everywhere: a command waits at most 5 s, and a request never waits on endless reconnects.
    const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5000, commandTimeout: 5000, maxRetriesPerRequest: 1 });
    // Connection errors surface as the failing command's error (a refused request); the event itself only says why.
    let cause: Error | undefined;
    redis.on('error', (error: Error) => (cause = error));
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`cannot connect to Redis at ${redactUrl(url)}: ${(cause ?? (error as Error)).message}`);
    }
    return new RedisLimiter(redis, options);
  }

  async admit(keyId: string, limits: RateLimits, tokens: number, userId: string): Promise<RateDecision<Ticket>> {
    const base = `${this.#prefix}rl:{${keyId}}:`;
    const perUser = limits.maxConcurrencyPerUser ?? null;
    const keys = [`${base}req`, `${base}tok`, `${base}tokn`, `${base}toksum`, `${base}run`, `${base}user:${userId}`];
    const ticketId = randomUUID();
    const limit = (value: number | null) => value ?? -1;
    let reply: number[];
    try {
      reply = await this.#redis.seekstackAdmit(...keys, ticketId, tokens, limit(limits.rpm), limit(limits.tpm), limit(limits.maxConcurrency), limit(perUser), this.#leaseMs);
    } catch (error) {
      throw unavailable(error);
    }
    const [refused, wait, requests, oldestRequestAt, windowTokens, oldestTokensAt, now] = reply;
    const headers = rateHeaders(limits, {
      requests, oldestRequestAt: oldestRequestAt < 0 ? null : oldestRequestAt, tokens: windowTokens, oldestTokensAt: oldestTokensAt < 0 ? null : oldestTokensAt,
    }, now);
    if (refused > 0) return refusal(LIMITS[refused - 1], limits, tokens, userId, wait, headers);
    const held: Held = { tokenKeys: keys.slice(1, 4), slotKeys: perUser === null ? [keys[4]] : [keys[4], keys[5]] };
    this.#held.set(ticketId, held);
    return { isAdmitted: true, ticket: this.#ticket(ticketId, held), headers };
  }

  async close(): Promise<void> {
    clearInterval(this.#renewal);
    // Requests still holding slots at shutdown give them back now rather than when their leases lapse.
    await Promise.allSettled([...this.#held].map(([ticketId, held]) => this.#release(ticketId, held, 0)));
    this.#held.clear();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #release(ticketId: string, held: Held, usedTokens: number): Promise<null> {
    return this.#redis.seekstackRelease(held.tokenKeys.length + held.slotKeys.length, ...held.tokenKeys, ...held.slotKeys, ticketId, usedTokens);
  }

  #ticket(ticketId: string, held: Held): Ticket {
    let isReleased = false;
    return {
      setTokens: async (tokens) => {
        await this.#redis.seekstackSetTokens(...held.tokenKeys, ticketId, tokens).catch((error: unknown) => {
          throw unavailable(error);
        });
      },
      release: async (usedTokens) => {
        if (isReleased) return;
        isReleased = true;
        this.#held.delete(ticketId);
        await this.#release(ticketId, held, usedTokens);
      },
    };
  }

  async #renew(): Promise<void> {
    if (this.#held.size === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const [ticketId, held] of this.#held) pipeline.seekstackRenew(held.slotKeys.length, ...held.slotKeys, ticketId, this.#leaseMs);
    await pipeline.exec();
  }
}
