/**
 * @module chat/grammar/all-of
 * Folds `allOf` (and the keywords beside it) into one schema with the same meaning, so the converter
 * sees a single object, string or array. Referenced components are inlined. Where two components
 * constrain the same thing, the result is the stricter of the two (or an `allOf` of the two
 * subschemas, merged again when visited); what cannot be intersected (two patterns) is refused.
 */
import { childPointer, UnsupportedSchemaError } from './errors.ts';
import { checkKeywords, isAnnotation, isSchemaObject, typesOf, type JsonType, type SchemaObject } from './keywords.ts';
import { resolveRef } from './refs.ts';

const TAKE_LARGEST = new Set(['minLength', 'minItems', 'minimum', 'exclusiveMinimum']);
const TAKE_SMALLEST = new Set(['maxLength', 'maxItems', 'maximum', 'exclusiveMaximum']);

export function mergeAllOf(root: unknown, schema: SchemaObject, pointer: string): SchemaObject {
  const components = flatten(root, schema, pointer, new Set());
  const merged: SchemaObject = {};
  for (const component of components) {
    for (const [keyword, value] of Object.entries(component)) {
      if (isAnnotation(keyword)) continue;
      merged[keyword] = keyword in merged ? combine(keyword, merged[keyword], value, pointer) : value;
    }
  }
  applyAdditionalProperties(components, merged, pointer);
  if (components.some((c) => 'type' in c)) merged.type = intersectTypes(components, pointer);
  return merged;
}

/** The schemas whose conjunction `schema` is, with allOf and $ref expanded (boolean `true` dropped). */
function flatten(root: unknown, schema: unknown, pointer: string, inlinedRefs: Set<string>): SchemaObject[] {
  if (schema === true) return [];
  if (!isSchemaObject(schema)) throw new UnsupportedSchemaError('allOf', pointer, 'a component admits no value or is not a schema');
  checkKeywords(schema, pointer);
  const { allOf, $ref, ...rest } = schema;
  const out: SchemaObject[] = [rest];
  if ($ref !== undefined) {
    if (inlinedRefs.has(String($ref))) throw new UnsupportedSchemaError('$ref', pointer, `allOf includes ${String($ref)} within itself`);
    const target = resolveRef(root, $ref, pointer);
    out.push(...flatten(root, target.schema, target.pointer, new Set([...inlinedRefs, String($ref)])));
  }
  if (allOf !== undefined) {
    if (!Array.isArray(allOf) || allOf.length === 0) throw new UnsupportedSchemaError('allOf', pointer, 'must be a non-empty array');
    allOf.forEach((component, i) => out.push(...flatten(root, component, childPointer(childPointer(pointer, 'allOf'), i), inlinedRefs)));
  }
  return out;
}

function combine(keyword: string, a: unknown, b: unknown, pointer: string): unknown {
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  if (TAKE_LARGEST.has(keyword) && typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
  if (TAKE_SMALLEST.has(keyword) && typeof a === 'number' && typeof b === 'number') return Math.min(a, b);
  switch (keyword) {
    case 'type':
      return a; // intersected over all components afterwards
    case 'required':
      return [...new Set([...asArray(a), ...asArray(b)])];
    case 'properties': {
      // A Map and fromEntries keep a property named `__proto__` an ordinary key.
      const out = new Map(Object.entries(a as SchemaObject));
      for (const [key, schema] of Object.entries(b as SchemaObject)) out.set(key, out.has(key) ? both(out.get(key), schema) : schema);
      return Object.fromEntries(out);
    }
    case 'items':
    case 'additionalProperties':
      return both(a, b);
    case 'enum':
      return asArray(a).filter((x) => asArray(b).some((y) => JSON.stringify(x) === JSON.stringify(y)));
    default:
      throw new UnsupportedSchemaError(keyword, pointer, 'allOf components give it different values, which a grammar cannot intersect');
  }
}

/**
 * `additionalProperties` in one component governs every property the others add and it does not
 * list: such a property must also match it, or (when it is false) cannot appear at all.
 */
function applyAdditionalProperties(components: SchemaObject[], merged: SchemaObject, pointer: string): void {
  if (!isSchemaObject(merged.properties)) return;
  const properties = new Map(Object.entries(merged.properties));
  for (const component of components) {
    const { additionalProperties } = component;
    if (additionalProperties === undefined || additionalProperties === true) continue;
    const listed = isSchemaObject(component.properties) ? component.properties : {};
    for (const [key, schema] of properties) {
      if (Object.hasOwn(listed, key)) continue;
      if (additionalProperties !== false) {
        properties.set(key, both(schema, additionalProperties));
      } else if (asArray(merged.required).includes(key)) {
        throw new UnsupportedSchemaError('additionalProperties', pointer, `an allOf component forbids the required property "${key}"`);
      } else {
        properties.delete(key);
      }
    }
  }
  merged.properties = Object.fromEntries(properties);
}

function intersectTypes(components: SchemaObject[], pointer: string): JsonType | JsonType[] {
  let types: JsonType[] | null = null;
  for (const component of components) {
    if (!('type' in component)) continue;
    const next = typesOf(component, pointer);
    types = types === null ? next : types.flatMap((t) => meet(t, next));
  }
  const unique = [...new Set(types ?? [])];
  if (unique.length === 0) throw new UnsupportedSchemaError('type', pointer, 'allOf components allow no common type');
  return unique.length === 1 ? unique[0] : unique;
}

/** `type` ∩ `others`, where integer is a subtype of number. */
function meet(type: JsonType, others: JsonType[]): JsonType[] {
  if (others.includes(type)) return [type];
  if (type === 'number' && others.includes('integer')) return ['integer'];
  if (type === 'integer' && others.includes('number')) return ['integer'];
  return [];
}

function both(a: unknown, b: unknown): unknown {
  if (a === false || b === false) return false;
  if (a === true || JSON.stringify(a) === JSON.stringify(b)) return b;
  if (b === true) return a;
  return { allOf: [a, b] };
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
