/**
 * @module chat/grammar/pattern-parser
 * Parses the subset of ECMAScript regular expressions that a grammar can express: literals, `.`,
 * classes (with \d \w \s and their negations), groups, `|`, and the quantifiers `* + ? {m} {m,}
 * {m,n}` (lazy or not: laziness does not change which strings match). Anchors may only open or
 * close a top-level alternative. Lookaround, backreferences and word boundaries are refused.
 */
import { complement, DIGIT, DOT, normalize, SPACE, WORD, type CharSet } from './char-set.ts';

export type PatternNode =
  | { readonly kind: 'chars'; readonly set: CharSet }
  | { readonly kind: 'group'; readonly alternatives: readonly PatternNode[][] }
  | { readonly kind: 'repeat'; readonly node: PatternNode; readonly min: number; readonly max: number };

export interface PatternBranch {
  readonly isAnchoredAtStart: boolean;
  readonly isAnchoredAtEnd: boolean;
  readonly nodes: readonly PatternNode[];
}

export class PatternError extends Error {}

const MAX_DEPTH = 100;
const CLASS_ESCAPES: Record<string, CharSet> = {
  d: DIGIT, D: complement(DIGIT), w: WORD, W: complement(WORD), s: SPACE, S: complement(SPACE),
};
const CHAR_ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b };

/** The top-level alternatives of `pattern`, each with its anchors. Throws PatternError. */
export function parsePattern(pattern: string): PatternBranch[] {
  return new Parser(pattern).parse();
}

class Parser {
  readonly #chars: string[];
  #pos = 0;

  constructor(pattern: string) {
    this.#chars = Array.from(pattern);
  }

