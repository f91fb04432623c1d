/**
 * @module platform/login-throttle
 * Slows password guessing: after too many failures within a window, for one username or from one
 * address, further attempts are refused until the window has passed. Per process, like the API's rate
 * windows; a success clears the username's count.
 */
import { PlatformError } from './errors.ts';

export interface ThrottleLimits {
  windowMs: number;
  maxFailuresPerName: number;
  maxFailuresPerAddress: number;
}

const DEFAULT_LIMITS: ThrottleLimits = { windowMs: 15 * 60_000, maxFailuresPerName: 5, maxFailuresPerAddress: 20 };

export class LoginThrottle {
  readonly #limits: ThrottleLimits;
  /** Failure times per `name:…` or `addr:…`, oldest first. */
  readonly #failures = new Map<string, number[]>();

  constructor(limits: Partial<ThrottleLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Throws rate_limited when either the name or the address has used up its attempts. */
  check(username: string, address: string): void {
    const now = Date.now();
    const waits = [
      this.#retryAfterMs(`name:${username}`, this.#limits.maxFailuresPerName, now),
      this.#retryAfterMs(`addr:${address}`, this.#limits.maxFailuresPerAddress, now),
    ];
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new PlatformError('rate_limited', `too many failed sign-in attempts; try again in ${seconds} s`, { 'retry-after': String(seconds) });
    }
  }

  fail(username: string, address: string): void {
    const now = Date.now();
    for (const key of [`name:${username}`, `addr:${address}`]) this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  succeed(username: string): void {
    this.#failures.delete(`name:${username}`);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((at) => at > now - this.#limits.windowMs);
  }

  #retryAfterMs(key: string, max: number, now: number): number {
    const recent = this.#recent(key, now);
    if (recent.length === 0) this.#failures.delete(key);
    return recent.length < max ? 0 : recent[recent.length - max] + this.#limits.windowMs - now;
  }
}
