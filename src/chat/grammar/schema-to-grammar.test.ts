import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonGrammar, schemaToGrammar, UnsupportedSchemaError } from './index.ts';
import { GRAMMAR_CASES, grammarOf } from './testing/cases.ts';
import { grammarRegExp, parseRules } from './testing/gbnf-regexp.ts';

describe('JSON Schema to GBNF', () => {
  for (const c of GRAMMAR_CASES) {
    it(c.name, () => {
      const grammar = grammarOf(c);
      const rules = parseRules(grammar);
      for (const [name, body] of Object.entries(c.rules ?? {})) assert.equal(rules.get(name), body, `rule ${name}`);
      const re = grammarRegExp(grammar);
      for (const text of c.accepts ?? []) assert.ok(re.test(text), `admits ${text.slice(0, 120)}`);
      for (const text of c.rejects ?? []) assert.ok(!re.test(text), `refuses ${text.slice(0, 120)}`);
    });
  }

  it('ends every root right after the value: no trailing whitespace, so generation can stop there', () => {
    for (const c of GRAMMAR_CASES.filter((c) => c.accepts && c.accepts.length > 0)) {
      const re = grammarRegExp(grammarOf(c));
      const text = (c.accepts as string[])[0];
      for (const tail of [' ', '\n', '\t']) assert.ok(!re.test(text + tail), `${c.name}: refuses a trailing ${JSON.stringify(tail)}`);
    }
  });

  it('bounds the whitespace between tokens', () => {
    const re = grammarRegExp(jsonGrammar());
    assert.ok(re.test(`{\n\n${' '.repeat(20)}"a":1}`));
    assert.ok(!re.test(`{\n\n${' '.repeat(21)}"a":1}`), 'at most 20 spaces of indent');
    assert.ok(!re.test('{  "a":1}'), 'at most one space on a line');
  });

  it('gives the same text for the same schema, root first', () => {
    const schema = GRAMMAR_CASES.find((c) => c.name.startsWith('string formats'))?.schema;
    const grammar = schemaToGrammar(schema, { strict: true });
    assert.equal(grammar, schemaToGrammar(structuredClone(schema), { strict: true }));
    assert.match(grammar, /^root ::= /);
  });
});

describe('schemas a grammar cannot express are refused by keyword and pointer', () => {
  const CASES: ReadonlyArray<readonly [label: string, schema: unknown, keyword: string, pointer: string]> = [
    ['an unknown keyword', { not: { type: 'string' } }, 'not', ''],
    ['a conditional in a property', { type: 'object', properties: { a: { if: {}, then: {} } } }, 'if', '/properties/a'],
    ['patternProperties under items', { type: 'array', items: { patternProperties: {} } }, 'patternProperties', '/items'],
    ['uniqueItems', { type: 'object', properties: { 'a/b': { type: 'array', uniqueItems: true } } }, 'uniqueItems', '/properties/a~1b'],
    ['a lookahead', { properties: { x: { type: 'string', pattern: '^(?=a)a$' } } }, 'pattern', '/properties/x'],
    ['a word boundary', { type: 'string', pattern: '\\bword' }, 'pattern', ''],
    ['a backreference', { type: 'string', pattern: '^(a)\\1$' }, 'pattern', ''],
    ['an anchor inside', { type: 'string', pattern: '^a(^b)$' }, 'pattern', ''],
    ['an unbalanced group', { type: 'string', pattern: '^(a$' }, 'pattern', ''],
    ['a class only of controls', { type: 'string', pattern: '^[\\x01-\\x02]$' }, 'pattern', ''],
    ['a fractional bound on a number', { type: 'number', minimum: 0.5 }, 'minimum', ''],
    ['bounds with no integer between', { type: 'integer', minimum: 5, exclusiveMaximum: 5 }, 'minimum', ''],
    ['minLength above maxLength', { type: 'string', minLength: 5, maxLength: 2 }, 'minLength', ''],
    ['a negative count', { type: 'array', maxItems: -1 }, 'maxItems', ''],
    ['a length beside an enforced format', { type: 'object', properties: { d: { type: 'string', format: 'date', maxLength: 3 } } }, 'maxLength', '/properties/d'],
    ['a length beside a pattern', { type: 'string', pattern: '^a+$', maxLength: 3 }, 'maxLength', ''],
    ['a nested $id', { $id: 'https://example.com/root', properties: { a: { $id: 'a.json' } } }, '$id', '/properties/a'],
    ['a remote $ref', { $ref: 'https://example.com/schema.json' }, '$ref', ''],
    ['a dangling $ref', { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }, '$ref', '/properties/a'],
    ['an error inside a $ref target', { $defs: { 'a/b': { not: {} } }, $ref: '#/$defs/a~1b' }, 'not', '/$defs/a~1b'],
    ['an unknown type', { type: 'strin' }, 'type', ''],
    ['an enum no value of which fits', { type: 'integer', enum: ['a', 1.5] }, 'enum', ''],
    ['an enum beside properties', { enum: [{}], properties: {} }, 'properties', ''],
    ['an empty anyOf', { anyOf: [] }, 'anyOf', ''],
    ['the false schema', { type: 'object', properties: { a: false } }, 'false', '/properties/a'],
    ['two patterns in allOf', { allOf: [{ pattern: '^a' }, { pattern: 'b$' }] }, 'pattern', ''],
    ['allOf types with nothing in common', { allOf: [{ type: 'string' }, { type: 'integer' }] }, 'type', ''],
    ['allOf closing out a required property', { allOf: [{ properties: { a: {} }, additionalProperties: false }, { properties: { b: {} }, required: ['b'] }] }, 'additionalProperties', ''],
    ['more items than items: false allows', { type: 'array', prefixItems: [{}], items: false, minItems: 2 }, 'minItems', ''],
    ['a required name an object closes out', { type: 'object', properties: {}, required: ['a'], additionalProperties: false }, 'required', ''],
  ];
  for (const [label, schema, keyword, pointer] of CASES) {
    it(label, () => {
      assert.throws(() => schemaToGrammar(schema, { strict: false }), (error: unknown) => {
        assert.ok(error instanceof UnsupportedSchemaError, String(error));
        assert.equal(error.keyword, keyword);
        assert.equal(error.pointer, pointer);
        assert.ok(error.message.includes(`"${keyword}" at #${pointer}`), error.message);
        return true;
      });
    });
  }
});
