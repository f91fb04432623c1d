/**
 * @module chat/grammar/object-rule
 * An object schema as one rule, after llama.cpp's `_build_object_rule`: required properties first,
 * in schema order; then the optional ones, any subset but in order (each `-rest` rule offers the
 * ones after it); then additional properties, whose keys can never repeat a listed one. A missing
 * `additionalProperties` closes an object that lists or requires properties, as llama.cpp does: the
 * grammar then admits fewer objects than the schema, never more. Strict mode closes every object and
 * requires every property.
 */
import { childPointer, UnsupportedSchemaError } from './errors.ts';
import { jsonLiteral } from './literal.ts';
import type { SchemaObject } from './keywords.ts';
import { notStrings } from './not-strings.ts';
import { addPrimitive } from './primitives.ts';
import { readSchemaMap, readStrings, subName, type Visitor } from './schema-access.ts';

interface Member {
  /** The rule for one `"key": value` pair. */
  readonly kvRule: string;
  /** The part of rule names that stands for this member. */
  readonly part: string;
  /** Additional properties may repeat; a listed property appears at most once. */
  readonly isRepeated: boolean;
}

export function buildObjectRule(visitor: Visitor, schema: SchemaObject, name: string, pointer: string): string {
  const properties = readSchemaMap(schema, 'properties', pointer);
  const listed = Object.keys(properties);
  const requiredNames = visitor.isStrict ? [...listed] : readStrings(schema, 'required', pointer);
  const additional = visitor.isStrict ? false : schema.additionalProperties ?? (listed.length === 0 && requiredNames.length === 0);
  if (typeof additional !== 'boolean' && typeof additional !== 'object') {
    throw new UnsupportedSchemaError('additionalProperties', pointer, 'must be a boolean or a schema');
  }
  const entries: Array<[string, unknown, string]> = listed.map((key) => [key, properties[key], childPointer(childPointer(pointer, 'properties'), key)]);
  for (const key of requiredNames.filter((k) => !Object.hasOwn(properties, k))) {
    if (additional === false && schema.additionalProperties === false) {
      throw new UnsupportedSchemaError('required', pointer, `"${key}" is required, but it is not a listed property and additionalProperties is false`);
    }
    // A required name the schema does not list takes whatever additional properties may hold.
    entries.push([key, additional === false ? true : additional, childPointer(pointer, 'required')]);
  }

  const required: Member[] = [];
  const optional: Member[] = [];
  for (const [key, propertySchema, propertyPointer] of entries) {
    const valueRule = visitor.visit(propertySchema, subName(name, key), propertyPointer);
    const kvRule = visitor.rules.add(`${subName(name, key)}-kv`, `${jsonLiteral(key)} space ":" space ${valueRule}`);
    (requiredNames.includes(key) ? required : optional).push({ kvRule, part: key, isRepeated: false });
  }
  if (additional !== false) {
    const part = 'additional';
    const valueRule = additional === true
      ? addPrimitive(visitor.rules, 'value')
      : visitor.visit(additional, `${subName(name, part)}-value`, childPointer(pointer, 'additionalProperties'));
    const names = entries.map(([key]) => key);
    const keyRule = names.length === 0 ? addPrimitive(visitor.rules, 'string') : visitor.rules.add(`${subName(name, part)}-k`, notStrings(visitor.rules, names));
    const kvRule = visitor.rules.add(`${subName(name, part)}-kv`, `${keyRule} space ":" space ${valueRule}`);
    optional.push({ kvRule, part, isRepeated: true });
  }
  return objectBody(visitor, name, required, optional);
}

function objectBody(visitor: Visitor, name: string, required: Member[], optional: Member[]): string {
  if (required.length === 0 && optional.length === 0) return '"{" space "}"';
  const parts = ['"{" space', required.map((m) => m.kvRule).join(' "," space ')];
  if (optional.length > 0) {
    const choices = optional.map((_, i) => optionalChain(visitor, name, optional.slice(i), false)).join(' | ');
    parts.push(required.length > 0 ? `( "," space ( ${choices} ) )?` : `( ${choices} )?`);
  }
  return [...parts, 'space "}"'].filter(Boolean).join(' ');
}

/** The first member (optional itself when `isFirstOptional`), then any of the later ones, in order. */
function optionalChain(visitor: Visitor, name: string, members: Member[], isFirstOptional: boolean): string {
  const [first, ...later] = members;
  const withComma = `( "," space ${first.kvRule} )`;
  let chain = isFirstOptional
    ? `${withComma}${first.isRepeated ? '*' : '?'}`
    : `${first.kvRule}${first.isRepeated ? ` ${withComma}*` : ''}`;
  if (later.length > 0) chain += ` ${visitor.rules.add(`${subName(name, first.part)}-rest`, optionalChain(visitor, name, later, true))}`;
  return chain;
}
