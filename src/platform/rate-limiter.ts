/**
 * @module platform/rate-limiter
 * Per-key requests per minute, tokens per minute and concurrent requests, over exact sliding 60-second
 * windows (not token buckets, which admit a second full minute's worth in a burst at a window edge).
 * Check and commit happen in one synchronous call, so concurrent requests can never both take the last
 * slot. Tokens are reserved at admission (prompt + max output) and corrected to what was used at the end,
 * so the limit holds even for requests still running. A key may also bound concurrent requests per DeepSeek
 * user_id (its callers' end users), the empty id counting as one user, as DeepSeek counts it.
 */

const WINDOW_MS = 60_000;

export interface RateLimits {
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
  maxConcurrencyPerUser?: number | null;
}

export type LimitName = 'requests per minute' | 'tokens per minute' | 'concurrent requests' | 'concurrent requests per user';

/** A request's hold on its key's limits, given back when it ends (in this process, or in Redis). */
export interface Ticket {
  /** Replace the reserved token count (by what the budget allowed, or by what was used). */
  setTokens(tokens: number): void | Promise<void>;
  release(usedTokens: number): void | Promise<void>;
}

export type RateDecision<T extends Ticket = RateTicket> =
  | { isAdmitted: true; ticket: T; headers: Record<string, string> }
  | { isAdmitted: false; limit: LimitName; retryAfterMs: number; message: string; headers: Record<string, string> };

/** Where a key's limits are counted: this process (the default) or Redis, shared by every replica. */
export interface Limiter {
  admit(keyId: string, limits: RateLimits, tokens: number, userId: string): Promise<RateDecision<Ticket>>;
  close(): Promise<void>;
}

