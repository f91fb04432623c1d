/**
 * @module chat/grammar/scalar-rules
 * Rules for strings (length, pattern, format), integers and numbers (bounds). An unconstrained one is
 * its primitive; `root` gets the primitive's body, anything else references the primitive by name.
 */
import { UnsupportedSchemaError } from './errors.ts';
import { INTEGER_LIMIT, integerRange } from './integer-range.ts';
import type { SchemaObject } from './keywords.ts';
import { NUMBER_LIMIT, numberRange, type NumberBound } from './number-range.ts';
import { addPatternRule } from './pattern.ts';
import { PatternError } from './pattern-parser.ts';
import { addPrimitive, STRING_FORMATS, type PrimitiveName } from './primitives.ts';
import { repeat } from './repetition.ts';
import { readCounts, type Visitor } from './schema-access.ts';

/** The primitive as rule `name`: root holds its body, other names just reuse the primitive. */
export function primitiveRule(visitor: Visitor, primitive: PrimitiveName, name: string): string {
  return name === 'root' ? addPrimitive(visitor.rules, primitive, 'root') : addPrimitive(visitor.rules, primitive);
}

export function buildStringRule(visitor: Visitor, schema: SchemaObject, name: string, pointer: string): string {
  const { format, pattern } = schema;
  if (format !== undefined && typeof format !== 'string') throw new UnsupportedSchemaError('format', pointer, 'must be a string');
  // Other formats (email, uri...) stay plain strings: JSON Schema makes `format` an annotation unless a
  // validator opts in, and OpenAI's strict mode treats most of them the same way.
  const formatPrimitive = format !== undefined && Object.hasOwn(STRING_FORMATS, format) ? STRING_FORMATS[format] : undefined;
  if (formatPrimitive !== undefined || pattern !== undefined) {
    const owner = formatPrimitive !== undefined ? `format "${format}"` : 'pattern';
    const clash = ['minLength', 'maxLength', ...(formatPrimitive !== undefined ? ['pattern'] : [])].find((k) => k in schema);
    if (clash) throw new UnsupportedSchemaError(clash, pointer, `cannot be combined with ${owner} in one grammar`);
  }
  if (formatPrimitive !== undefined) return primitiveRule(visitor, formatPrimitive, name);
  if (pattern !== undefined) {
    if (typeof pattern !== 'string') throw new UnsupportedSchemaError('pattern', pointer, 'must be a string');
    try {
      return addPatternRule(visitor.rules, name, pattern);
    } catch (error) {
      if (error instanceof PatternError) throw new UnsupportedSchemaError('pattern', pointer, error.message);
      throw error;
    }
  }
  const [minLength, maxLength] = readCounts(schema, 'minLength', 'maxLength', pointer);
  if (minLength === 0 && maxLength === Infinity) return primitiveRule(visitor, 'string', name);
  const chars = repeat(visitor.rules, name, addPrimitive(visitor.rules, 'char'), minLength, maxLength);
  return visitor.rules.add(name, chars ? `"\\"" ${chars} "\\""` : '"\\"" "\\""');
}

export function buildIntegerRule(visitor: Visitor, schema: SchemaObject, name: string, pointer: string): string {
  const bounds = readBounds(schema, pointer, INTEGER_LIMIT);
  if (!bounds) return primitiveRule(visitor, 'integer', name);
  const lo = bounds.lo.isExclusive ? Math.floor(bounds.lo.value) + 1 : Math.ceil(bounds.lo.value);
  const hi = bounds.hi.isExclusive ? Math.ceil(bounds.hi.value) - 1 : Math.floor(bounds.hi.value);
  if (lo > hi) throw new UnsupportedSchemaError(bounds.keyword, pointer, 'no integer of at most 15 digits lies within the bounds');
  return visitor.rules.add(name, `(${integerRange(lo, hi)})`);
}

export function buildNumberRule(visitor: Visitor, schema: SchemaObject, name: string, pointer: string): string {
  const bounds = readBounds(schema, pointer, NUMBER_LIMIT);
  if (!bounds) return primitiveRule(visitor, 'number', name);
  for (const bound of [bounds.lo, bounds.hi]) {
    if (!Number.isInteger(bound.value)) {
      throw new UnsupportedSchemaError(bound.keyword, pointer, 'a number can only be bounded by a whole number (use "type": "integer" for integers)');
    }
  }
  const body = numberRange(bounds.lo, bounds.hi);
  if (!body) throw new UnsupportedSchemaError(bounds.keyword, pointer, 'no number of at most 15 digits lies within the bounds');
  return visitor.rules.add(name, `(${body})`);
}

interface Bound extends NumberBound {
  readonly keyword: string;
}

/**
 * The tighter of minimum/exclusiveMinimum and of maximum/exclusiveMaximum (draft-04's boolean
 * exclusive flags included), with an open side closed at ±limit; undefined when there are none.
 */
function readBounds(schema: SchemaObject, pointer: string, limit: number): { lo: Bound; hi: Bound; keyword: string } | undefined {
  const read = (keyword: string): number | undefined => {
    const value = schema[keyword];
    if (value === undefined || typeof value === 'boolean') return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new UnsupportedSchemaError(keyword, pointer, 'must be a number');
    return value;
  };
  const pick = (inclusive: string, exclusive: string, isLower: boolean): Bound | undefined => {
    const candidates: Bound[] = [];
    const plain = read(inclusive);
    if (plain !== undefined) candidates.push({ value: plain, isExclusive: schema[exclusive] === true, keyword: inclusive });
    const strict = read(exclusive);
    if (strict !== undefined) candidates.push({ value: strict, isExclusive: true, keyword: exclusive });
    const tighter = (a: Bound, b: Bound) => (a.value === b.value ? (a.isExclusive ? a : b) : (a.value > b.value) === isLower ? a : b);
    return candidates.length === 0 ? undefined : candidates.reduce(tighter);
  };
  const lo = pick('minimum', 'exclusiveMinimum', true);
  const hi = pick('maximum', 'exclusiveMaximum', false);
  if (!lo && !hi) return undefined;
  // An open side stops at `limit`, or at the widest the grammar allows when the other bound lies beyond it.
  const open = (sign: number, other: Bound | undefined, keyword: string): Bound => {
    const reach = Math.abs(other?.value ?? 0) < limit ? limit : INTEGER_LIMIT;
    return { value: sign * reach, isExclusive: false, keyword };
  };
  // A bound past what the grammar can write tightens to it on the inside; past it on the outside it stays, and nothing lies between.
  const within = (bound: Bound, sign: number): Bound =>
    sign * bound.value > INTEGER_LIMIT ? { ...bound, value: sign * INTEGER_LIMIT, isExclusive: false } : bound;
  return {
    lo: lo ? within(lo, -1) : open(-1, hi, 'minimum'),
    hi: hi ? within(hi, 1) : open(1, lo, 'maximum'),
    keyword: (lo ?? hi)?.keyword ?? 'minimum',
  };
}
