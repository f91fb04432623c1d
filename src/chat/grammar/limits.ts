/**
 * @module chat/grammar/limits
 * The size a JSON Schema may have before it is turned into a grammar. Compiling a schema costs time
 * that grows with it (faster than linearly for objects with many optional properties), and so does
 * parsing the grammar in llama.cpp: a 0.8 MB enum of 60,000 values once stalled every request for 30 s.
 * These bounds keep both short; a schema past one is refused with a 422 naming it. Documented in the
 * README ("Structured output limits").
 */
import { childPointer, UnsupportedSchemaError } from './errors.ts';

export const SCHEMA_LIMITS = {
  /** Objects and arrays nested in one another. */
  maxDepth: 32,
  /** Values of any kind (objects, arrays, strings, numbers…) in all. */
  maxValues: 20_000,
  /** Properties of one object schema (`properties`, `patternProperties`, `$defs`…). */
  maxKeysPerObject: 256,
  /** Characters of every string and key together (enum values, property names, patterns…). */
  maxTextChars: 100_000,
} as const;

/**
 * Throws UnsupportedSchemaError at the first bound `schema` exceeds; walks without recursion. Values are
 * counted as their container is opened, so an oversized array or object is refused before its items
 * are visited: the check itself costs at most a bounded walk.
 */
export function checkSchemaLimits(schema: unknown): void {
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [{ value: schema, pointer: '', depth: 0 }];
  let numValues = 1;
  let numChars = 0;
  const overText = (pointer: string) => new UnsupportedSchemaError('size', pointer, `the schema's strings together exceed ${SCHEMA_LIMITS.maxTextChars} characters`);
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop() as (typeof stack)[number];
    if (typeof value === 'string') {
      numChars += value.length;
      if (numChars > SCHEMA_LIMITS.maxTextChars) throw overText(pointer);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= SCHEMA_LIMITS.maxDepth) throw new UnsupportedSchemaError('nesting', pointer, `the schema nests more than ${SCHEMA_LIMITS.maxDepth} levels deep`);
    const keys = Array.isArray(value) ? null : Object.keys(value);
    const numItems = keys ? keys.length : (value as unknown[]).length;
    if (keys && numItems > SCHEMA_LIMITS.maxKeysPerObject) {
      throw new UnsupportedSchemaError('size', pointer, `an object in the schema has more than ${SCHEMA_LIMITS.maxKeysPerObject} keys`);
    }
    numValues += numItems;
    if (numValues > SCHEMA_LIMITS.maxValues) throw new UnsupportedSchemaError('size', pointer, `the schema has more than ${SCHEMA_LIMITS.maxValues} values in all`);
    for (let i = 0; i < numItems; i++) {
      const key = keys ? keys[i] : String(i);
      if (keys) {
        numChars += key.length;
        if (numChars > SCHEMA_LIMITS.maxTextChars) throw overText(pointer);
      }
      stack.push({ value: (value as Record<string, unknown>)[key], pointer: childPointer(pointer, key), depth: depth + 1 });
    }
  }
}
