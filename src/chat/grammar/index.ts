/**
 * @module chat/grammar
 * GBNF grammars for llama.cpp's grammar sampler that make a model's output a JSON value: any object
 * (`response_format: json_object`) or one matching a JSON Schema (`json_schema`, strict or not).
 * The root rule ends where the value ends, so the sampler allows only end-of-generation after it.
 * Sample with `grammar: { text, root: 'root' }`.
 */
import { SchemaConverter } from './converter.ts';
import { addPrimitive } from './primitives.ts';
import { RuleSet } from './rules.ts';

export { UnsupportedSchemaError } from './errors.ts';

export interface SchemaGrammarOptions {
  /** OpenAI's strict mode: every object closed, with all its listed properties required, in order. */
  readonly strict: boolean;
}

/** Any JSON object: DeepSeek's JSON mode answers with an object. */
export function jsonGrammar(): string {
  const rules = new RuleSet();
  addPrimitive(rules, 'object', 'root');
  return rules.toString();
}

/** A grammar admitting only JSON text that `schema` accepts. Throws UnsupportedSchemaError. */
export function schemaToGrammar(schema: unknown, options: SchemaGrammarOptions): string {
  const converter = new SchemaConverter(schema, options.strict);
  converter.visit(schema, '', '');
  return converter.rules.toString();
}
export { toolCallGrammar, type GrammarTool } from './tool-call.ts';