  parse(): PatternBranch[] {
    const branches: PatternBranch[] = [];
    for (;;) {
      const isAnchoredAtStart = this.#eat('^');
      const nodes = this.#sequence(0);
      const isAnchoredAtEnd = this.#eat('$');
      branches.push({ isAnchoredAtStart, isAnchoredAtEnd, nodes });
      if (this.#eat('|')) continue;
      if (this.#pos < this.#chars.length) {
        throw new PatternError(this.#peek() === ')' ? 'unbalanced ")"' : `"${this.#peek()}" is only supported at the start or end of the pattern`);
      }
      return branches;
    }
  }

  #sequence(depth: number): PatternNode[] {
    const nodes: PatternNode[] = [];
    while (this.#pos < this.#chars.length) {
      const c = this.#peek();
      if (c === '|' || c === ')' || c === '$' || c === '^') {
        if (c === '$' && depth > 0) throw new PatternError('"$" is only supported at the end of the pattern');
        if (c === '^') throw new PatternError('"^" is only supported at the start of the pattern');
        break;
      }
      if ('*+?{'.includes(c) && this.#quantifier(nodes)) continue;
      nodes.push(this.#atom(depth));
    }
    return nodes;
  }

  #atom(depth: number): PatternNode {
    const c = this.#next();
    if (c === '.') return { kind: 'chars', set: DOT };
    if (c === '[') return { kind: 'chars', set: this.#class() };
    if (c === '\\') return this.#escape(false);
    if (c === '(') return this.#group(depth + 1);
    return { kind: 'chars', set: [[c.codePointAt(0) as number, c.codePointAt(0) as number]] };
  }

  #group(depth: number): PatternNode {
    if (depth > MAX_DEPTH) throw new PatternError('groups nest too deeply');
    if (this.#eat('?')) {
      const isNamed = this.#peek() === '<' && !'=!'.includes(this.#chars[this.#pos + 1] ?? '');
      if (isNamed) {
        while (this.#pos < this.#chars.length && this.#next() !== '>');
      } else if (!this.#eat(':')) {
        throw new PatternError('lookaround assertions and inline flags are not supported');
      }
    }
    const alternatives: PatternNode[][] = [this.#sequence(depth)];
    while (this.#eat('|')) alternatives.push(this.#sequence(depth));
    if (!this.#eat(')')) throw new PatternError('unterminated group');
    return { kind: 'group', alternatives };
  }

  /** Applies a quantifier at the cursor to the last node; false when `{` is a plain character there. */
  #quantifier(nodes: PatternNode[]): boolean {
    const c = this.#peek();
    let min: number;
    let max: number;
    if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.#chars.slice(this.#pos, this.#pos + 24).join(''));
      if (!match) return false;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      if (max < min) throw new PatternError(`${match[0]} has its numbers out of order`);
      this.#pos += match[0].length;
    } else {
      this.#pos++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    }
    const node = nodes.pop();
    if (!node || node.kind === 'repeat') throw new PatternError(`nothing to repeat before "${c}"`);
    this.#eat('?');
    nodes.push({ kind: 'repeat', node, min, max });
    return true;
  }

  #class(): CharSet {
    const isNegated = this.#eat('^');
    const ranges: Array<readonly [number, number]> = [];
    while (!this.#eat(']')) {
      if (this.#pos >= this.#chars.length) throw new PatternError('unterminated character class');
      const lo = this.#classMember();
      if (typeof lo !== 'number') {
        ranges.push(...lo);
        continue;
      }
      if (this.#peek() === '-' && this.#chars[this.#pos + 1] !== ']' && this.#pos + 1 < this.#chars.length) {
        this.#pos++;
        const hi = this.#classMember();
        if (typeof hi !== 'number') throw new PatternError('a class escape cannot end a range');
        if (hi < lo) throw new PatternError('character class range out of order');
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    const set = normalize(ranges);
    return isNegated ? complement(set) : set;
  }

  /** One code point, or a whole set for \d \w \s and their negations. */
  #classMember(): number | CharSet {
    const c = this.#next();
    if (c !== '\\') return c.codePointAt(0) as number;
    if (this.#peek() === 'b') {
      this.#pos++;
      return 0x08;
    }
    const node = this.#escape(true);
    if (node.kind !== 'chars') throw new PatternError('unsupported escape in a character class');
    return node.set.length === 1 && node.set[0][0] === node.set[0][1] ? node.set[0][0] : node.set;
  }

  #escape(isInClass: boolean): PatternNode {
    const c = this.#next();
    if (c === undefined) throw new PatternError('the pattern ends with a lone "\\"');
    const single = (cp: number): PatternNode => ({ kind: 'chars', set: [[cp, cp]] });
    if (CLASS_ESCAPES[c]) return { kind: 'chars', set: CLASS_ESCAPES[c] };
    if (CHAR_ESCAPES[c] !== undefined) return single(CHAR_ESCAPES[c]);
    if (c === '0' && !/[0-9]/.test(this.#peek() ?? '')) return single(0);
    if (c === 'x') return single(this.#hex(2));
    if (c === 'u') {
      if (!this.#eat('{')) return single(this.#hex(4));
      const end = this.#chars.indexOf('}', this.#pos);
      const cp = end < 0 ? NaN : parseInt(this.#chars.slice(this.#pos, end).join(''), 16);
      if (!(cp <= 0x10ffff)) throw new PatternError('invalid \\u{...} escape');
      this.#pos = end + 1;
      return single(cp);
    }
    if (/[0-9A-Za-z]/.test(c)) {
      const what = c === 'b' || c === 'B' ? 'word boundaries' : /[1-9k]/.test(c) ? 'backreferences' : `the escape \\${c}`;
      throw new PatternError(`${what} ${isInClass ? 'in a character class ' : ''}cannot be expressed in a grammar`);
    }
    return single(c.codePointAt(0) as number);
  }

  #hex(numDigits: number): number {
    const digits = this.#chars.slice(this.#pos, this.#pos + numDigits).join('');
    if (!new RegExp(`^[0-9a-fA-F]{${numDigits}}$`).test(digits)) throw new PatternError('invalid hex escape');
    this.#pos += numDigits;
    return parseInt(digits, 16);
  }

  #peek(): string {
    return this.#chars[this.#pos];
  }

  #next(): string {
    return this.#chars[this.#pos++];
  }

  #eat(c: string): boolean {
    if (this.#chars[this.#pos] !== c) return false;
    this.#pos++;
    return true;
  }
}
