import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberRange, type NumberBound } from './number-range.ts';
import { grammarRegExp } from './testing/gbnf-regexp.ts';

const bound = (value: number, isExclusive: boolean): NumberBound => ({ value, isExclusive });
const describeBounds = (lo: NumberBound, hi: NumberBound) => `${lo.isExclusive ? '(' : '['}${lo.value}, ${hi.value}${hi.isExclusive ? ')' : ']'}`;

describe('numberRange', () => {
  const INTERVALS: ReadonlyArray<readonly [NumberBound, NumberBound]> = [
    [bound(0, false), bound(1, true)],
    [bound(0, true), bound(10, false)],
    [bound(-2, true), bound(-1, false)],
    [bound(-3, false), bound(5, true)],
    [bound(-1, true), bound(0, true)],
    [bound(7, false), bound(7, false)],
    [bound(-4, true), bound(4, true)],
  ];
  // Multiples of 1/8 are exact in three decimals; each is written with 0, 3 and 6 fraction digits.
  const spellings = Array.from({ length: 193 }, (_, i) => (i - 96) / 8).flatMap((x) => [String(x), x.toFixed(3), x.toFixed(6)]);

  for (const [lo, hi] of INTERVALS) {
    it(`admits exactly the numbers of ${describeBounds(lo, hi)} written with up to 6 decimals`, () => {
      const re = grammarRegExp(`root ::= ${numberRange(lo, hi)}\n`);
      for (const text of spellings) {
        const x = Number(text);
        const isInside = (lo.isExclusive ? x > lo.value : x >= lo.value) && (hi.isExclusive ? x < hi.value : x <= hi.value);
        assert.equal(re.test(text), isInside, text);
      }
      assert.ok(!re.test('-0'), 'no negative zero');
    });
  }

  it('refuses what would parse past an exclusive bound: more digits than a double keeps, exponents', () => {
    const re = grammarRegExp(`root ::= ${numberRange(bound(1, true), bound(2, true))}\n`);
    assert.ok(re.test('1.999999'));
    assert.ok(!re.test('1.9999999999999999'), 'parses as 2');
    assert.ok(!re.test('1.5e0'));
  });

  it('is empty when nothing lies between the bounds', () => {
    assert.equal(numberRange(bound(3, true), bound(3, false)), '');
    assert.equal(numberRange(bound(4, false), bound(3, false)), '');
  });
});
