/**
 * @module chat/grammar/char-set
 * Sets of code points, for the character classes of `pattern`, and how a character of such a set is
 * spelled inside a JSON string: most raw, `"` and `\` and some controls only as escapes.
 */
import { charClass, gbnfLiteral, type CodeRange } from './literal.ts';

/** Sorted, disjoint, non-adjacent ranges. */
export type CharSet = readonly CodeRange[];

const MAX_CODE_POINT = 0x10ffff;
// UTF-8 cannot carry surrogates, so no set ever holds them.
const SURROGATES: CharSet = [[0xd800, 0xdfff]];

export const DIGIT: CharSet = [[0x30, 0x39]];
export const WORD: CharSet = normalize([[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]);
/** ECMAScript's \s: WhiteSpace and LineTerminator. */
export const SPACE: CharSet = normalize([
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a],
  [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
]);
/** What ECMAScript's `.` matches: anything but a line terminator. */
export const DOT: CharSet = complement([[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]]);

export function normalize(ranges: readonly CodeRange[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = merged.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return merged;
}

export function complement(set: CharSet): CharSet {
  const out: CodeRange[] = [];
  let next = 0;
  for (const [lo, hi] of normalize([...set, ...SURROGATES])) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function minus(a: CharSet, b: CharSet): CharSet {
  const keep = complement(b);
  const out: CodeRange[] = [];
  for (const [lo, hi] of a) {
    for (const [klo, khi] of keep) {
      const [from, to] = [Math.max(lo, klo), Math.min(hi, khi)];
      if (from <= to) out.push([from, to]);
    }
  }
  return normalize(out);
}

function has(set: CharSet, cp: number): boolean {
  return set.some(([lo, hi]) => lo <= cp && cp <= hi);
}

/** Characters a JSON string may not hold raw; `char` (see primitives) also keeps DEL out. */
const NOT_RAW: CharSet = normalize([[0x00, 0x1f], [0x22, 0x22], [0x5c, 0x5c], [0x7f, 0x7f]]);
const ESCAPES: ReadonlyArray<readonly [number, string]> = [
  [0x22, '\\"'], [0x5c, '\\\\'], [0x08, '\\b'], [0x0c, '\\f'], [0x0a, '\\n'], [0x0d, '\\r'], [0x09, '\\t'],
];

/**
 * GBNF alternatives that spell one character of `set` inside a JSON string. Controls without a
 * short escape (and DEL) are left out: the grammar may admit fewer strings, never a wrong one.
 */
export function jsonCharAlternatives(set: CharSet): string[] {
  const raw = minus(set, NOT_RAW);
  const escaped = ESCAPES.filter(([cp]) => has(set, cp)).map(([, spelling]) => gbnfLiteral(spelling));
  return raw.length > 0 ? [charClass(raw), ...escaped] : escaped;
}
