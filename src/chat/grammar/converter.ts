/**
 * @module chat/grammar/converter
 * JSON Schema to GBNF, after llama.cpp's common_schema_converter: one visit per subschema, each
 * returning the name of the rule that matches exactly the JSON text of its values (or a subset of
 * them, never a value outside). Rules are named after the path to them (`items-name-kv`), `$ref`
 * targets after their pointer (`ref-defs-Node`), which is also what makes recursion work.
 */
import { mergeAllOf } from './all-of.ts';
import { buildArrayRule } from './array-rule.ts';
import { constantValues } from './constants.ts';
import { childPointer, UnsupportedSchemaError } from './errors.ts';
import { checkKeywords, isAnnotation, isSchemaObject, typesOf, type SchemaObject } from './keywords.ts';
import { literalChoice } from './literal.ts';
import { buildObjectRule } from './object-rule.ts';
import { addPrimitive, isReservedName } from './primitives.ts';
import { resolveRef } from './refs.ts';
import { ruleName, RuleSet } from './rules.ts';
import { buildIntegerRule, buildNumberRule, buildStringRule, primitiveRule } from './scalar-rules.ts';
import { readArray, type Visitor } from './schema-access.ts';

const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties'];
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'minItems', 'maxItems'];

export class SchemaConverter implements Visitor {
  readonly rules = new RuleSet();
  readonly isStrict: boolean;
  readonly #root: unknown;
  /** Rule of each `$ref` target by pointer, set before its visit so that recursion finds it. */
  readonly #refRules = new Map<string, string>([['', 'root']]);
  readonly #refsInProgress = new Set<string>();
  readonly #recursiveRefs = new Set<string>();

  constructor(root: unknown, isStrict: boolean) {
    this.#root = root;
    this.isStrict = isStrict;
    addPrimitive(this.rules, 'space');
  }

  visit(schema: unknown, name: string, pointer: string): string {
    const rule = name === '' ? 'root' : isReservedName(name) ? `${name}-` : name;
    if (schema === true) return primitiveRule(this, 'value', rule);
    if (schema === false) throw new UnsupportedSchemaError('false', pointer, 'this schema admits no value');
    if (!isSchemaObject(schema)) throw new UnsupportedSchemaError('schema', pointer, 'a schema must be an object or a boolean');
    checkKeywords(schema, pointer);
    const constraints = Object.keys(schema).filter((keyword) => !isAnnotation(keyword));
    // Keywords beside $ref constrain the same value (2020-12), exactly as allOf components do.
    if ('allOf' in schema || ('$ref' in schema && constraints.length > 1)) {
      return this.visit(mergeAllOf(this.#root, schema, pointer), name, pointer);
    }
    if ('$ref' in schema) {
      const target = this.#ref(schema.$ref, pointer);
      return rule === 'root' ? this.rules.add('root', target) : target;
    }
    if ('anyOf' in schema || 'oneOf' in schema) return this.#union(schema, name, rule, pointer);
    if ('const' in schema || 'enum' in schema) {
      return this.rules.add(rule, literalChoice(constantValues(schema, pointer).map((value) => JSON.stringify(value))));
    }
    const types = typesOf(schema, pointer);
    if (types.length > 1) {
      return this.rules.add(rule, types.map((type, i) => this.visit({ ...schema, type }, alternativeName(name, i), pointer)).join(' | '));
    }
    const hasAny = (keywords: string[]) => keywords.some((k) => k in schema);
    switch (types[0]) {
      case undefined: return primitiveRule(this, 'value', rule);
      case 'object':
        // Strict mode closes even `{"type": "object"}`: it admits `{}` only.
        if (!this.isStrict && !hasAny(OBJECT_KEYWORDS)) return primitiveRule(this, 'object', rule);
        return this.rules.add(rule, buildObjectRule(this, schema, name, pointer));
      case 'array':
        if (!hasAny(ARRAY_KEYWORDS)) return primitiveRule(this, 'array', rule);
        return this.rules.add(rule, buildArrayRule(this, schema, name, pointer));
      case 'string': return buildStringRule(this, schema, rule, pointer);
      case 'integer': return buildIntegerRule(this, schema, rule, pointer);
      case 'number': return buildNumberRule(this, schema, rule, pointer);
      case 'boolean': return primitiveRule(this, 'boolean', rule);
      case 'null': return primitiveRule(this, 'null', rule);
    }
  }

  #ref(ref: unknown, pointer: string): string {
    const target = resolveRef(this.#root, ref, pointer);
    const known = this.#refRules.get(target.pointer);
    if (known !== undefined) {
      if (this.#refsInProgress.has(target.pointer)) this.#recursiveRefs.add(target.pointer);
      return known;
    }
    let name = ruleName(`ref${target.pointer}`);
    for (let i = 0; this.rules.has(name) || isReservedName(name); i++) name = ruleName(`ref${target.pointer}${i}`);
    this.#refRules.set(target.pointer, name);
    this.#refsInProgress.add(target.pointer);
    const rule = this.visit(target.schema, name, target.pointer);
    this.#refsInProgress.delete(target.pointer);
    if (rule === name) return name;
    if (!this.#recursiveRefs.has(target.pointer)) {
      this.#refRules.set(target.pointer, rule);
      return rule;
    }
    // Recursive references already name `name`: it must be defined, as an alias if need be.
    if (this.rules.add(name, rule) !== name) throw new UnsupportedSchemaError('$ref', pointer, `rule name ${name} is taken`);
    return name;
  }

  /** anyOf/oneOf. oneOf is read as anyOf: a grammar cannot refuse a value for matching two alternatives. */
  #union(schema: SchemaObject, name: string, rule: string, pointer: string): string {
    if ('anyOf' in schema && 'oneOf' in schema) throw new UnsupportedSchemaError('oneOf', pointer, 'cannot be combined with anyOf');
    const keyword = 'anyOf' in schema ? 'anyOf' : 'oneOf';
    const alternatives = readArray(schema, keyword, pointer) ?? [];
    if (alternatives.length === 0) throw new UnsupportedSchemaError(keyword, pointer, 'must list at least one schema');
    const { [keyword]: _, ...rest } = schema;
    // Keywords beside the union constrain every alternative: S ∧ (A ∨ B) = (S ∧ A) ∨ (S ∧ B).
    const hasSiblings = Object.keys(rest).some((k) => !isAnnotation(k));
    const branches = alternatives.map((alternative, i) => this.visit(
      hasSiblings ? { allOf: [rest, alternative] } : alternative,
      alternativeName(name, i),
      childPointer(childPointer(pointer, keyword), i),
    ));
    return this.rules.add(rule, branches.join(' | '));
  }
}

function alternativeName(name: string, index: number): string {
  return name === '' ? `alternative-${index}` : `${name}-${index}`;
}
