import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter, type RateDecision } from './rate-limiter.ts';

const limits = (overrides: Partial<{ rpm: number; tpm: number; maxConcurrency: number; maxConcurrencyPerUser: number }>) => ({ rpm: null, tpm: null, maxConcurrency: null, ...overrides });

function admitted(decision: RateDecision) {
  assert.ok(decision.isAdmitted, decision.isAdmitted ? '' : decision.message);
  return decision;
}

describe('RateLimiter', () => {
  it('admits rpm requests in any 60 s window, sliding, and says when the next fits', () => {
    const limiter = new RateLimiter();
    const rpm = limits({ rpm: 3 });
    for (const at of [0, 10_000, 20_000]) admitted(limiter.admit('k', rpm, 1, at));
    const refused = limiter.admit('k', rpm, 1, 59_999);
    assert.equal(refused.isAdmitted, false);
    if (!refused.isAdmitted) {
      assert.equal(refused.limit, 'requests per minute');
      assert.equal(refused.retryAfterMs, 1);
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(refused.headers['x-ratelimit-remaining-requests'], '0');
    }
    admitted(limiter.admit('k', rpm, 1, 60_000));
    assert.equal(limiter.admit('k', rpm, 1, 60_001).isAdmitted, false, 'the requests at 10 s and 20 s are still in the window');
    assert.equal(limiter.admit('other', rpm, 1, 60_001).isAdmitted, true, 'keys have separate windows');
  });

  it('reserves tokens at admission and frees the unused part when the request ends', () => {
    const limiter = new RateLimiter();
    const tpm = limits({ tpm: 100 });
    const first = admitted(limiter.admit('k', tpm, 60, 0));
    assert.equal(first.headers['x-ratelimit-remaining-tokens'], '40');
    const refused = limiter.admit('k', tpm, 50, 1000);
    assert.equal(refused.isAdmitted, false);
    if (!refused.isAdmitted) assert.equal(refused.retryAfterMs, 59_000, 'the 60 reserved tokens leave the window at 60 s');
    first.ticket.release(20);
    admitted(limiter.admit('k', tpm, 50, 2000));
    assert.equal(limiter.admit('k', tpm, 31, 3000).isAdmitted, false, '20 used + 50 reserved leaves 30');
  });

  it('refuses a request that could never fit, saying to lower max_tokens', () => {
    const decision = new RateLimiter().admit('k', limits({ tpm: 100 }), 101, 0);
    assert.equal(decision.isAdmitted, false);
    if (!decision.isAdmitted) assert.match(decision.message, /lower max_tokens/);
  });

  it('holds concurrent requests to the limit until one is released, and releasing twice is harmless', () => {
    const limiter = new RateLimiter();
    const concurrency = limits({ maxConcurrency: 2 });
    const a = admitted(limiter.admit('k', concurrency, 1, 0));
    admitted(limiter.admit('k', concurrency, 1, 0));
    const refused = limiter.admit('k', concurrency, 1, 0);
    assert.equal(refused.isAdmitted, false);
    if (!refused.isAdmitted) assert.equal(refused.limit, 'concurrent requests');
    a.ticket.release(1);
    a.ticket.release(1);
    admitted(limiter.admit('k', concurrency, 1, 0));
    assert.equal(limiter.admit('k', concurrency, 1, 0).isAdmitted, false);
  });

  it('holds each user_id to the per-user limit, requests without one counting as one user', () => {
    const limiter = new RateLimiter();
    const perUser = limits({ maxConcurrencyPerUser: 1 });
    const alice = admitted(limiter.admit('k', perUser, 1, 0, 'alice'));
    admitted(limiter.admit('k', perUser, 1, 0, 'bob'));
    admitted(limiter.admit('k', perUser, 1, 0));
    for (const user of ['alice', 'bob', '']) {
      const refused = limiter.admit('k', perUser, 1, 0, user);
      assert.equal(refused.isAdmitted, false, user);
      if (!refused.isAdmitted) assert.equal(refused.limit, 'concurrent requests per user');
    }
    alice.ticket.release(1);
    admitted(limiter.admit('k', perUser, 1, 0, 'alice'));
  });

  it('forgets idle keys on sweep but keeps those with requests in flight or in the window', () => {
    const limiter = new RateLimiter();
    const held = admitted(limiter.admit('busy', limits({ maxConcurrency: 1 }), 1, 0));
    admitted(limiter.admit('idle', limits({ rpm: 1 }), 1, 0));
    limiter.sweep(120_000);
    assert.equal(limiter.admit('idle', limits({ rpm: 1 }), 1, 120_000).isAdmitted, true);
    assert.equal(limiter.admit('busy', limits({ maxConcurrency: 1 }), 1, 120_000).isAdmitted, false, 'still in flight');
    held.ticket.release(1);
  });
});
