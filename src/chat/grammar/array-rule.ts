/**
 * @module chat/grammar/array-rule
 * An array schema as one rule: the `prefixItems` (or draft-07 array-form `items`) in order, then
 * `items` for the rest, within minItems..maxItems. Without a schema for the rest, a tuple is closed
 * after its prefix (padded with any values only as far as minItems demands): fewer arrays than the
 * schema admits, never more.
 */
import { childPointer, UnsupportedSchemaError } from './errors.ts';
import type { SchemaObject } from './keywords.ts';
import { addPrimitive } from './primitives.ts';
import { repeat, separated } from './repetition.ts';
import { readArray, readCounts, subName, type Visitor } from './schema-access.ts';

export function buildArrayRule(visitor: Visitor, schema: SchemaObject, name: string, pointer: string): string {
  const [minItems, maxItems] = readCounts(schema, 'minItems', 'maxItems', pointer);
  const isTupleItems = Array.isArray(schema.items);
  if (isTupleItems && 'prefixItems' in schema) {
    throw new UnsupportedSchemaError('items', pointer, 'an array of schemas cannot be combined with prefixItems');
  }
  const prefixKeyword = isTupleItems ? 'items' : 'prefixItems';
  const prefix = readArray(schema, prefixKeyword, pointer) ?? [];
  const rest = isTupleItems ? undefined : schema.items;

  const numPrefix = Math.min(prefix.length, maxItems);
  const prefixRules = prefix.slice(0, numPrefix).map((item, i) =>
    visitor.visit(item, subName(name, `tuple-${i}`), childPointer(childPointer(pointer, prefixKeyword), i)));
  const restMin = Math.max(0, minItems - numPrefix);
  let restMax = maxItems - numPrefix;
  if (rest === false || (rest === undefined && prefix.length > 0)) restMax = rest === false ? 0 : restMin;
  if (restMin > restMax) throw new UnsupportedSchemaError('minItems', pointer, `needs ${minItems} items but "items": false allows ${numPrefix}`);

  const itemRule = restMax === 0 ? ''
    : rest === undefined || rest === true ? addPrimitive(visitor.rules, 'value')
    : visitor.visit(rest, subName(name, 'item'), childPointer(pointer, 'items'));
  const separator = '"," space';
  const elements = prefixRules.length === 0
    ? separated(visitor.rules, subName(name, 'item'), itemRule, separator, restMin, restMax)
    : [prefixRules.join(` ${separator} `), repeat(visitor.rules, subName(name, 'item'), `( ${separator} ${itemRule} )`, restMin, restMax)].filter(Boolean).join(' ');
  return elements ? `"[" space ${elements} space "]"` : '"[" space "]"';
}
