/**
 * @module chat/grammar/not-strings
 * A JSON string that is none of the given ones (the keys of additional properties must not repeat a
 * listed property), as llama.cpp's `_not_strings` builds it: a trie of the names, where each node
 * either follows an edge or leaves the trie with a character no edge takes. Three fixes on the way:
 * the trie walks JSON spellings (an escape such as `\"` is one edge, never split by a way out), and a
 * way out starts with a plain character, never `\`, so it cannot open a malformed escape; that
 * character comes from listed ranges, for the reason `char`'s do (see primitives); and a proper prefix
 * of a name may end the string (llama.cpp's trie refuses "i" when "id" is listed).
 */
import { complement, normalize } from './char-set.ts';
import { charClass, gbnfLiteral, type CodeRange } from './literal.ts';
import { addPrimitive } from './primitives.ts';
import type { RuleSet } from './rules.ts';

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  isEnd: boolean;
}

// Never the first character of a way out: the quote, the escape character, and what `char` excludes.
const NOT_LEAVING: readonly CodeRange[] = [[0x00, 0x1f], [0x22, 0x22], [0x5c, 0x5c], [0x7f, 0x7f]];

/** GBNF (a rule body) for a JSON string, quotes included, equal to none of `strings`. */
export function notStrings(rules: RuleSet, strings: readonly string[]): string {
  const char = addPrimitive(rules, 'char');
  const root: TrieNode = { children: new Map(), isEnd: false };
  for (const text of strings) {
    let node = root;
    for (const unit of jsonUnits(text)) {
      let child = node.children.get(unit);
      if (!child) node.children.set(unit, (child = { children: new Map(), isEnd: false }));
      node = child;
    }
    node.isEnd = true;
  }
  const visit = (node: TrieNode): string => {
    const taken: CodeRange[] = [];
    const alternatives = [...node.children].map(([unit, child]) => {
      const cp = plainCodePoint(unit);
      if (cp !== null) taken.push([cp, cp]);
      const edge = cp === null ? gbnfLiteral(unit) : charClass([[cp, cp]]);
      if (child.children.size === 0) return `${edge} ${char}+`;
      // A proper prefix of a name is a different string: it may end here unless it is a name itself.
      return `${edge} (${visit(child)})${child.isEnd ? '' : '?'}`;
    });
    alternatives.push(`${charClass(complement(normalize([...NOT_LEAVING, ...taken])))} ${char}*`);
    return alternatives.join(' | ');
  };
  return `"\\"" ( ${visit(root)} )${root.isEnd ? '' : '?'} "\\""`;
}

/** The characters of `text` as written in JSON: plain ones, or whole escapes. */
function jsonUnits(text: string): string[] {
  return Array.from(text, (ch) => JSON.stringify(ch).slice(1, -1));
}

/** The code point of a one-character unit; null for an escape. */
function plainCodePoint(unit: string): number | null {
  const chars = Array.from(unit);
  return chars.length === 1 ? (chars[0].codePointAt(0) as number) : null;
}
