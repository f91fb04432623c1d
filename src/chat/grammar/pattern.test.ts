import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schemaToGrammar } from './index.ts';
import { grammarRegExp } from './testing/gbnf-regexp.ts';

const PATTERNS = [
  '^[a-c]+$', '^a.c$', '^[^"]*$', '^[^\\\\]+$', '^\\d{2,4}$', '^(ab|cd)*e?$', '^[\\w.-]+@[\\w-]+\\.[a-z]{2,}$', '^\\s*x\\s*$',
  '^[\\u00e0-\\u00ff]+$', '^\\\\"$', 'x', 'b.', '^$', '^a{2}(b{1,2}){2}$', '^(?<year>\\d{4})-\\d\\d$', '^[\\]\\-^]+$',
  '^\\D\\W\\S$', '^[^\\d\\s]+$', '^.+?$', '^a|b$', '^[\\n\\t]+$', '^\\u{1F600}$', '^\\x41\\u0042$', '^(?:)$',
];
const STRINGS = [
  '', 'a', 'abc', 'abcabc', 'a"c', 'a\\c', 'a\nc', 'a\tc', 'x', ' x ', '\tx\n', 'xb', 'bx', '12', '1234', '12345', 'e', 'abcde', 'cdcde',
  'foo@bar.com', 'a.b-c@d-e.io', 'a@b.c', 'àé', 'ÿa', '"', '\\"', '\\', '2024-01', 'aabb', 'aabbb', 'aabbbb', 'aabbbbb', ']-^', 'é',
  '😀', 'AB', '!!', 'a!', '\n\t', '\n', '{a}', 'a b', 'ab',
];

describe('pattern', () => {
  for (const pattern of PATTERNS) {
    it(`${pattern}: the grammar admits a string's JSON spelling exactly when the RegExp matches the string`, () => {
      const re = grammarRegExp(schemaToGrammar({ type: 'string', pattern }, { strict: false }));
      const js = new RegExp(pattern, 'u');
      for (const text of STRINGS) assert.equal(re.test(JSON.stringify(text)), js.test(text), JSON.stringify(text));
    });
  }

  it('never admits text that is not a JSON string', () => {
    const re = grammarRegExp(schemaToGrammar({ type: 'string', pattern: '^.*$' }, { strict: false }));
    for (const text of ['"a"b"', '"a\\qb"', '"\u0001"', '"a\\"']) assert.ok(!re.test(text), text);
  });
});
