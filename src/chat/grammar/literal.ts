/**
 * @module chat/grammar/literal
 * Spelling terminals in llama.cpp's GBNF: quoted literals and character classes, escaped so its
 * parser (llama-grammar.cpp `parse_char`) reads back exactly the code points meant.
 */

/** A code-point range, both ends included. */
export type CodeRange = readonly [number, number];

const LITERAL_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `"text"`: matches `text` exactly. */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out += LITERAL_ESCAPES[ch] ?? (cp < 0x20 || cp === 0x7f ? hexEscape(cp) : ch);
  }
  return `${out}"`;
}

/** The literal of a JSON value in its compact JSON spelling (what `const` and `enum` allow). */
export function jsonLiteral(value: unknown): string {
  return gbnfLiteral(JSON.stringify(value));
}

/**
 * A choice among literal texts, written as a trie: each shared prefix once, then the ways it goes on.
 * llama.cpp's grammar sampler keeps one parse stack per alternative it might be in and checks every
 * vocabulary token against each, at every step; `("a" | "b" | …)` over a thousand values made each step
 * of that request (and so of every request batched with it) hundreds of milliseconds slower, while the
 * trie keeps only as many stacks as there are distinct next characters. Built from the sorted texts,
 * where each group sharing a next character is a contiguous run.
 */
export function literalChoice(texts: readonly string[]): string {
  return choiceFrom([...new Set(texts)].sort(), 0);
}

/** The alternatives of sorted, distinct `texts`, which all share their first `from` code units. */
function choiceFrom(texts: readonly string[], from: number): string {
  const alternatives: string[] = [];
  for (let i = 0; i < texts.length; ) {
    const next = texts[i].codePointAt(from);
    let j = i + 1;
    while (j < texts.length && texts[j].codePointAt(from) === next) j++;
    // Sorted, so the first and last of the group share what all of it shares.
    const first = texts[i];
    const last = texts[j - 1];
    let end = from;
    while (end < first.length && first.charCodeAt(end) === last.charCodeAt(end)) end++;
    // Never end between the two halves of a surrogate pair (the group's first code point is whole).
    if (end < first.length && isHighSurrogate(first.charCodeAt(end - 1))) end--;
    const run = gbnfLiteral(first.slice(from, end));
    // The text that is the shared prefix itself, if any, sorts first.
    const isEnd = first.length === end;
    const rest = texts.slice(isEnd ? i + 1 : i, j);
    if (rest.length === 0) alternatives.push(run);
    else alternatives.push(`${run} ${isEnd ? `(${choiceFrom(rest, end)})?` : choiceFrom(rest, end)}`);
    i = j;
  }
  return alternatives.length === 1 ? alternatives[0] : `(${alternatives.join(' | ')})`;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** `[...]` (or `[^...]`) over code-point ranges. */
export function charClass(ranges: readonly CodeRange[], negated = false): string {
  const body = ranges.map(([lo, hi]) => (lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`)).join('');
  return `[${negated ? '^' : ''}${body}]`;
}

// Characters that mean something inside a class are written as hex escapes: `parse_char` has no `\^`.
function classChar(cp: number): string {
  const isPlain = cp >= 0x20 && cp < 0x7f && !'\\]-[^"'.includes(String.fromCodePoint(cp));
  return isPlain ? String.fromCodePoint(cp) : hexEscape(cp);
}

function hexEscape(cp: number): string {
  const hex = cp.toString(16).toUpperCase();
  if (cp < 0x100) return `\\x${hex.padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}
