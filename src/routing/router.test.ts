import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from './breaker.ts';
import { pickUpstream, type Candidate, type RouteOptions } from './router.ts';

const CACHE: RouteOptions = { policy: 'cache', balanceAbs: 2, cacheThreshold: 0.3 };
const up = (name: string, inFlight: number, matchedChars: number, cachedChars = 0): Candidate => ({ name, inFlight, matchedChars, cachedChars });

describe('pickUpstream', () => {
  const cases: Array<[string, Candidate[], { name: string; by: string }]> = [
    ['the longest prefix', [up('a', 1, 10), up('b', 0, 80), up('c', 0, 0)], { name: 'b', by: 'cache' }],
    ['the longest prefix within the balance threshold', [up('a', 0, 0), up('b', 2, 80)], { name: 'b', by: 'cache' }],
    ['the least loaded once the holder is too far above it', [up('a', 0, 0), up('b', 3, 80)], { name: 'a', by: 'load' }],
    ['the least loaded when the match is too short a share', [up('a', 1, 0), up('b', 0, 20, 50), up('c', 0, 0, 10)], { name: 'c', by: 'load' }],
    ['the roomiest of the least loaded when nothing matches', [up('a', 0, 0, 500), up('b', 0, 0, 100)], { name: 'b', by: 'load' }],
  ];
  for (const [what, candidates, expected] of cases) {
    it(`picks ${what}`, () => assert.deepEqual(pickUpstream(candidates, 100, CACHE, 0), expected));
  }

  it('rotates in round-robin', () => {
    const candidates = [up('a', 5, 100), up('b', 0, 0)];
    const options: RouteOptions = { ...CACHE, policy: 'round-robin' };
    assert.deepEqual([0, 1, 2].map((turn) => pickUpstream(candidates, 100, options, turn).name), ['a', 'b', 'a']);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the failures in a row, lets one trial through after the cooldown, and closes on its success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100, maxCooldownMs: 400 }, () => now);
    breaker.onFailure();
    assert.equal(breaker.state, 'closed');
    breaker.onFailure();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.canSend(), false);
    now = 100;
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.canSend(), true);
    breaker.onSend();
    assert.equal(breaker.canSend(), false, 'one trial at a time');
    breaker.onFailure();
    assert.equal(breaker.state, 'open');
    now = 250;
    assert.equal(breaker.state, 'open', 'the cooldown doubled');
    now = 300;
    breaker.onSend();
    breaker.onSuccess();
    assert.equal(breaker.state, 'closed');
  });

  it('follows active health checks', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 60_000, maxCooldownMs: 60_000 }, () => 0);
    breaker.onProbe(false);
    assert.equal(breaker.state, 'open');
    breaker.onProbe(true);
    assert.equal(breaker.state, 'half-open');
  });
});
