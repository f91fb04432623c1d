/**
 * @module chat/grammar/testing/cases
 * Test support: one table of schemas, shared by the unit tests (key rules, and texts each grammar must
 * admit or refuse, checked through a RegExp) and the engine tests (llama.cpp must parse every one).
 */
import { jsonGrammar, schemaToGrammar } from '../index.ts';

export interface GrammarCase {
  readonly name: string;
  /** Omitted for jsonGrammar(). */
  readonly schema?: unknown;
  readonly strict?: boolean;
  /** Exact bodies of some of the rules. */
  readonly rules?: Readonly<Record<string, string>>;
  /** JSON texts the grammar must admit and refuse (nested at most two levels deep in recursive rules). */
  readonly accepts?: readonly string[];
  readonly rejects?: readonly string[];
}

export function grammarOf(c: GrammarCase): string {
  return c.schema === undefined ? jsonGrammar() : schemaToGrammar(c.schema, { strict: c.strict ?? false });
}

const DEFS_NODE = {
  $defs: {
    node: {
      type: 'object',
      properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 2 } },
      required: ['value', 'children'],
    },
  },
  $ref: '#/$defs/node',
};

export const GRAMMAR_CASES: readonly GrammarCase[] = [
  {
    name: 'any JSON object (json_object mode)',
    rules: { root: '"{" space ( string ":" space value ("," space string ":" space value)* )? space "}"', space: '| " " | "\\n"{1,2} [ \\t]{0,20}' },
    accepts: ['{}', '{"a":1}', '{ "a": [1, {"b": null}, "x\\"y"], "c": -1.5e3 }', '{\n  "a": true\n}'],
    rejects: ['[]', '1', '{} ', '{"a":1,}', '{"a":1}\n', '{"a":1e999}', '{"a":01}', '{\n\n\n"a":1}'],
  },
  {
    name: 'string',
    schema: { type: 'string' },
    rules: { root: '"\\"" char* "\\""' },
    accepts: ['""', '"abc"', '"a\\"b\\\\c\\n"', '"\\u00e9t\u00e9"'],
    rejects: ['"a', '"a" ', '"\\q"', '"a\nb"'],
  },
  {
    name: 'string length',
    schema: { type: 'string', minLength: 2, maxLength: 4 },
    rules: { root: '"\\"" char{2,4} "\\""' },
    accepts: ['"ab"', '"abcd"', '"a\\nb"'],
    rejects: ['"a"', '"abcde"'],
  },
  {
    name: 'long string lengths beyond llama.cpp repetition limits',
    schema: { type: 'string', minLength: 1500, maxLength: 4500 },
    accepts: [`"${'x'.repeat(1500)}"`, `"${'x'.repeat(3999)}"`, `"${'x'.repeat(4000)}"`, `"${'x'.repeat(4500)}"`],
    rejects: [`"${'x'.repeat(1499)}"`, `"${'x'.repeat(4501)}"`],
  },
  {
    name: 'integer',
    schema: { type: 'integer' },
    rules: { root: '("-"? integral-part)', 'integral-part': '[0] | [1-9] [0-9]{0,14}' },
    accepts: ['0', '-12', '123456789012345'],
    rejects: ['1.0', '1e5', '01', '1234567890123456', '+1', '- 1'],
  },
  {
    name: 'integer range',
    schema: { type: 'integer', minimum: -5, maximum: 120 },
    rules: { root: '("-" [1-5] | [0-9] | [1-9] [0-9] | "1" ([0-1] [0-9] | [2] "0"))' },
    accepts: ['-5', '0', '7', '99', '120'],
    rejects: ['-6', '-0', '121', '007', '5.0'],
  },
  {
    name: 'integer with an exclusive minimum only',
    schema: { type: 'integer', exclusiveMinimum: 0 },
    accepts: ['1', '999999999999999'],
    rejects: ['0', '-1', '1000000000000000'],
  },
  {
    name: 'number',
    schema: { type: 'number' },
    rules: { root: '("-"? integral-part) ("." decimal-part)? exponent-part?' },
    accepts: ['1', '-0.5', '1.25e10', '3E-2', '0.0000000000000001'],
    rejects: ['.5', '1.', '1e999', 'NaN', '1e'],
  },
  {
    name: 'number range with an exclusive maximum',
    schema: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    rules: { root: '("0" ("." [0-9]{1,6})?)' },
    accepts: ['0', '0.5', '0.999999', '0.000'],
    rejects: ['1', '1.0', '-0.1', '0.9999999', '1e-3'],
  },
  {
    name: 'negative number range',
    schema: { type: 'number', exclusiveMinimum: -2, maximum: -1 },
    accepts: ['-1', '-1.5', '-1.999', '-1.000'],
    rejects: ['-2', '-2.0', '-0.5', '-1.0001e0'],
  },
  {
    name: 'boolean or null',
    schema: { type: ['boolean', 'null'] },
    rules: { root: 'boolean | null' },
    accepts: ['true', 'false', 'null'],
    rejects: ['0', '"true"'],
  },
  {
    name: 'enum of any JSON values',
    schema: { enum: ['a', 1, 2.5, true, null, { x: [1] }, [1, 'b']] },
    rules: { root: '("\\"a\\"" | "1" | "2.5" | "[1,\\"b\\"]" | "null" | "true" | "{\\"x\\":[1]}")' },
    accepts: ['"a"', '1', '2.5', 'true', 'null', '{"x":[1]}', '[1,"b"]'],
    rejects: ['"b"', 'false', '2'],
  },
  {
    name: 'const',
    schema: { const: 'fixed', description: 'annotations are ignored' },
    rules: { root: '"\\"fixed\\""' },
    accepts: ['"fixed"'],
    rejects: ['"fixe"'],
  },
  {
    name: 'enum filtered by the keywords beside it',
    schema: { type: 'string', enum: ['a', 1, 'bb'], maxLength: 1 },
    rules: { root: '"\\"a\\""' },
  },
  {
    name: 'enum values sharing prefixes, written once (a trie)',
    schema: { enum: ['cat', 'car', 'dog', 1, 12, 123, '😀a', '😁b', '😀'] },
    rules: { root: '("\\"" ("ca" ("r\\"" | "t\\"") | "dog\\"" | "😀" ("\\"" | "a\\"") | "😁b\\"") | "1" ("2" ("3")?)?)' },
    accepts: ['"cat"', '"car"', '"dog"', '1', '12', '123', '"😀a"', '"😁b"', '"😀"'],
    rejects: ['"ca"', '"cats"', '2', '1234', '"do"', '"😀b"'],
  },
  {
    name: 'object: required first, optional in order, closed by default',
    schema: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' }, c: { type: 'boolean' } }, required: ['b'] },
    rules: {
      root: '"{" space b-kv ( "," space ( a-kv a-rest | c-kv ) )? space "}"',
      'a-rest': '( "," space c-kv )?',
      'b-kv': '"\\"b\\"" space ":" space integer',
    },
    accepts: ['{"b":1}', '{"b":1,"a":"x"}', '{"b":1,"a":"x","c":true}', '{"b":1,"c":false}', '{ "b" : 1 }'],
    rejects: ['{"a":"x"}', '{"b":1,"d":2}', '{"b":1} ', '{}'],
  },
  {
    name: 'strict mode: closed, all properties required in order',
    schema: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' }, c: { type: 'boolean' } }, required: ['b'], additionalProperties: true },
    strict: true,
    rules: { root: '"{" space a-kv "," space b-kv "," space c-kv space "}"' },
    accepts: ['{"a":"","b":0,"c":true}'],
    rejects: ['{"b":1}', '{"a":"","b":0,"c":true,"d":1}'],
  },
  {
    name: 'additionalProperties with a schema',
    schema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'], additionalProperties: { type: 'string' } },
    rules: {
      root: '"{" space id-kv ( "," space ( additional-kv ( "," space additional-kv )* ) )? space "}"',
      'additional-k': '"\\"" ( [i] ([d] char+ | [ -!#-\\x5B\\x5D-ce-~\\x80-\\uD7FF\\uE000-\\U0010FFFF] char*)? | [ -!#-\\x5B\\x5D-hj-~\\x80-\\uD7FF\\uE000-\\U0010FFFF] char* )? "\\""',
      'additional-kv': 'additional-k space ":" space string',
    },
    accepts: ['{"id":1,"x":"y"}', '{"id":1,"ids":"y"}', '{"id":1,"i":"y","":"z"}'],
    rejects: ['{"id":1,"id":"y"}', '{"id":1,"x":2}', '{"id":1,"\\u0069d":"y"}'],
  },
  {
    name: 'additionalProperties: true',
    schema: { type: 'object', properties: { a: { type: 'null' } }, additionalProperties: true },
    accepts: ['{}', '{"a":null,"b":[1]}', '{"zz":{}}'],
    rejects: ['{"a":1}', '{"a":null,"a":null}'],
  },
  {
    name: 'additional keys never spell a listed name, escapes included',
    schema: { type: 'object', properties: { 'a"b': { type: 'integer' }, é: { type: 'integer' } }, additionalProperties: { type: 'boolean' } },
    accepts: ['{"a\\"b":1}', '{"a\\"c":true}', '{"éa":true}', '{"x":true}', '{"é":2,"a":false}'],
    rejects: ['{"a\\"b":true}', '{"é":true}', '{"a\\q":true}'],
  },
  {
    name: 'open object',
    schema: { type: 'object' },
    rules: { root: '"{" space ( string ":" space value ("," space string ":" space value)* )? space "}"' },
    accepts: ['{"k":[1,2]}'],
  },
  {
    name: 'array with items, minItems and maxItems',
    schema: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 3 },
    rules: { root: '"[" space integer ( "," space integer ){0,2} space "]"' },
    accepts: ['[1]', '[1, 2,3]'],
    rejects: ['[]', '[1,2,3,4]', '[1.5]'],
  },
  {
    name: 'long arrays beyond llama.cpp repetition limits',
    schema: { type: 'array', items: { type: 'null' }, maxItems: 2500 },
    accepts: ['[]', `[${Array(2500).fill('null').join(',')}]`],
    rejects: [`[${Array(2501).fill('null').join(',')}]`],
  },
  {
    name: 'prefixItems then items',
    schema: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: { type: 'boolean' }, maxItems: 4 },
    rules: { root: '"[" space string "," space integer ( "," space boolean ){0,2} space "]"' },
    accepts: ['["a",1]', '["a",1,true,false]'],
    rejects: ['["a",1,true,true,true]', '[1,"a"]'],
  },
  {
    name: 'nullable string (type array)',
    schema: { type: ['string', 'null'], maxLength: 3 },
    rules: { root: 'alternative-0 | null', 'alternative-0': '"\\"" char{0,3} "\\""' },
    accepts: ['null', '"abc"'],
    rejects: ['"abcd"', '1'],
  },
  {
    name: 'anyOf',
    schema: { anyOf: [{ type: 'integer' }, { type: 'object', properties: { x: { const: 1 } }, required: ['x'] }] },
    rules: { root: 'integer | alternative-1' },
    accepts: ['5', '{"x":1}'],
    rejects: ['{"x":2}', '"s"'],
  },
  {
    name: 'oneOf with keywords beside it',
    schema: {
      type: 'object',
      properties: { kind: { type: 'string' } },
      required: ['kind'],
      oneOf: [{ properties: { kind: { const: 'a' }, a: { type: 'integer' } }, required: ['a'] }, { properties: { kind: { const: 'b' } } }],
    },
    accepts: ['{"kind":"a","a":1}', '{"kind":"b"}'],
    rejects: ['{"kind":"c"}', '{"kind":"a"}', '{"kind":"b","a":1}'],
  },
  {
    name: 'allOf of objects, through $ref',
    schema: {
      $defs: { base: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } },
      allOf: [{ $ref: '#/$defs/base' }, { type: 'object', properties: { extra: { type: 'boolean' } }, required: ['extra'] }],
    },
    rules: { root: '"{" space id-kv "," space extra-kv space "}"' },
    accepts: ['{"id":1,"extra":true}'],
    rejects: ['{"id":0,"extra":true}', '{"extra":true}', '{"id":1}'],
  },
  {
    name: 'allOf with a closed component',
    schema: { allOf: [{ type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false }, { properties: { b: { type: 'string' } } }] },
    rules: { root: '"{" space ( a-kv )? space "}"' },
    accepts: ['{}', '{"a":1}'],
    rejects: ['{"b":"x"}'],
  },
  {
    name: 'recursive $ref',
    schema: DEFS_NODE,
    rules: {
      root: 'ref-defs-node',
      'ref-defs-node': '"{" space ref-defs-node-value-kv "," space ref-defs-node-children-kv space "}"',
      'ref-defs-node-children': '"[" space ( ref-defs-node ( "," space ref-defs-node )? )? space "]"',
    },
    accepts: ['{"value":1,"children":[]}', '{"value":1,"children":[{"value":2,"children":[]},{"value":3,"children":[]}]}'],
    rejects: ['{"value":1}', '{"value":1,"children":[{"value":2,"children":[]},{"value":3,"children":[]},{"value":4,"children":[]}]}'],
  },
  {
    name: 'recursion through the root and definitions',
    schema: {
      type: 'object',
      properties: { name: { $ref: '#/definitions/name' }, parent: { anyOf: [{ $ref: '#' }, { type: 'null' }] } },
      required: ['name', 'parent'],
      definitions: { name: { type: 'string', maxLength: 8 } },
    },
    rules: { parent: 'root | null', 'name-kv': '"\\"name\\"" space ":" space ref-definitions-name' },
    accepts: ['{"name":"a","parent":null}', '{"name":"a","parent":{"name":"b","parent":null}}'],
    rejects: ['{"name":"too long a name","parent":null}', '{"name":"a"}'],
  },
  {
    name: 'pattern',
    schema: { type: 'string', pattern: '^[A-Z]{2}-\\d{3}$' },
    rules: { root: '"\\"" ([A-Z]{2} "-" [0-9]{3}) "\\""' },
    accepts: ['"AB-123"'],
    rejects: ['"AB-12"', '"ab-123"', '"AB-1234"'],
  },
  {
    name: 'pattern with characters JSON escapes',
    schema: { type: 'string', pattern: '^a"b\\\\c\\n.$' },
    accepts: ['"a\\"b\\\\c\\nX"', '"a\\"b\\\\c\\n\\""', '"a\\"b\\\\c\\n\\\\"'],
    rejects: ['"a"b\\c\\nX"', '"a\\"b\\\\c\\n\\n"'],
  },
  {
    name: 'unanchored pattern',
    schema: { type: 'string', pattern: 'ab+' },
    accepts: ['"xxabbby"', '"ab"'],
    rejects: ['"a"', '"ba"'],
  },
  {
    name: 'pattern with groups, alternation and counted groups',
    schema: { type: 'string', pattern: '^(foo|ba[rz])+(?:-\\w{2,3})?$|^x$' },
    accepts: ['"foobar"', '"baz-ab1"', '"x"', '"foofoofoo-__"'],
    rejects: ['"fo"', '"x1"', '"foo-a"', '""'],
  },
  {
    name: 'string formats',
    schema: {
      type: 'object',
      properties: {
        d: { type: 'string', format: 'date' },
        t: { type: 'string', format: 'time' },
        dt: { type: 'string', format: 'date-time' },
        u: { type: 'string', format: 'uuid' },
        e: { type: 'string', format: 'email' },
      },
    },
    strict: true,
    rules: { 'd-kv': '"\\"d\\"" space ":" space date-string', 'e-kv': '"\\"e\\"" space ":" space string' },
    accepts: ['{"d":"2024-02-28","t":"12:30:00Z","dt":"2024-12-31T23:59:59.123+01:00","u":"123e4567-e89b-12d3-a456-426614174000","e":"any"}'],
    rejects: [
      '{"d":"2024-02-30","t":"12:30:00Z","dt":"2024-12-31T23:59:59Z","u":"123e4567-e89b-12d3-a456-426614174000","e":""}',
      '{"d":"2024-13-01","t":"12:30:00Z","dt":"2024-12-31T23:59:59Z","u":"123e4567-e89b-12d3-a456-426614174000","e":""}',
      '{"d":"2024-01-01","t":"24:00:00Z","dt":"2024-12-31T23:59:59Z","u":"123e4567-e89b-12d3-a456-426614174000","e":""}',
    ],
  },
  {
    name: 'property names that clash with rule names',
    schema: {
      type: 'object',
      properties: { root: { type: 'string' }, string: { type: 'integer', minimum: 1, maximum: 2 }, space: { type: 'boolean' }, 'first name': { type: 'null' }, 日本: { type: 'boolean' } },
      required: ['root', 'string', 'space', 'first name', '日本'],
    },
    rules: { 'string-': '([1-2])', 'first-name-kv': '"\\"first name\\"" space ":" space null', '--kv': '"\\"日本\\"" space ":" space boolean' },
    accepts: ['{"root":"x","string":1,"space":true,"first name":null,"日本":false}'],
    rejects: ['{"root":"x","string":3,"space":true,"first name":null,"日本":false}'],
  },
  {
    name: 'strict mode closes an object without properties',
    schema: { type: 'object' },
    strict: true,
    rules: { root: '"{" space "}"' },
    accepts: ['{}', '{ }'],
    rejects: ['{"a":1}'],
  },
  {
    name: 'keywords beside $ref',
    schema: { $defs: { s: { type: 'string' } }, $ref: '#/$defs/s', maxLength: 2 },
    rules: { root: '"\\"" char{0,2} "\\""' },
  },
  {
    name: 'draft-04 boolean exclusiveMinimum',
    schema: { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 3 },
    rules: { root: '([1-3])' },
  },
  {
    name: 'draft-07 array-form items (a closed tuple)',
    schema: { type: 'array', items: [{ type: 'string' }, { type: 'null' }] },
    rules: { root: '"[" space string "," space null space "]"' },
    accepts: ['["a", null]'],
    rejects: ['["a"]', '["a",null,null]'],
  },
  {
    name: 'keywords imply the type when it is missing',
    schema: { required: ['a'], properties: { a: { maxLength: 2 } } },
    rules: { root: '"{" space a-kv space "}"', a: '"\\"" char{0,2} "\\""' },
  },
  {
    name: 'empty schema: any value',
    schema: {},
    rules: { root: 'object | array | string | number | boolean | null' },
    accepts: ['1', '"x"', '[{}]', 'null'],
  },
];
