/**
 * @module chat/grammar/number-range
 * GBNF for decimal numbers between whole-number bounds, each inclusive or exclusive: the integer part
 * by digit ranges, the fraction by whether it may, must not, or must be non-zero at a bound. Numbers
 * are kept to 15 significant digits and written without an exponent, so JSON.parse returns exactly
 * the decimal written and compares with the bounds as the grammar did (1.9999999999999999 would
 * parse as 2 and slip past an exclusive maximum of 2).
 */
import { integerRange } from './integer-range.ts';

export interface NumberBound {
  readonly value: number;
  readonly isExclusive: boolean;
}

/** The magnitude a bounded number reaches when the schema leaves one side open. */
export const NUMBER_LIMIT = 10 ** 9 - 1;
const SIGNIFICANT_DIGITS = 15;
const MAX_FRACTION_DIGITS = 6;

/** Alternatives for the numbers in the interval; '' when none lies in it. Bounds are integers. */
export function numberRange(lo: NumberBound, hi: NumberBound): string {
  const intDigits = String(Math.max(Math.abs(lo.value), Math.abs(hi.value))).length;
  const fraction = fractions(Math.min(MAX_FRACTION_DIGITS, SIGNIFICANT_DIGITS - intDigits));
  const alternatives: string[] = [];
  if (hi.value > 0 || (hi.value === 0 && !hi.isExclusive)) {
    alternatives.push(...magnitudes(fraction, Math.max(lo.value, 0), lo.value >= 0 && lo.isExclusive, hi.value, hi.isExclusive));
  }
  if (lo.value < 0) {
    // Below zero the magnitude runs from the upper bound (or just above 0) up to the lower bound.
    const negative = hi.value < 0
      ? magnitudes(fraction, -hi.value, hi.isExclusive, -lo.value, lo.isExclusive)
      : magnitudes(fraction, 0, true, -lo.value, lo.isExclusive);
    if (negative.length > 0) alternatives.push(`"-" (${negative.join(' | ')})`);
  }
  return alternatives.join(' | ');
}

interface Fractions {
  readonly any: string;
  readonly zero: string;
  /** null when no fraction digits are allowed, so nothing lies strictly above an integer. */
  readonly nonZero: string | null;
}

function fractions(numDigits: number): Fractions {
  if (numDigits <= 0) return { any: '', zero: '', nonZero: null };
  return {
    any: ` ("." [0-9]{1,${numDigits}})?`,
    zero: ` ("." [0]{1,${numDigits}})?`,
    nonZero: ` "." ${nonZeroDigits(numDigits)}`,
  };
}

/** 1..numDigits digits, not all zero: a first non-zero digit after some zeros. */
function nonZeroDigits(numDigits: number): string {
  const anyAfter = numDigits > 1 ? ` [0-9]{0,${numDigits - 1}}` : '';
  return numDigits === 1 ? '[1-9]' : `([1-9]${anyAfter} | "0" ${nonZeroDigits(numDigits - 1)})`;
}

/** Non-negative decimals m with lo < m (or <=) and m < hi (or <=). */
function magnitudes(fraction: Fractions, lo: number, isLoExclusive: boolean, hi: number, isHiExclusive: boolean): string[] {
  if (lo > hi || (lo === hi && (isLoExclusive || isHiExclusive))) return [];
  if (lo === hi) return [`"${lo}"${fraction.zero}`];
  const alternatives: string[] = [];
  if (!isLoExclusive) alternatives.push(`"${lo}"${fraction.any}`);
  else if (fraction.nonZero !== null) alternatives.push(`"${lo}"${fraction.nonZero}`);
  if (lo + 1 <= hi - 1) alternatives.push(`(${integerRange(lo + 1, hi - 1)})${fraction.any}`);
  if (!isHiExclusive) alternatives.push(`"${hi}"${fraction.zero}`);
  return alternatives;
}
