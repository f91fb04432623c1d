import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivePasswordKeys, expandKey, open, openText, randomKey, seal, sealText } from './vault.ts';

describe('vault', () => {
  it('opens what it sealed, only with the same key and associated data', () => {
    const key = randomKey();
    const sealed = sealText(key, 'the secret', 'conversation:1:a:body');
    assert.equal(openText(key, sealed, 'conversation:1:a:body'), 'the secret');
    assert.equal(open(randomKey(), sealed, 'conversation:1:a:body'), null, 'another key');
    assert.equal(open(key, sealed, 'conversation:2:a:body'), null, 'moved to another user');
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] ^= 1;
    assert.equal(open(key, altered, 'conversation:1:a:body'), null, 'altered ciphertext');
    assert.notDeepEqual(sealText(key, 'the secret', 'x'), sealText(key, 'the secret', 'x'), 'a fresh IV each time');
    assert.ok(!sealed.includes(Buffer.from('the secret')));
  });

  it('derives the same keys from the same password and salt, and different ones otherwise', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const a = await derivePasswordKeys('correct horse', salt);
    const b = await derivePasswordKeys('correct horse', salt);
    const c = await derivePasswordKeys('correct horsf', salt);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.verifier, c.verifier);
    assert.notDeepEqual(a.verifier, a.sealingKey, 'the stored verifier is not the sealing key');
    const dataKey = randomKey();
    assert.deepEqual(open(a.sealingKey, seal(b.sealingKey, dataKey, 'k'), 'k'), dataKey);
  });

  it('expands a random secret into different keys per purpose', () => {
    const secret = randomKey();
    assert.notDeepEqual(expandKey(secret, 'session'), expandKey(secret, 'recovery'));
    assert.equal(expandKey(secret, 'session').length, 32);
  });
});
