/**
 * @module chat/grammar/integer-range
 * GBNF for the integers in [lo, hi], digit by digit (the classic regex range construction, as
 * llama.cpp's build_min_max_int does). One-sided bounds are closed at ±INTEGER_LIMIT, the
 * limit the unbounded `integer` primitive has anyway, so every alternative has a bounded length.
 */

/** The largest magnitude the grammar lets an integer reach: 15 digits, below 2^53. */
export const INTEGER_LIMIT = 10 ** 15 - 1;

/** Alternatives matching exactly the decimal spellings (no leading zeros, no `-0`) of lo..hi. */
export function integerRange(lo: number, hi: number): string {
  const alternatives: string[] = [];
  if (lo < 0) alternatives.push(`"-" ${group(nonNegative(hi < 0 ? -hi : 1, -lo))}`);
  if (hi >= 0) alternatives.push(nonNegative(Math.max(lo, 0), hi));
  return alternatives.join(' | ');
}

function nonNegative(lo: number, hi: number): string {
  const alternatives: string[] = [];
  for (let length = String(lo).length; length <= String(hi).length; length++) {
    const from = length === String(lo).length ? lo : 10 ** (length - 1);
    const to = length === String(hi).length ? hi : 10 ** length - 1;
    alternatives.push(sameLength(String(from), String(to)));
  }
  return alternatives.join(' | ');
}

/** Digit strings of one length from `from` to `to`; inner positions may hold zeros. */
function sameLength(from: string, to: string): string {
  let common = 0;
  while (common < from.length && from[common] === to[common]) common++;
  const prefix = common > 0 ? `"${from.slice(0, common)}"` : '';
  if (common === from.length) return prefix;
  const [low, high] = [Number(from[common]), Number(to[common])];
  const tailLength = from.length - common - 1;
  let rest: string;
  if (tailLength === 0) {
    rest = digits(low, high);
  } else {
    const [lowTail, highTail] = [from.slice(common + 1), to.slice(common + 1)];
    const isLowTailZeros = lowTail === '0'.repeat(tailLength);
    const isHighTailNines = highTail === '9'.repeat(tailLength);
    const parts: string[] = [];
    if (!isLowTailZeros) parts.push(`${digits(low, low)} ${group(sameLength(lowTail, '9'.repeat(tailLength)))}`);
    const [middleLow, middleHigh] = [isLowTailZeros ? low : low + 1, isHighTailNines ? high : high - 1];
    if (middleLow <= middleHigh) parts.push(`${digits(middleLow, middleHigh)} [0-9]${tailLength > 1 ? `{${tailLength}}` : ''}`);
    if (!isHighTailNines) parts.push(`${digits(high, high)} ${group(sameLength('0'.repeat(tailLength), highTail))}`);
    rest = parts.join(' | ');
  }
  return prefix ? `${prefix} ${group(rest)}` : rest;
}

function digits(low: number, high: number): string {
  return low === high ? `[${low}]` : `[${low}-${high}]`;
}

function group(body: string): string {
  return body.includes('|') ? `(${body})` : body;
}
