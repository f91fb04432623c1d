/**
 * @module The ways people actually type an arithmetic question, for the v2 demo model: symbols with or
 * without spaces ("45+67"), verbs ("add 12 and 7", "take 7 from 12"), "sum of", "difference between",
 * number words ("twelve plus seven"), Chinese ("45加67等于多少？"), with or without a question mark, in
 * any case, with a "please" or "thanks" around it. The worked solution is v1's (problems.ts), whose
 * first line restates the question in digits ("We need 12 + 7."), so words become digits there.
 */
import type { Rng } from '../../src/engine/gguf/prng.ts';
import { addition, multiplication, subtraction, type Problem } from './problems.ts';

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** 0–999 in English words ("forty-five", "three hundred and five"). */
export function numberWords(n: number): string {
  if (n < 20) return ONES[n];
  if (n < 100) return TENS[Math.floor(n / 10)] + (n % 10 ? `-${ONES[n % 10]}` : '');
  const rest = n % 100;
  return `${ONES[Math.floor(n / 100)]} hundred${rest ? ` and ${numberWords(rest)}` : ''}`;
}

type Phrase = (a: string, b: string) => string;

/** `{e}` is the expression in symbols. */
const EXPRESSION_FRAMES: readonly string[] = [
  'What is {e}?', 'what is {e}', 'What is {e}', "What's {e}?", "what's {e}?", '{e}', '{e}?', '{e} = ?', '{e} =', '{e}=?',
  'Calculate {e}.', 'calculate {e}', 'Compute {e}', 'Solve {e}.', 'How much is {e}?', 'Can you work out {e}?',
  '{e} equals?', 'What does {e} equal?', 'Please calculate {e}', 'Tell me {e}.', '{e} 等于多少？', '计算 {e}', '{e}等于几？',
];

/** Spacing around the operator: "45 + 67", "45+67", "45 +67", "45+ 67". */
function expression(a: string, op: string, b: string, rng: Rng): string {
  const x = rng.nextFloat();
  if (x < 0.5) return `${a} ${op} ${b}`;
  if (x < 0.85) return `${a}${op}${b}`;
  return x < 0.93 ? `${a} ${op}${b}` : `${a}${op} ${b}`;
}

const ADD_WORDS: readonly Phrase[] = [
  (a, b) => `What is ${a} plus ${b}?`, (a, b) => `${a} plus ${b}`, (a, b) => `what's ${a} plus ${b}`, (a, b) => `How much is ${a} plus ${b}?`,
  (a, b) => `Add ${a} and ${b}.`, (a, b) => `add ${a} and ${b}`, (a, b) => `Add ${a} to ${b}.`, (a, b) => `Can you add ${a} and ${b}?`,
  (a, b) => `What is the sum of ${a} and ${b}?`, (a, b) => `sum of ${a} and ${b}`, (a, b) => `The sum of ${a} and ${b} is?`,
  (a, b) => `What do you get if you add ${a} and ${b}?`, (a, b) => `${a} and ${b} added together`, (a, b) => `What is ${a} added to ${b}?`,
  (a, b) => `Total of ${a} and ${b}?`, (a, b) => `Tom has ${a} apples and buys ${b} more. How many apples does he have now?`,
  (a, b) => `A library has ${a} books and gets ${b} new ones. How many books does it have?`,
];
const ADD_CHINESE: readonly Phrase[] = [(a, b) => `${a}加${b}等于多少？`, (a, b) => `${a}加${b}是多少`, (a, b) => `${a}和${b}的和是多少？`];

const SUB_WORDS: readonly Phrase[] = [
  (a, b) => `What is ${a} minus ${b}?`, (a, b) => `${a} minus ${b}`, (a, b) => `what's ${a} minus ${b}`, (a, b) => `How much is ${a} minus ${b}?`,
  (a, b) => `Subtract ${b} from ${a}.`, (a, b) => `subtract ${b} from ${a}`, (a, b) => `Take ${b} from ${a}.`, (a, b) => `take ${b} away from ${a}`,
  (a, b) => `${a} take away ${b}`, (a, b) => `What is ${b} less than ${a}?`, (a, b) => `Deduct ${b} from ${a}.`,
  (a, b) => `What is the difference ${a} - ${b}?`, (a, b) => `Sara had ${a} coins and spent ${b}. How many coins are left?`,
];
/** "The difference between a and b" is only asked with a ≥ b, where it is unambiguous. */
const SUB_DIFFERENCE: readonly Phrase[] = [
  (a, b) => `What is the difference between ${a} and ${b}?`, (a, b) => `difference between ${a} and ${b}`, (a, b) => `Find the difference of ${a} and ${b}.`,
];
const SUB_CHINESE: readonly Phrase[] = [(a, b) => `${a}减${b}等于多少？`, (a, b) => `${a}减去${b}是多少`];

