/**
 * @module The demo model's synthetic task: arithmetic questions (addition, subtraction, multiplication by
 * one digit, comparison) in symbol and word forms, each with DeepSeek-R1-style reasoning that works the
 * columns digit by digit from the ones place, with explicit carries and borrows, and a one-line answer.
 * Everything is a function of the seed, so training and evaluation sets are reproducible and disjoint by seed.
 */
import { Rng } from '../../src/engine/gguf/prng.ts';

export type ProblemKind = 'add' | 'sub' | 'mul' | 'cmp';
export const PROBLEM_KINDS: readonly ProblemKind[] = ['add', 'sub', 'mul', 'cmp'];

export interface Problem {
  readonly kind: ProblemKind;
  readonly a: number;
  readonly b: number;
  /** The user message. */
  readonly question: string;
  /** What goes between `<think>\n` and `</think>`. */
  readonly reasoning: string;
  /** The reply after `</think>\n\n`: one sentence carrying the answer. */
  readonly answer: string;
  /** The number the answer must state (for comparisons: the larger one, or either when they are equal). */
  readonly expected: number;
}

const PLACES = ['Ones', 'Tens', 'Hundreds', 'Thousands'];

export type KindMix = ReadonlyArray<readonly [ProblemKind, number]>;
/** Shares of 1-, 2- and 3-digit operands. */
export type LengthMix = readonly [number, number, number];

/** Problems drawn with these shares of kinds by default (addition and subtraction are the headline). */
export const DEFAULT_MIX: KindMix = [['add', 0.35], ['sub', 0.35], ['mul', 0.15], ['cmp', 0.15]];
/** Every operand length equally likely: what "numbers up to 3 digits" means for the evaluation. */
export const EVEN_LENGTHS: LengthMix = [1 / 3, 1 / 3, 1 / 3];

export class ProblemSource {
  readonly #rng: Rng;
  readonly #mix: KindMix;
  readonly #lengths: LengthMix;

  constructor(seed: number, mix: KindMix = DEFAULT_MIX, lengths: LengthMix = EVEN_LENGTHS) {
    this.#rng = new Rng(seed);
    this.#mix = mix;
    this.#lengths = lengths;
  }

