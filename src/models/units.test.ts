import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBytes, parseDuration } from './units.ts';

describe('parseBytes', () => {
  for (const [text, bytes] of [['8GiB', 8 * 2 ** 30], ['16GB', 16e9], ['512 MiB', 512 * 2 ** 20], ['1.5gb', 1.5e9], ['4096', 4096], ['8 GiBs', undefined], ['-1GB', undefined], ['', undefined]] as const) {
    it(`reads '${text}'`, () => assert.equal(parseBytes(text), bytes));
  }
});

describe('parseDuration', () => {
  for (const [text, ms] of [['5m', 300_000], ['30s', 30_000], ['300ms', 300], ['1h', 3_600_000], ['90', 90_000], ['0', 0], ['-1', -1000], ['5 minutes', undefined]] as const) {
    it(`reads '${text}'`, () => assert.equal(parseDuration(text), ms));
  }
});
