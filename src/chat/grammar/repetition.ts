/**
 * @module chat/grammar/repetition
 * `item{min,max}` that llama.cpp's grammar parser takes as meant at any size. Its parser expands a
 * repetition into one rule per count and caps that (MAX_REPETITION_THRESHOLD = 2000): a larger
 * minimum is refused, and a larger maximum is silently dropped, which would leave e.g. `maxLength`
 * unenforced. Counts above MAX_COUNT are therefore built from chunk rules of MAX_COUNT items.
 */
import type { RuleSet } from './rules.ts';

const MAX_COUNT = 1000;

/**
 * `item` (one GBNF symbol: a rule name, literal, class or parenthesised group) repeated min..max
 * times; max may be Infinity. Returns '' when max is 0. `name` prefixes any helper rules.
 */
export function repeat(rules: RuleSet, name: string, item: string, min: number, max: number): string {
  if (max === 0) return '';
  if (max === Infinity) {
    if (min <= 1) return `${item}${min === 0 ? '*' : '+'}`;
    return min <= MAX_COUNT ? `${item}{${min},}` : `${exactly(rules, name, item, min)} ${item}*`;
  }
  if (min === 0 && max === 1) return `${item}?`;
  if (max <= MAX_COUNT) return min === max ? exactly(rules, name, item, min) : `${item}{${min},${max}}`;
  if (min > 0) return [exactly(rules, name, item, min), repeat(rules, name, item, 0, max - min)].filter(Boolean).join(' ');
  return upTo(rules, name, item, max);
}

/** `item (sep item)*` with min..max items, as llama.cpp's build_repetition with a separator. */
export function separated(rules: RuleSet, name: string, item: string, sep: string, min: number, max: number): string {
  if (max === 0) return '';
  const rest = repeat(rules, `${name}-rest`, `( ${sep} ${item} )`, Math.max(min - 1, 0), max - 1);
  const sequence = rest ? `${item} ${rest}` : item;
  return min === 0 ? `( ${sequence} )?` : sequence;
}

function exactly(rules: RuleSet, name: string, item: string, count: number): string {
  if (count === 1) return item;
  if (count <= MAX_COUNT) return `${item}{${count}}`;
  const chunk = rules.add(`${name}-chunk`, `${item}{${MAX_COUNT}}`);
  const remainder = count % MAX_COUNT;
  const chunks = repeat(rules, chunk, chunk, Math.floor(count / MAX_COUNT), Math.floor(count / MAX_COUNT));
  return remainder === 0 ? chunks : `${chunks} ${exactly(rules, name, item, remainder)}`;
}

/**
 * 0..count items for count > MAX_COUNT, written so that each length has one parse: either fewer
 * than all the full chunks followed by a short tail, or all of them followed by the remainder.
 * (Chunks of any size up to MAX_COUNT would make the parser track every way to split a string.)
 */
function upTo(rules: RuleSet, name: string, item: string, count: number): string {
  const numChunks = Math.floor(count / MAX_COUNT);
  const chunk = rules.add(`${name}-chunk`, `${item}{${MAX_COUNT}}`);
  const fewer = [repeat(rules, chunk, chunk, 0, numChunks - 1), `${item}{0,${MAX_COUNT - 1}}`].filter(Boolean).join(' ');
  const all = [repeat(rules, chunk, chunk, numChunks, numChunks), repeat(rules, name, item, 0, count % MAX_COUNT)].filter(Boolean).join(' ');
  return `( ${fewer} | ${all} )`;
}