  next(kind?: ProblemKind): Problem {
    const k = kind ?? this.#kind();
    switch (k) {
      case 'add': return addition(this.#number(), this.#number(), this.#pick(ADD_QUESTIONS));
      case 'sub': return subtraction(this.#number(), this.#number(), this.#pick(SUB_QUESTIONS));
      case 'mul': return multiplication(this.#number(), 2 + this.#int(8), this.#pick(MUL_QUESTIONS));
      case 'cmp': return comparison(...this.#comparisonPair(), this.#pick(CMP_QUESTIONS));
    }
  }

  #kind(): ProblemKind {
    return this.#mix[this.#weighted(this.#mix.map(([, weight]) => weight))][0];
  }

  /** An index drawn with the given shares (summing to 1). */
  #weighted(shares: readonly number[]): number {
    let x = this.#rng.nextFloat();
    for (let i = 0; i < shares.length; i++) if ((x -= shares[i]) < 0) return i;
    return 0;
  }

  #int(n: number): number {
    return Math.floor(this.#rng.nextFloat() * n);
  }

  #pick<T>(list: readonly T[]): T {
    return list[this.#int(list.length)];
  }

  /** 1 to 3 digits, drawn with the source's length shares. */
  #number(): number {
    const digits = 1 + this.#weighted(this.#lengths);
    const low = digits === 1 ? 0 : 10 ** (digits - 1);
    return low + this.#int(10 ** digits - low);
  }

  /** Half the comparisons share a length, so the digit-by-digit rule gets practice; some are equal. */
  #comparisonPair(): [number, number] {
    const a = this.#number();
    const roll = this.#rng.nextFloat();
    if (roll < 0.1) return [a, a];
    if (roll < 0.55) return [a, this.#number()];
    const digits = String(a).length;
    const low = digits === 1 ? 0 : 10 ** (digits - 1);
    return [a, low + this.#int(10 ** digits - low)];
  }
}

type Phrase = (a: number, b: number) => string;

const ADD_QUESTIONS: readonly Phrase[] = [
  (a, b) => `What is ${a} + ${b}?`,
  (a, b) => `${a} + ${b} = ?`,
  (a, b) => `Calculate ${a} + ${b}.`,
  (a, b) => `What is ${a} plus ${b}?`,
  (a, b) => `Add ${a} and ${b}.`,
  (a, b) => `What is the sum of ${a} and ${b}?`,
  (a, b) => `Tom has ${a} apples and buys ${b} more. How many apples does he have now?`,
  (a, b) => `A library has ${a} books and gets ${b} new ones. How many books does it have?`,
];

const SUB_QUESTIONS: readonly Phrase[] = [
  (a, b) => `What is ${a} - ${b}?`,
  (a, b) => `${a} - ${b} = ?`,
  (a, b) => `Calculate ${a} - ${b}.`,
  (a, b) => `What is ${a} minus ${b}?`,
  (a, b) => `Subtract ${b} from ${a}.`,
  (a, b) => `What is the difference ${a} - ${b}?`,
  (a, b) => `Sara had ${a} coins and spent ${b}. How many coins are left?`,
];

const MUL_QUESTIONS: readonly Phrase[] = [
  (a, b) => `What is ${a} * ${b}?`,
  (a, b) => `What is ${a} × ${b}?`,
  (a, b) => `${a} × ${b} = ?`,
  (a, b) => `Calculate ${a} times ${b}.`,
  (a, b) => `Multiply ${a} by ${b}.`,
  (a, b) => `A box holds ${a} pens. How many pens are in ${b} boxes?`,
];

const CMP_QUESTIONS: readonly Phrase[] = [
  (a, b) => `Which is larger, ${a} or ${b}?`,
  (a, b) => `Which number is bigger: ${a} or ${b}?`,
  (a, b) => `Compare ${a} and ${b}.`,
  (a, b) => `Is ${a} greater than ${b}?`,
];

/** Digits from the ones place up, zero-padded to `width`. */
function digitsFromOnes(n: number, width: number): number[] {
  return [...String(n).padStart(width, '0')].reverse().map(Number);
}

function widthOf(a: number, b: number): number {
  return Math.max(String(a).length, String(b).length);
}

/**
 * Each column line first restates what is left of the numbers (the digits already worked dropped, an
 * exhausted number as 0), so the digits it works are the last ones of what it just wrote: a fixed, short
 * look-back. Without it the 1M-parameter model mostly failed at finding the tens digit of a 2-digit number.
 */
function remaining(n: number, column: number): number {
  return Math.floor(n / 10 ** column);
}

export function addition(a: number, b: number, phrase: Phrase): Problem {
  const width = widthOf(a, b);
  const da = digitsFromOnes(a, width);
  const db = digitsFromOnes(b, width);
  let text = `We need ${a} + ${b}.\n`;
  let carry = 0;
  for (let i = 0; i < width; i++) {
    const sum = da[i] + db[i] + carry;
    const terms = carry > 0 ? `${da[i]} + ${db[i]} + ${carry}` : `${da[i]} + ${db[i]}`;
    carry = sum >= 10 ? 1 : 0;
    text += `${PLACES[i]}: ${remaining(a, i)} + ${remaining(b, i)} → ${terms} = ${sum}, write ${sum % 10}${carry ? ', carry 1' : ''}.\n`;
  }
  if (carry) text += `${PLACES[width]}: carry 1, write 1.\n`;
  const result = a + b;
  text += `So ${a} + ${b} = ${result}.\n`;
  return { kind: 'add', a, b, question: phrase(a, b), reasoning: text, answer: `${a} + ${b} = ${result}.`, expected: result };
}

/**
 * A borrowed 1 is taken off in its own step ("14 - 5 - 1 = 9 - 1 = 8"): a three-term difference in one
 * token was where most of the first model's subtraction errors were.
 */
export function subtraction(a: number, b: number, phrase: Phrase): Problem {
  const result = a - b;
  const [top, bottom] = a >= b ? [a, b] : [b, a];
  let text = `We need ${a} - ${b}.\n`;
  if (a < b) text += `${a} < ${b}, so compute ${b} - ${a} and make it negative.\n`;
  const width = widthOf(top, bottom);
  const dt = digitsFromOnes(top, width);
  const db = digitsFromOnes(bottom, width);
  let borrow = 0;
  const written: number[] = [];
  for (let i = 0; i < width; i++) {
    const owed = borrow;
    const diff = dt[i] - db[i] - owed;
    borrow = diff < 0 ? 1 : 0;
    const digit = diff + 10 * borrow;
    const minuend = dt[i] + 10 * borrow;
    const terms = owed ? `${dt[i]} - ${db[i]} - 1` : `${dt[i]} - ${db[i]}`;
    const steps = owed ? `${minuend} - ${db[i]} - 1 = ${minuend - db[i]} - 1 = ${digit}` : `${minuend} - ${db[i]} = ${digit}`;
    const work = borrow ? `${terms} < 0, so ${steps}, write ${digit}, borrow 1` : `${steps}, write ${digit}`;
    text += `${PLACES[i]}: ${remaining(top, i)} - ${remaining(bottom, i)} → ${work}.\n`;
    written.push(digit);
  }
  if (width > 1) text += `Digits from the top: ${written.reverse().join(' ')}.\n`;
  text += a < b ? `So ${b} - ${a} = ${top - bottom}, and ${a} - ${b} = ${result}.\n` : `So ${a} - ${b} = ${result}.\n`;
  return { kind: 'sub', a, b, question: phrase(a, b), reasoning: text, answer: `${a} - ${b} = ${result}.`, expected: result };
}

export function multiplication(a: number, m: number, phrase: Phrase): Problem {
  const width = String(a).length;
  const da = digitsFromOnes(a, width);
  let text = `We need ${a} × ${m}.\n`;
  let carry = 0;
  for (let i = 0; i < width; i++) {
    const product = da[i] * m + carry;
    const terms = carry > 0 ? `${da[i]} × ${m} + ${carry} = ${da[i] * m} + ${carry}` : `${da[i]} × ${m}`;
    carry = Math.floor(product / 10);
    text += `${PLACES[i]}: ${remaining(a, i)} × ${m} → ${terms} = ${product}, write ${product % 10}${carry ? `, carry ${carry}` : ''}.\n`;
  }
  if (carry) text += `${PLACES[width]}: carry ${carry}, write ${carry}.\n`;
  const result = a * m;
  text += `So ${a} × ${m} = ${result}.\n`;
  return { kind: 'mul', a, b: m, question: phrase(a, m), reasoning: text, answer: `${a} × ${m} = ${result}.`, expected: result };
}

export function comparison(a: number, b: number, phrase: Phrase): Problem {
  const la = String(a).length;
  const lb = String(b).length;
  const larger = Math.max(a, b);
  const smaller = Math.min(a, b);
  const digits = (n: number) => `${n} digit${n > 1 ? 's' : ''}`;
  let text: string;
  if (la !== lb) {
    text = `${a} has ${digits(la)}, ${b} has ${digits(lb)}, so ${larger} is larger.\n`;
  } else {
    text = `${a} and ${b} both have ${digits(la)}.\n`;
    const da = [...String(a)].map(Number);
    const db = [...String(b)].map(Number);
    for (let i = 0; i < la; i++) {
      const place = PLACES[la - 1 - i];
      if (da[i] === db[i]) {
        text += `${place}: ${da[i]} = ${db[i]}.\n`;
        continue;
      }
      text += `${place}: ${da[i]} ${da[i] < db[i] ? '<' : '>'} ${db[i]}, so ${larger} is larger.\n`;
      break;
    }
    if (a === b) text += `All digits match, so they are equal.\n`;
  }
  const answer = a === b ? `${a} and ${b} are equal.` : `${larger} is larger than ${smaller}.`;
  return { kind: 'cmp', a, b, question: phrase(a, b), reasoning: text, answer, expected: larger };
}

/** The number an answer states: the first for comparisons ("354 is larger than 345."), else the last. */
export function statedNumber(kind: ProblemKind, content: string): number | null {
  const numbers = content.match(/-?\d+/g);
  if (!numbers) return null;
  return Number(kind === 'cmp' ? numbers[0] : numbers[numbers.length - 1]);
}
