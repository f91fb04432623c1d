/**
 * @module chat/grammar/primitives
 * The fixed rules every grammar draws on, after llama.cpp's PRIMITIVE_RULES and STRING_FORMAT_RULES,
 * with the bounds tightened so that whatever the grammar lets through, JSON.parse reads back exactly.
 */
import type { RuleSet } from './rules.ts';

interface Primitive {
  readonly body: string;
  readonly deps: readonly string[];
}

const PRIMITIVES = {
  // Whitespace between tokens: none, one space, or up to two newlines and an indent. Bounded so that a
  // model which keeps choosing whitespace cannot loop forever; enough for pretty-printed JSON.
  space: { body: '| " " | "\\n"{1,2} [ \\t]{0,20}', deps: [] },
  null: { body: '"null"', deps: [] },
  boolean: { body: '("true" | "false")', deps: [] },
  // 15 digits stay below 2^53, so every integer the grammar admits is exact as a JS number.
  'integral-part': { body: '[0] | [1-9] [0-9]{0,14}', deps: [] },
  'decimal-part': { body: '[0-9]{1,16}', deps: [] },
  // Two exponent digits keep every number finite (|x| < 1e116): JSON.parse never yields Infinity.
  'exponent-part': { body: '[eE] [-+]? [0-9]{1,2}', deps: [] },
  integer: { body: '("-"? integral-part)', deps: ['integral-part'] },
  number: {
    body: '("-"? integral-part) ("." decimal-part)? exponent-part?',
    deps: ['integral-part', 'decimal-part', 'exponent-part'],
  },
  // Listed ranges rather than llama.cpp's negated class: its UTF-8 decoder reads invalid sequences from
  // F4 90 up as code points past U+10FFFF, which a negated class lets through and the text then shows
  // as one U+FFFD per byte.
  char: { body: '[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E\\x80-\\uD7FF\\uE000-\\U0010FFFF] | [\\\\] (["\\\\bfnrt] | "u" [0-9a-fA-F]{4})', deps: [] },
  string: { body: '"\\"" char* "\\""', deps: ['char'] },
  value: { body: 'object | array | string | number | boolean | null', deps: ['object', 'array', 'string', 'number', 'boolean', 'null'] },
  object: { body: '"{" space ( string ":" space value ("," space string ":" space value)* )? space "}"', deps: ['space', 'string', 'value'] },
  array: { body: '"[" space ( value ("," space value)* )? space "]"', deps: ['space', 'value'] },
  uuid: {
    body: '"\\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\\""',
    deps: [],
  },
  // Days stop at 28 in February: the grammar cannot tell leap years, and must never admit a day that isn't.
  date: {
    body:
      '[0-9]{4} "-" ( ( "0" [13578] | "1" [02] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] )' +
      ' | ( "0" [469] | "11" ) "-" ( "0" [1-9] | [12] [0-9] | "30" ) | "02-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) )',
    deps: [],
  },
  time: {
    body:
      '( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )?' +
      ' ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )',
    deps: [],
  },
  'date-time': { body: 'date "T" time', deps: ['date', 'time'] },
  'date-string': { body: '"\\"" date "\\""', deps: ['date'] },
  'time-string': { body: '"\\"" time "\\""', deps: ['time'] },
  'date-time-string': { body: '"\\"" date-time "\\""', deps: ['date-time'] },
} satisfies Record<string, Primitive>;

export type PrimitiveName = keyof typeof PRIMITIVES;

/** `format` values the grammar enforces, and the primitive that spells each one as a JSON string. */
export const STRING_FORMATS: Readonly<Record<string, PrimitiveName>> = {
  date: 'date-string',
  time: 'time-string',
  'date-time': 'date-time-string',
  uuid: 'uuid',
};

/** Names a schema-derived rule must not take, or it would shadow a primitive. */
export function isReservedName(name: string): boolean {
  return name === 'root' || Object.hasOwn(PRIMITIVES, name);
}

/** Adds primitive `name` (as `as`, e.g. `root`) and whatever it refers to; returns the rule name. */
export function addPrimitive(rules: RuleSet, name: PrimitiveName, as: string = name): string {
  const { body, deps } = PRIMITIVES[name];
  // The rule goes in before its dependencies: value and object refer to each other.
  const added = rules.add(as, body);
  for (const dep of deps) if (!rules.has(dep)) addPrimitive(rules, dep as PrimitiveName);
  return added;
}
