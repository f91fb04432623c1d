import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoginThrottle } from './login-throttle.ts';

describe('login throttle', () => {
  it('refuses a name after its failures until the window passes, and a success clears it', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const throttle = new LoginThrottle({ windowMs: 60_000, maxFailuresPerName: 3, maxFailuresPerAddress: 100 });
    for (let i = 0; i < 3; i++) {
      throttle.check('alice', '1.2.3.4');
      throttle.fail('alice', '1.2.3.4');
    }
    assert.throws(() => throttle.check('alice', '5.6.7.8'), (error: Error & { code?: string; headers?: Record<string, string> }) => {
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.headers?.['retry-after'], '60');
      return true;
    });
    throttle.check('bob', '1.2.3.4');
    t.mock.timers.tick(60_001);
    throttle.check('alice', '1.2.3.4');
    throttle.fail('alice', '1.2.3.4');
    throttle.succeed('alice');
    throttle.check('alice', '1.2.3.4');
  });

  it('refuses an address that tries many names', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const throttle = new LoginThrottle({ windowMs: 60_000, maxFailuresPerName: 100, maxFailuresPerAddress: 4 });
    for (const name of ['a', 'b', 'c', 'd']) throttle.fail(name, '9.9.9.9');
    assert.throws(() => throttle.check('e', '9.9.9.9'), { code: 'rate_limited' });
    throttle.check('e', '8.8.8.8');
  });
});