/** What a key's windows hold at one moment, for the x-ratelimit-* headers. */
export interface WindowState {
  requests: number;
  /** When the oldest request in the window was admitted (ms); null when none is. */
  oldestRequestAt: number | null;
  tokens: number;
  oldestTokensAt: number | null;
}

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))}s`;

/** OpenAI's x-ratelimit-* headers for the limits this key has. */
export function rateHeaders(limits: RateLimits, state: WindowState, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (limits.rpm !== null) {
    headers['x-ratelimit-limit-requests'] = String(limits.rpm);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, limits.rpm - state.requests));
    headers['x-ratelimit-reset-requests'] = seconds(state.oldestRequestAt !== null ? state.oldestRequestAt + WINDOW_MS - now : 0);
  }
  if (limits.tpm !== null) {
    headers['x-ratelimit-limit-tokens'] = String(limits.tpm);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, limits.tpm - state.tokens));
    headers['x-ratelimit-reset-tokens'] = seconds(state.oldestTokensAt !== null ? state.oldestTokensAt + WINDOW_MS - now : 0);
  }
  return headers;
}

/** The refusal for the limit a request hit, worded for the caller. */
export function refusal(limit: LimitName, limits: RateLimits, tokens: number, userId: string, retryAfterMs: number, headers: Record<string, string>): RateDecision<never> {
  const wait = Math.max(0, retryAfterMs);
  const who = userId === '' ? 'requests without a user_id' : `the user_id '${userId}'`;
  const message = {
    'concurrent requests': `this key allows ${limits.maxConcurrency} concurrent requests; wait for one to finish`,
    'concurrent requests per user': `this key allows ${limits.maxConcurrencyPerUser} concurrent requests per user_id, and ${who} has that many running; wait for one to finish`,
    'requests per minute': `this key allows ${limits.rpm} requests per minute`,
    'tokens per minute': limits.tpm !== null && tokens > limits.tpm
      ? `this request may use ${tokens} tokens (prompt + max_tokens) but this key allows ${limits.tpm} tokens per minute; lower max_tokens`
      : `this key allows ${limits.tpm} tokens per minute (prompt + max_tokens are reserved while a request runs)`,
  }[limit];
  return {
    isAdmitted: false,
    limit,
    retryAfterMs: wait,
    message: `Rate limit reached: ${message}; retry after ${seconds(wait)}`,
    headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) },
  };
}

interface TokenEntry {
  at: number;
  tokens: number;
  isInWindow: boolean;
}

class KeyWindow {
  readonly requestTimes: number[] = [];
  readonly tokenEntries: TokenEntry[] = [];
  tokensInWindow = 0;
  inFlight = 0;
  /** In-flight requests by user_id, only for a key that limits them ('' is requests without one). */
  readonly inFlightByUser = new Map<string, number>();

  prune(now: number): void {
    const start = now - WINDOW_MS;
    let r = 0;
    while (r < this.requestTimes.length && this.requestTimes[r] <= start) r++;
    if (r > 0) this.requestTimes.splice(0, r);
    let t = 0;
    while (t < this.tokenEntries.length && this.tokenEntries[t].at <= start) {
      this.tokensInWindow -= this.tokenEntries[t].tokens;
      this.tokenEntries[t].isInWindow = false;
      t++;
    }
    if (t > 0) this.tokenEntries.splice(0, t);
  }

  /** Milliseconds until enough reserved tokens leave the window for `tokens` more to fit under `tpm`. */
  tokenWaitMs(now: number, tpm: number, tokens: number): number {
    let excess = this.tokensInWindow + tokens - tpm;
    for (const entry of this.tokenEntries) {
      excess -= entry.tokens;
      if (excess <= 0) return entry.at + WINDOW_MS - now;
    }
    return WINDOW_MS;
  }

  state(): WindowState {
    return {
      requests: this.requestTimes.length,
      oldestRequestAt: this.requestTimes[0] ?? null,
      tokens: this.tokensInWindow,
      oldestTokensAt: this.tokenEntries[0]?.at ?? null,
    };
  }

  isIdle(): boolean {
    return this.inFlight === 0 && this.requestTimes.length === 0 && this.tokenEntries.length === 0;
  }
}

/** A request's hold on its key's window in this process, returned when it finishes. */
export class RateTicket implements Ticket {
  readonly #window: KeyWindow;
  readonly #entry: TokenEntry;
  /** The user_id it counts against, when its key limits users. */
  readonly #user: string | null;
  #isReleased = false;

  constructor(window: KeyWindow, entry: TokenEntry, user: string | null) {
    this.#window = window;
    this.#entry = entry;
    this.#user = user;
  }

  setTokens(tokens: number): void {
    if (this.#entry.isInWindow) this.#window.tokensInWindow += tokens - this.#entry.tokens;
    this.#entry.tokens = tokens;
  }

  release(usedTokens: number): void {
    if (this.#isReleased) return;
    this.#isReleased = true;
    this.setTokens(usedTokens);
    this.#window.inFlight--;
    if (this.#user !== null) {
      const left = (this.#window.inFlightByUser.get(this.#user) ?? 1) - 1;
      if (left > 0) this.#window.inFlightByUser.set(this.#user, left);
      else this.#window.inFlightByUser.delete(this.#user);
    }
  }
}

export class RateLimiter {
  readonly #windows = new Map<string, KeyWindow>();

  /**
   * Admit one request needing `tokens` (prompt + max output), made for the end user `userId` ('' for none),
   * or say which limit it hit and when to retry.
   */
  admit(keyId: string, limits: RateLimits, tokens: number, now = Date.now(), userId = ''): RateDecision {
    let window = this.#windows.get(keyId);
    if (!window) this.#windows.set(keyId, (window = new KeyWindow()));
    window.prune(now);
    const headers = rateHeaders(limits, window.state(), now);
    const refuse = (limit: LimitName, retryAfterMs: number) => refusal(limit, limits, tokens, userId, retryAfterMs, headers);

    if (limits.maxConcurrency !== null && window.inFlight >= limits.maxConcurrency) return refuse('concurrent requests', 1000);
    const perUser = limits.maxConcurrencyPerUser ?? null;
    if (perUser !== null && (window.inFlightByUser.get(userId) ?? 0) >= perUser) return refuse('concurrent requests per user', 1000);
    if (limits.rpm !== null && window.requestTimes.length >= limits.rpm) return refuse('requests per minute', window.requestTimes[0] + WINDOW_MS - now);
    if (limits.tpm !== null && window.tokensInWindow + tokens > limits.tpm) {
      return refuse('tokens per minute', tokens > limits.tpm ? WINDOW_MS : window.tokenWaitMs(now, limits.tpm, tokens));
    }
    window.requestTimes.push(now);
    const entry: TokenEntry = { at: now, tokens, isInWindow: true };
    window.tokenEntries.push(entry);
    window.tokensInWindow += tokens;
    window.inFlight++;
    if (perUser !== null) window.inFlightByUser.set(userId, (window.inFlightByUser.get(userId) ?? 0) + 1);
    return { isAdmitted: true, ticket: new RateTicket(window, entry, perUser === null ? null : userId), headers: rateHeaders(limits, window.state(), now) };
  }

  /** Forget keys with nothing in their windows (called now and then, so the map does not grow forever). */
  sweep(now = Date.now()): void {
    for (const [keyId, window] of this.#windows) {
      window.prune(now);
      if (window.isIdle()) this.#windows.delete(keyId);
    }
  }
}

/** The default Limiter: counts in this process, exact for one server; idle keys are forgotten now and then. */
export function inProcessLimiter(): Limiter {
  const limiter = new RateLimiter();
  const sweep = setInterval(() => limiter.sweep(), 60_000).unref();
  return {
    async admit(keyId, limits, tokens, userId) {
      return limiter.admit(keyId, limits, tokens, Date.now(), userId);
    },
    async close() {
      clearInterval(sweep);
    },
  };
}
