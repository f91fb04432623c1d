/**
 * @module A byte-level BPE trainer and encoder over GPT-2's `bytes_to_unicode` alphabet, pre-tokenized
 * with the regex llama.cpp uses for the `qwen2` / `deepseek-r1-qwen` pre-types, so that llama.cpp
 * tokenizes a trained vocabulary exactly as {@link encodeOrdinary} does.
 */

/** llama.cpp `LLAMA_VOCAB_PRE_TYPE_QWEN2` (src/llama-vocab.cpp). */
const PRETOKENIZER =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** GPT-2's printable stand-in for each byte; token ids 0–255 are these, in byte order. */
export const BYTE_CHARS: readonly string[] = bytesToUnicode();
const BYTE_OF_CHAR = new Map(BYTE_CHARS.map((char, byte) => [char, byte]));

export interface BpeModel {
  /** Byte-level token strings: the 256 byte characters, then one per merge, in merge order. */
  readonly tokens: readonly string[];
  /** `"left right"`, highest priority first; merge i produces token 256 + i. */
  readonly merges: readonly string[];
}

export function pretokenize(text: string): string[] {
  return text.match(PRETOKENIZER) ?? [];
}

/**
 * Learns up to `mergeCount` merges, always taking the most frequent adjacent pair (ties go to the lower
 * token ids, so the result depends only on the text). Stops early when no pair occurs twice.
 */
export function trainBpe(text: string, mergeCount: number): BpeModel {
  const wordCounts = new Map<string, number>();
  for (const word of pretokenize(text)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  const words = [...wordCounts.keys()].map((word) => [...Buffer.from(word, 'utf8')]);
  const counts = [...wordCounts.values()];

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const count = (word: number, delta: number): void => {
    const symbols = words[word];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const pair = pairKey(symbols[i], symbols[i + 1]);
      const total = (pairCounts.get(pair) ?? 0) + delta * counts[word];
      if (total === 0) pairCounts.delete(pair);
      else pairCounts.set(pair, total);
      if (delta > 0) {
        let holders = pairWords.get(pair);
        if (holders === undefined) pairWords.set(pair, (holders = new Set()));
        holders.add(word);
      }
    }
  };
  words.forEach((_, word) => count(word, 1));

  const tokens = [...BYTE_CHARS];
  const merges: string[] = [];
  while (merges.length < mergeCount) {
    let best = -1;
    let bestCount = 1;
    for (const [pair, total] of pairCounts) {
      if (total > bestCount || (total === bestCount && pair < best)) {
        best = pair;
        bestCount = total;
      }
    }
    if (best < 0) break;
    const left = Math.floor(best / PAIR_BASE);
    const right = best % PAIR_BASE;
    const merged = tokens.length;
    tokens.push(tokens[left] + tokens[right]);
    merges.push(`${tokens[left]} ${tokens[right]}`);
    for (const word of pairWords.get(best)!) {
      count(word, -1);
      words[word] = mergePair(words[word], left, right, merged);
      count(word, 1);
    }
    pairWords.delete(best);
  }
  return { tokens, merges };
}

/** Token ids for plain text; special-token strings are encoded as ordinary text, unlike llama.cpp. */
export function encodeOrdinary(model: BpeModel, text: string): number[] {
  const ranks = mergeRanks(model);
  const ids: number[] = [];
  for (const word of pretokenize(text)) {
    let symbols = [...Buffer.from(word, 'utf8')];
    for (;;) {
      let bestId = Infinity;
      let bestLeft = 0;
      let bestRight = 0;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const id = ranks.get(pairKey(symbols[i], symbols[i + 1]));
        if (id !== undefined && id < bestId) [bestId, bestLeft, bestRight] = [id, symbols[i], symbols[i + 1]];
      }
      if (bestId === Infinity) break;
      symbols = mergePair(symbols, bestLeft, bestRight, bestId);
    }
    ids.push(...symbols);
  }
  return ids;
}

export function decode(model: BpeModel, ids: readonly number[]): string {
  const bytes: number[] = [];
  for (const id of ids) {
    const token = model.tokens[id];
    if (token === undefined) throw new RangeError(`token id ${id} is outside the ${model.tokens.length}-token model`);
    for (const char of token) bytes.push(BYTE_OF_CHAR.get(char)!);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Pair keys pack two token ids into one number; ids stay far below this. */
const PAIR_BASE = 1 << 20;

function pairKey(left: number, right: number): number {
  return left * PAIR_BASE + right;
}

const rankCache = new WeakMap<BpeModel, Map<number, number>>();

/** Maps each mergeable pair to the id it produces, which is also its priority (lower first). */
function mergeRanks(model: BpeModel): Map<number, number> {
  let ranks = rankCache.get(model);
  if (ranks === undefined) {
    const ids = new Map(model.tokens.map((token, id) => [token, id]));
    ranks = new Map();
    for (const merge of model.merges) {
      const [left, right] = merge.split(' ');
      ranks.set(pairKey(ids.get(left)!, ids.get(right)!), ids.get(left + right)!);
    }
    rankCache.set(model, ranks);
  }
  return ranks;
}

function mergePair(symbols: number[], left: number, right: number, merged: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(merged);
      i++;
    } else {
      out.push(symbols[i]);
    }
  }
  return out;
}

/** GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the rest map to U+0100 onwards. */
function bytesToUnicode(): string[] {
  const chars: string[] = [];
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    chars.push(String.fromCodePoint(printable ? byte : next++));
  }
  return chars;
}
