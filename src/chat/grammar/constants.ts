/**
 * @module chat/grammar/constants
 * The values `const` and `enum` list, less those the keywords beside them reject (a type, a length,
 * a bound, a pattern). Structural keywords beside them (properties, items...) are refused rather than
 * checked: the grammar spells each value literally and must not spell one the schema rejects.
 */
import { UnsupportedSchemaError } from './errors.ts';
import { hasType, typesOf, type SchemaObject } from './keywords.ts';
import { readArray } from './schema-access.ts';

const NOT_CHECKED = ['properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'format'];

export function constantValues(schema: SchemaObject, pointer: string): unknown[] {
  const keyword = 'const' in schema ? 'const' : 'enum';
  const clash = NOT_CHECKED.find((k) => k in schema);
  if (clash) throw new UnsupportedSchemaError(clash, pointer, `cannot be combined with ${keyword}`);
  let values = 'enum' in schema ? (readArray(schema, 'enum', pointer) as unknown[]) : [schema.const];
  if ('const' in schema) values = values.filter((v) => JSON.stringify(v) === JSON.stringify(schema.const));
  const types = 'type' in schema ? typesOf(schema, pointer) : [];
  values = values.filter((v) => (types.length === 0 || types.some((t) => hasType(v, t))) && satisfies(v, schema, pointer));
  if (values.length === 0) throw new UnsupportedSchemaError(keyword, pointer, 'no listed value satisfies the rest of the schema');
  return values;
}

function satisfies(value: unknown, schema: SchemaObject, pointer: string): boolean {
  const atLeast = (x: number, keyword: string, isExclusive = false) => {
    const bound = schema[keyword];
    return typeof bound !== 'number' || (isExclusive ? x > bound : x >= bound);
  };
  const atMost = (x: number, keyword: string, isExclusive = false) => {
    const bound = schema[keyword];
    return typeof bound !== 'number' || (isExclusive ? x < bound : x <= bound);
  };
  if (typeof value === 'string') {
    const length = Array.from(value).length;
    return atLeast(length, 'minLength') && atMost(length, 'maxLength') && matchesPattern(value, schema.pattern, pointer);
  }
  if (Array.isArray(value)) return atLeast(value.length, 'minItems') && atMost(value.length, 'maxItems');
  if (typeof value !== 'number') return true;
  // Draft-04 spells exclusive bounds as boolean flags beside minimum and maximum.
  return atLeast(value, 'minimum', schema.exclusiveMinimum === true) && atMost(value, 'maximum', schema.exclusiveMaximum === true)
    && atLeast(value, 'exclusiveMinimum', true) && atMost(value, 'exclusiveMaximum', true);
}

function matchesPattern(value: string, pattern: unknown, pointer: string): boolean {
  if (pattern === undefined) return true;
  try {
    return new RegExp(String(pattern), 'u').test(value);
  } catch (error) {
    throw new UnsupportedSchemaError('pattern', pointer, (error as Error).message);
  }
}
