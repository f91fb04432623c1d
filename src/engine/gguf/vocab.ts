/**
 * @module The synthetic DeepSeek-R1-style vocabulary for generated models: byte-level BPE tokens trained
 * on the built-in corpus, then DeepSeek-R1's special tokens with the token types llama.cpp expects, then
 * optional unreachable padding tokens; and the `tokenizer.*` GGUF metadata describing it.
 */
import { trainingCorpus } from './bpe-corpus.ts';
import { trainBpe, type BpeModel } from './bpe.ts';
import { GgufType } from './format.ts';
import type { GgufKv } from './metadata.ts';

/** `llama_token_type` values stored in `tokenizer.ggml.token_type`. */
export const TokenType = { NORMAL: 1, CONTROL: 3, USER_DEFINED: 4 } as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

/**
 * Control tokens only parse from text when the caller asks for special tokens; user-defined ones always
 * parse and always detokenize, which is what R1 does for the chat, thinking and tool markers.
 */
export const SPECIAL_TOKENS = [
  ['<｜begin▁of▁sentence｜>', TokenType.CONTROL],
  ['<｜end▁of▁sentence｜>', TokenType.CONTROL],
  ['<｜User｜>', TokenType.USER_DEFINED],
  ['<｜Assistant｜>', TokenType.USER_DEFINED],
  ['<think>', TokenType.USER_DEFINED],
  ['</think>', TokenType.USER_DEFINED],
  ['<｜tool▁calls▁begin｜>', TokenType.USER_DEFINED],
  ['<｜tool▁calls▁end｜>', TokenType.USER_DEFINED],
  ['<｜tool▁call▁begin｜>', TokenType.USER_DEFINED],
  ['<｜tool▁call▁end｜>', TokenType.USER_DEFINED],
  ['<｜tool▁sep｜>', TokenType.USER_DEFINED],
  ['<｜tool▁outputs▁begin｜>', TokenType.USER_DEFINED],
  ['<｜tool▁outputs▁end｜>', TokenType.USER_DEFINED],
  ['<｜tool▁output▁begin｜>', TokenType.USER_DEFINED],
  ['<｜tool▁output▁end｜>', TokenType.USER_DEFINED],
  ['<｜fim▁begin｜>', TokenType.CONTROL],
  ['<｜fim▁hole｜>', TokenType.CONTROL],
  ['<｜fim▁end｜>', TokenType.CONTROL],
  ['<｜▁pad▁｜>', TokenType.CONTROL],
] as const satisfies ReadonlyArray<readonly [string, TokenType]>;

export type SpecialToken = (typeof SPECIAL_TOKENS)[number][0];

export interface SynthVocab {
  readonly bpe: BpeModel;
  readonly tokens: readonly string[];
  readonly tokenTypes: readonly TokenType[];
  readonly specialIds: ReadonlyMap<SpecialToken, number>;
}

const MERGE_COUNT = 1000;

let trained: BpeModel | undefined;

/** Training takes ~0.2 s, so it runs once per process; the result depends only on this source. */
function trainedBpe(): BpeModel {
  trained ??= trainBpe(trainingCorpus(), MERGE_COUNT);
  return trained;
}

/**
 * `paddedSize` fills the vocabulary up with normal tokens no merge can produce (a realistic output layer);
 * `bpe` replaces the merges trained on the built-in corpus (the demo model trains its own on its task).
 */
export function synthVocab(paddedSize = 0, bpe: BpeModel = trainedBpe()): SynthVocab {
  const tokens = [...bpe.tokens];
  const tokenTypes: TokenType[] = tokens.map(() => TokenType.NORMAL);
  const specialIds = new Map<SpecialToken, number>();
  for (const [text, type] of SPECIAL_TOKENS) {
    specialIds.set(text, tokens.length);
    tokens.push(text);
    tokenTypes.push(type);
  }
  // Made only of printable ASCII (which bytes_to_unicode maps to itself), so detokenizing one is plain text.
  for (let i = 0; tokens.length < paddedSize; i++) {
    tokens.push(`[unused${i}]`);
    tokenTypes.push(TokenType.NORMAL);
  }
  return { bpe, tokens, tokenTypes, specialIds };
}

export function tokenizerMetadata(vocab: SynthVocab, chatTemplate: string): Array<[string, GgufKv]> {
  const id = (token: SpecialToken): GgufKv => ({ type: GgufType.UINT32, value: vocab.specialIds.get(token)! });
  return [
    ['tokenizer.ggml.model', { type: GgufType.STRING, value: 'gpt2' }],
    // Selects the qwen2 pre-tokenizer regex the merges were trained with (bpe.ts).
    ['tokenizer.ggml.pre', { type: GgufType.STRING, value: 'deepseek-r1-qwen' }],
    ['tokenizer.ggml.tokens', { type: GgufType.ARRAY, value: { itemType: GgufType.STRING, items: vocab.tokens } }],
    ['tokenizer.ggml.token_type', { type: GgufType.ARRAY, value: { itemType: GgufType.INT32, items: vocab.tokenTypes } }],
    ['tokenizer.ggml.merges', { type: GgufType.ARRAY, value: { itemType: GgufType.STRING, items: vocab.bpe.merges } }],
    ['tokenizer.ggml.bos_token_id', id('<｜begin▁of▁sentence｜>')],
    ['tokenizer.ggml.eos_token_id', id('<｜end▁of▁sentence｜>')],
    ['tokenizer.ggml.padding_token_id', id('<｜▁pad▁｜>')],
    ['tokenizer.ggml.fim_pre_token_id', id('<｜fim▁begin｜>')],
    ['tokenizer.ggml.fim_suf_token_id', id('<｜fim▁hole｜>')],
    ['tokenizer.ggml.fim_mid_token_id', id('<｜fim▁end｜>')],
    ['tokenizer.ggml.add_bos_token', { type: GgufType.BOOL, value: true }],
    ['tokenizer.ggml.add_eos_token', { type: GgufType.BOOL, value: false }],
    ['tokenizer.chat_template', { type: GgufType.STRING, value: chatTemplate }],
  ];
}
