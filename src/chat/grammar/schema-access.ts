/**
 * @module chat/grammar/schema-access
 * Typed reads of keyword values, and the names rules get. A malformed value is refused by keyword and
 * pointer like an unsupported one: the converter never guesses what a schema meant.
 */
import { UnsupportedSchemaError } from './errors.ts';
import { isSchemaObject, type SchemaObject } from './keywords.ts';
import type { RuleSet } from './rules.ts';

/** What the rule builders need from the converter. */
export interface Visitor {
  readonly rules: RuleSet;
  /** OpenAI's strict mode: every object closed, every listed property required, in order. */
  readonly isStrict: boolean;
  /** The rule to reference for `schema`; `name` is the rule's preferred name ('' for the root). */
  visit(schema: unknown, name: string, pointer: string): string;
}

/** llama.cpp's naming: a subschema's rule is its parent's name, a dash, and its own part. */
export function subName(name: string, part: string | number): string {
  return name === '' ? String(part) : `${name}-${part}`;
}

/** A count keyword (minLength, maxItems...): a non-negative integer, or `fallback` when absent. */
function readCount(schema: SchemaObject, keyword: string, pointer: string, fallback: number): number {
  const value = schema[keyword];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new UnsupportedSchemaError(keyword, pointer, 'must be a non-negative integer');
  }
  return value;
}

/** A (min, max) count pair, checked for order. */
export function readCounts(schema: SchemaObject, minKeyword: string, maxKeyword: string, pointer: string): [number, number] {
  const min = readCount(schema, minKeyword, pointer, 0);
  const max = readCount(schema, maxKeyword, pointer, Infinity);
  if (min > max) throw new UnsupportedSchemaError(minKeyword, pointer, `${minKeyword} ${min} is greater than ${maxKeyword} ${max}`);
  return [min, max];
}

export function readSchemaMap(schema: SchemaObject, keyword: string, pointer: string): SchemaObject {
  const value = schema[keyword] ?? {};
  if (!isSchemaObject(value)) throw new UnsupportedSchemaError(keyword, pointer, 'must be an object of schemas');
  return value;
}

export function readArray(schema: SchemaObject, keyword: string, pointer: string): unknown[] | undefined {
  const value = schema[keyword];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new UnsupportedSchemaError(keyword, pointer, 'must be an array');
  return value;
}

export function readStrings(schema: SchemaObject, keyword: string, pointer: string): string[] {
  const value = readArray(schema, keyword, pointer) ?? [];
  if (value.some((item) => typeof item !== 'string')) throw new UnsupportedSchemaError(keyword, pointer, 'must be an array of strings');
  return value as string[];
}
