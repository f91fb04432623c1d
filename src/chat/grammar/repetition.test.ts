import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repeat, separated } from './repetition.ts';
import { RuleSet } from './rules.ts';
import { grammarRegExp } from './testing/gbnf-regexp.ts';

/** The grammar text for `item` repeated, and a RegExp over it. */
function repetitionOf(build: (rules: RuleSet) => string): { text: string; re: RegExp } {
  const rules = new RuleSet();
  rules.add('root', build(rules) || '""');
  return { text: rules.toString(), re: grammarRegExp(rules.toString()) };
}

describe('repeat', () => {
  const COUNTS: ReadonlyArray<readonly [number, number]> = [
    [0, 1], [1, 1], [3, 3], [0, 5], [0, Infinity], [1, Infinity], [2, Infinity], [1200, Infinity], [0, 1000], [0, 1001],
    [999, 1001], [0, 2500], [1500, 4500], [2000, 2000], [2500, 2500], [0, 1_000_500],
  ];
  for (const [min, max] of COUNTS) {
    it(`${min}..${max} items, with no count llama.cpp would refuse or drop`, () => {
      const { text, re } = repetitionOf((rules) => repeat(rules, 'x', '"x"', min, max));
      for (const match of text.matchAll(/\{(\d+)(?:,(\d*))?\}/g)) {
        assert.ok(Number(match[1]) <= 1000 && Number(match[2] || 0) <= 1000, `${match[0]} in ${text}`);
      }
      const lengths = [min, min + 1, Math.min(max, min + 1000), max, max + 1, min - 1].filter((n) => n >= 0 && n <= max + 1 && n < 10_000);
      for (const n of new Set(lengths)) assert.equal(re.test('x'.repeat(n)), n >= min && n <= max, `${n} items`);
    });
  }

  it('writes small counts as llama.cpp does', () => {
    const rules = new RuleSet();
    assert.equal(repeat(rules, 'x', 'a', 0, 1), 'a?');
    assert.equal(repeat(rules, 'x', 'a', 0, Infinity), 'a*');
    assert.equal(repeat(rules, 'x', 'a', 1, Infinity), 'a+');
    assert.equal(repeat(rules, 'x', 'a', 2, 5), 'a{2,5}');
    assert.equal(repeat(rules, 'x', 'a', 4, 4), 'a{4}');
    assert.equal(repeat(rules, 'x', 'a', 0, 0), '');
  });
});

describe('separated', () => {
  it('puts the separator only between items', () => {
    const { re } = repetitionOf((rules) => separated(rules, 'x', '"x"', '","', 0, 3));
    for (const [text, isAdmitted] of [['', true], ['x', true], ['x,x,x', true], ['x,x,x,x', false], [',x', false], ['x,', false]] as const) {
      assert.equal(re.test(text), isAdmitted, text);
    }
    const rules = new RuleSet();
    assert.equal(separated(rules, 'x', 'item', '","', 1, Infinity), 'item ( "," item )*');
    assert.equal(separated(rules, 'x', 'item', '","', 0, 0), '');
  });
});
