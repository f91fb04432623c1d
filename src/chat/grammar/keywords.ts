/**
 * @module chat/grammar/keywords
 * Which JSON Schema keywords the converter reads, which it may ignore, and which JSON types a schema
 * without `type` can take. Anything else is refused by name: a keyword that constrains values and is
 * skipped would let the grammar admit values the schema rejects.
 */
import { UnsupportedSchemaError } from './errors.ts';

export type SchemaObject = Record<string, unknown>;
export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

const JSON_TYPES: readonly JsonType[] = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];

/** Keywords that describe or organise a schema and never constrain a value. */
const ANNOTATIONS = new Set([
  '$schema', '$id', '$anchor', '$comment', '$defs', 'definitions', 'title', 'description', 'default',
  'examples', 'deprecated', 'readOnly', 'writeOnly', 'contentEncoding', 'contentMediaType',
]);

/** The keywords that apply to values of one type, by the type they imply when `type` is absent. */
const TYPE_KEYWORDS: ReadonlyArray<readonly [JsonType, readonly string[]]> = [
  ['object', ['properties', 'required', 'additionalProperties']],
  ['array', ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems']],
  ['string', ['minLength', 'maxLength', 'pattern', 'format']],
  ['number', ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']],
];

const SUPPORTED = new Set(['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref', ...TYPE_KEYWORDS.flatMap(([, keys]) => keys)]);

export function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isAnnotation(keyword: string): boolean {
  return ANNOTATIONS.has(keyword);
}

/** Throws on the first keyword the converter does not know. */
export function checkKeywords(schema: SchemaObject, pointer: string): void {
  for (const keyword of Object.keys(schema)) {
    if (keyword === '$id' && pointer !== '') {
      throw new UnsupportedSchemaError(keyword, pointer, 'a nested $id would change what $ref means below it; only the root may have one');
    }
    if (ANNOTATIONS.has(keyword) || SUPPORTED.has(keyword)) continue;
    throw new UnsupportedSchemaError(keyword, pointer, 'this keyword is not supported in structured output');
  }
  if (schema.uniqueItems === true) {
    throw new UnsupportedSchemaError('uniqueItems', pointer, 'a grammar cannot keep array items distinct');
  }
}

/** The types a schema admits: its `type`, else those its keywords imply; [] means any value. */
export function typesOf(schema: SchemaObject, pointer: string): JsonType[] {
  const { type } = schema;
  if (type === undefined) return TYPE_KEYWORDS.filter(([, keys]) => keys.some((key) => key in schema)).map(([t]) => t);
  const types = Array.isArray(type) ? type : [type];
  types.forEach((t: unknown, i) => {
    if (!JSON_TYPES.includes(t as JsonType)) {
      throw new UnsupportedSchemaError('type', pointer, `${JSON.stringify(t)} (at index ${i}) is not a JSON type`);
    }
  });
  if (types.length === 0) throw new UnsupportedSchemaError('type', pointer, 'an empty type list admits no value');
  return [...new Set(types as JsonType[])];
}

/** Whether a JSON value is of JSON Schema type `type` (an integer is also a number). */
export function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'null': return value === null;
    case 'array': return Array.isArray(value);
    case 'object': return isSchemaObject(value);
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    default: return typeof value === type;
  }
}
