/**
 * @module chat/grammar/pattern
 * A string schema's `pattern` as a GBNF rule over the string's JSON spelling. llama.cpp's converter
 * copies regex characters into the grammar as they are, so a pattern allowing `"`, `\` or a newline
 * lets the model end or break the JSON string; here every character is spelled as JSON requires.
 * Unanchored ends admit any characters, as ECMAScript's search semantics do.
 */
import { jsonCharAlternatives } from './char-set.ts';
import { gbnfLiteral } from './literal.ts';
import { parsePattern, PatternError, type PatternNode } from './pattern-parser.ts';
import { addPrimitive } from './primitives.ts';
import { repeat } from './repetition.ts';
import type { RuleSet } from './rules.ts';

/** Adds the rule for a JSON string matching `pattern` and returns its name. Throws PatternError. */
export function addPatternRule(rules: RuleSet, name: string, pattern: string): string {
  const emitter = new Emitter(rules, name);
  const branches = parsePattern(pattern).map((branch) => {
    const anyChars = () => `${addPrimitive(rules, 'char')}*`;
    const parts = [branch.isAnchoredAtStart ? '' : anyChars(), emitter.sequence(branch.nodes), branch.isAnchoredAtEnd ? '' : anyChars()];
    return parts.filter(Boolean).join(' ') || '""';
  });
  return rules.add(name, `"\\"" (${branches.join(' | ')}) "\\""`);
}

class Emitter {
  readonly #rules: RuleSet;
  readonly #name: string;
  #numSubRules = 0;

  constructor(rules: RuleSet, name: string) {
    this.#rules = rules;
    this.#name = name;
  }

  /** Nodes in order; runs of single characters become one literal. */
  sequence(nodes: readonly PatternNode[]): string {
    const parts: string[] = [];
    let literal = '';
    for (const node of nodes) {
      const char = singleChar(node);
      if (char !== null) {
        literal += char;
        continue;
      }
      if (literal) parts.push(gbnfLiteral(jsonSpelling(literal)));
      literal = '';
      parts.push(this.#node(node));
    }
    if (literal) parts.push(gbnfLiteral(jsonSpelling(literal)));
    return parts.join(' ');
  }

  #node(node: PatternNode): string {
    switch (node.kind) {
      case 'chars': {
        const alternatives = jsonCharAlternatives(node.set);
        if (alternatives.length === 0) throw new PatternError('a character class matches no character a JSON string can carry');
        return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' | ')})`;
      }
      case 'group':
        return `(${node.alternatives.map((nodes) => this.sequence(nodes) || '""').join(' | ')})`;
      case 'repeat': {
        let item = singleChar(node.node) !== null ? gbnfLiteral(jsonSpelling(singleChar(node.node) as string)) : this.#node(node.node);
        // A counted group goes into its own rule: llama.cpp caps the rules a repetition of a group may expand into.
        if (node.node.kind === 'group' && node.max !== Infinity && node.max > 1) {
          item = this.#rules.add(`${this.#name}-${++this.#numSubRules}`, item);
        }
        return repeat(this.#rules, `${this.#name}-${++this.#numSubRules}`, item, node.min, node.max) || '""';
      }
    }
  }
}

function singleChar(node: PatternNode): string | null {
  if (node.kind !== 'chars' || node.set.length !== 1 || node.set[0][0] !== node.set[0][1]) return null;
  return String.fromCodePoint(node.set[0][0]);
}

/** How `text` is written between the quotes of a JSON string. */
function jsonSpelling(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
