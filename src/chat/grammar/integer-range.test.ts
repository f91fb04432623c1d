import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INTEGER_LIMIT, integerRange } from './integer-range.ts';
import { grammarRegExp } from './testing/gbnf-regexp.ts';

const rangeRegExp = (lo: number, hi: number) => grammarRegExp(`root ::= ${integerRange(lo, hi)}\n`);

describe('integerRange', () => {
  const RANGES: ReadonlyArray<readonly [number, number]> = [
    [0, 0], [7, 7], [0, 9], [1, 10], [10, 99], [99, 100], [100, 999], [13, 4567], [-9, 0], [-5, 5], [-120, -7], [-1000, 1000], [305, 30517],
  ];
  for (const [lo, hi] of RANGES) {
    it(`admits exactly the decimal spellings of ${lo}..${hi}`, () => {
      const re = rangeRegExp(lo, hi);
      for (let n = lo - 250; n <= hi + 250; n++) {
        assert.equal(re.test(String(n)), n >= lo && n <= hi, String(n));
        if (n > 0) assert.ok(!re.test(`0${n}`), `leading zero 0${n}`);
      }
      assert.ok(!re.test('-0'));
    });
  }

  it('reaches 15 digits and no further', () => {
    const re = rangeRegExp(-INTEGER_LIMIT, INTEGER_LIMIT);
    for (const n of ['999999999999999', '-999999999999999', '100000000000000', '0', '-1']) assert.ok(re.test(n), n);
    for (const n of ['1000000000000000', '-1000000000000000', '1e3', '1.0']) assert.ok(!re.test(n), n);
  });

  it('writes the digit ranges llama.cpp writes', () => {
    assert.equal(integerRange(0, 150), '[0-9] | [1-9] [0-9] | "1" ([0-4] [0-9] | [5] "0")');
    assert.equal(integerRange(-3, 3), '"-" [1-3] | [0-3]');
  });
});