const MUL_WORDS: readonly Phrase[] = [
  (a, b) => `What is ${a} times ${b}?`, (a, b) => `${a} times ${b}`, (a, b) => `Multiply ${a} by ${b}.`, (a, b) => `multiply ${a} by ${b}`,
  (a, b) => `What is the product of ${a} and ${b}?`, (a, b) => `A box holds ${a} pens. How many pens are in ${b} boxes?`,
];
const MUL_CHINESE: readonly Phrase[] = [(a, b) => `${a}乘${b}等于多少？`, (a, b) => `${a}乘以${b}是多少`];

const BEFORE = ['Hi! ', 'Hey, ', 'Quick question: ', 'Can you tell me ', 'Question: ', 'OK, next one: ', 'And ', 'Now '];
const AFTER = [' please', ', please', ' please.', ' thanks', ' Thanks!', ', thank you.', ' thx', ' :)', '. Thanks in advance!'];

export type ArithmeticKind = 'add' | 'sub' | 'mul';

/** A number with 1–3 digits by the given shares (0 counts as a 1-digit number). */
export function drawNumber(rng: Rng, shares: readonly [number, number, number]): number {
  let x = rng.nextFloat();
  let digits = 3;
  for (let i = 0; i < 3; i++) if ((x -= shares[i]) < 0) { digits = i + 1; break; }
  const low = digits === 1 ? 0 : 10 ** (digits - 1);
  return low + Math.floor(rng.nextFloat() * (10 ** digits - low));
}

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng.nextFloat() * list.length)];
}

/** Case, punctuation, filler and stray whitespace, as people type. Digits and CJK are untouched. */
export function roughen(text: string, rng: Rng): string {
  let t = text;
  const c = rng.nextFloat();
  if (c < 0.2) t = t.toLowerCase();
  else if (c < 0.23) t = t.toUpperCase();
  else if (c < 0.35) t = t.charAt(0).toUpperCase() + t.slice(1);
  const p = rng.nextFloat();
  if (p < 0.2) t = t.replace(/[?.!]+$/, '');
  else if (p < 0.25 && t.endsWith('?')) t += '?';
  if (rng.nextFloat() < 0.08) t = pick(rng, BEFORE) + (/^[A-Z][a-z]/.test(t) && !/^I\b/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t);
  if (rng.nextFloat() < 0.12) t += pick(rng, AFTER);
  const w = rng.nextFloat();
  if (w < 0.03) t = ` ${t}`;
  else if (w < 0.06) t += '\n';
  return t;
}

/**
 * One arithmetic question and its worked solution. Operands 0–999 (digits by `shares`); number words
 * for a share of questions, with operands 0–20 (words for larger numbers cost more than the model has); subtraction may go negative, as in v1, except for "the
 * difference between", which is asked larger first.
 */
export function askArithmetic(rng: Rng, kind: ArithmeticKind, shares: readonly [number, number, number]): Problem {
  const style = rng.nextFloat();
  const words = style >= 0.82 && style < 0.92;
  const chinese = style >= 0.92;
  const draw = (): number => (words ? Math.floor(rng.nextFloat() * 21) : drawNumber(rng, shares));
  let a = draw();
  let b = kind === 'mul' ? 2 + Math.floor(rng.nextFloat() * 8) : draw();
  const op = kind === 'add' ? '+' : kind === 'sub' ? pick(rng, ['-', '-', '-', '−']) : pick(rng, ['×', '*', 'x', '×']);
  const wordList = kind === 'add' ? ADD_WORDS : kind === 'sub' ? SUB_WORDS : MUL_WORDS;
  let phrase: Phrase;
  if (chinese) phrase = rng.nextFloat() < 0.5 ? (x, y) => pick(rng, EXPRESSION_FRAMES.slice(-3)).replace('{e}', expression(x, op, y, rng)) : pick(rng, kind === 'add' ? ADD_CHINESE : kind === 'sub' ? SUB_CHINESE : MUL_CHINESE);
  else if (words || style >= 0.45) {
    if (kind === 'sub' && rng.nextFloat() < 0.2) {
      phrase = pick(rng, SUB_DIFFERENCE);
      if (a < b) [a, b] = [b, a];
    } else phrase = pick(rng, wordList);
  } else phrase = (x, y) => pick(rng, EXPRESSION_FRAMES.slice(0, -3)).replace('{e}', expression(x, op, y, rng));
  const spoken = (n: number): string => (words ? numberWords(n) : String(n));
  const question = roughen(phrase(spoken(a), spoken(b)), rng);
  const identity = (): string => question;
  const solved = kind === 'add' ? addition(a, b, identity) : kind === 'sub' ? subtraction(a, b, identity) : multiplication(a, b, identity);
  return solved;
}

/**
 * The reply with thinking off: a 1-digit fact is stated at once ("2 + 3 = 5."); anything longer shows
 * the same column working as the reasoning, then the result, since a 1M-parameter model cannot carry
 * across columns in its head.
 */
export function directReply(problem: Problem): string {
  if (problem.kind !== 'cmp' && problem.a < 10 && problem.b < 10) return problem.answer;
  if (problem.kind === 'cmp') return `${problem.reasoning}${problem.answer}`;
  return problem.reasoning.trimEnd();
}
