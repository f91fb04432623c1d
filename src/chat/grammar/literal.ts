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
