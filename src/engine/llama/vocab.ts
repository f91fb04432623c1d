/**
 * @module engine/llama/vocab
 * llama.h "vocab" and "tokenization" areas: special tokens, tokenize, token pieces as raw bytes, detokenize.
 */
import type { IKoffiLib } from 'koffi';
import type { VocabPtr } from './types.ts';
import './types.ts';

export function bindVocab(llama: IKoffiLib) {
  const tokenFn = (name: string) => llama.func(`int32_t ${name}(llama_vocab *vocab)`);
  return {
    n_tokens: tokenFn('llama_vocab_n_tokens'),
    bos: tokenFn('llama_vocab_bos'),
    eos: tokenFn('llama_vocab_eos'),
    eot: tokenFn('llama_vocab_eot'),
    nl: tokenFn('llama_vocab_nl'),
    pad: tokenFn('llama_vocab_pad'),
    fim_pre: tokenFn('llama_vocab_fim_pre'),
    fim_suf: tokenFn('llama_vocab_fim_suf'),
    fim_mid: tokenFn('llama_vocab_fim_mid'),
    is_eog: llama.func('bool llama_vocab_is_eog(llama_vocab *vocab, int32_t token)'),
    is_control: llama.func('bool llama_vocab_is_control(llama_vocab *vocab, int32_t token)'),
    get_add_bos: llama.func('bool llama_vocab_get_add_bos(llama_vocab *vocab)'),
    tokenize: llama.func('int32_t llama_tokenize(llama_vocab *vocab, const uint8_t *text, int32_t text_len, _Out_ int32_t *tokens, int32_t n_tokens_max, bool add_special, bool parse_special)'),
    token_to_piece: llama.func('int32_t llama_token_to_piece(llama_vocab *vocab, int32_t token, _Out_ uint8_t *buf, int32_t length, int32_t lstrip, bool special)'),
    detokenize: llama.func('int32_t llama_detokenize(llama_vocab *vocab, const int32_t *tokens, int32_t n_tokens, _Out_ uint8_t *text, int32_t text_len_max, bool remove_special, bool unparse_special)'),
  };
}

export type VocabFns = ReturnType<typeof bindVocab>;

const INT32_MIN = -2147483648;
const EMPTY = new Uint8Array(0);

/**
 * A model's vocabulary. It lives as long as its model; it holds no native memory of its own.
 * Token ids of absent special tokens are -1 (LLAMA_TOKEN_NULL), as in C.
 */
export class LlamaVocab {
  readonly #fns: VocabFns;
  readonly ptr: VocabPtr;
  readonly #nTokens: number;
  /** Piece bytes per token id, one table per `special` flag: the runner asks once per generated token. */
  readonly #pieces: [(Uint8Array | undefined)[], (Uint8Array | undefined)[]];
  #scratch = new Uint8Array(256);

  constructor(fns: VocabFns, ptr: VocabPtr) {
    this.#fns = fns;
    this.ptr = ptr;
    this.#nTokens = fns.n_tokens(ptr);
    this.#pieces = [new Array(this.#nTokens), new Array(this.#nTokens)];
  }

  /** llama_vocab_n_tokens */
  nTokens(): number {
    return this.#nTokens;
  }

  /** llama_vocab_bos */
  bos(): number {
    return this.#fns.bos(this.ptr);
  }

  /** llama_vocab_eos */
  eos(): number {
    return this.#fns.eos(this.ptr);
  }

  /** llama_vocab_eot */
  eot(): number {
    return this.#fns.eot(this.ptr);
  }

  /** llama_vocab_nl */
  nl(): number {
    return this.#fns.nl(this.ptr);
  }

  /** llama_vocab_pad */
  pad(): number {
    return this.#fns.pad(this.ptr);
  }

  /** llama_vocab_fim_pre */
  fimPre(): number {
    return this.#fns.fim_pre(this.ptr);
  }

  /** llama_vocab_fim_suf */
  fimSuf(): number {
    return this.#fns.fim_suf(this.ptr);
  }

  /** llama_vocab_fim_mid */
  fimMid(): number {
    return this.#fns.fim_mid(this.ptr);
  }

  /** llama_vocab_is_eog: EOS, EOT and every other end-of-generation token. */
  isEog(token: number): boolean {
    return this.#fns.is_eog(this.ptr, token);
  }

  /** llama_vocab_is_control */
  isControl(token: number): boolean {
    return this.#fns.is_control(this.ptr, token);
  }

  /** llama_vocab_get_add_bos: whether tokenize(…, addSpecial=true) prepends BOS. */
  getAddBos(): boolean {
    return this.#fns.get_add_bos(this.ptr);
  }

  /**
   * llama_tokenize. `addSpecial` adds BOS/EOS as the model is configured to; `parseSpecial` turns the
   * text of control tokens (e.g. "<｜User｜>") into those tokens instead of plain text.
   */
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Int32Array {
    const bytes = Buffer.from(text, 'utf8');
    // A token covers at least one byte, plus room for BOS/EOS: the first call almost always fits.
    let tokens = new Int32Array(bytes.length + 2);
    let n = this.#fns.tokenize(this.ptr, bytes, bytes.length, tokens, tokens.length, addSpecial, parseSpecial);
    if (n < 0 && n !== INT32_MIN) {
      tokens = new Int32Array(-n);
      n = this.#fns.tokenize(this.ptr, bytes, bytes.length, tokens, tokens.length, addSpecial, parseSpecial);
    }
    return tokenized(tokens, n, bytes.length);
  }

  /**
   * tokenize on a koffi worker thread, so a long text never holds up the event loop (and with it the
   * engine's step loop). llama.cpp's tokenizer only reads the vocabulary, so this may run beside a decode.
   */
  async tokenizeAsync(text: string, addSpecial: boolean, parseSpecial: boolean): Promise<Int32Array> {
    const bytes = Buffer.from(text, 'utf8');
    const call = (tokens: Int32Array) =>
      new Promise<number>((resolve, reject) => {
        this.#fns.tokenize.async(this.ptr, bytes, bytes.length, tokens, tokens.length, addSpecial, parseSpecial, (err: unknown, n: number) => (err ? reject(err) : resolve(n)));
      });
    let tokens = new Int32Array(bytes.length + 2);
    let n = await call(tokens);
    if (n < 0 && n !== INT32_MIN) {
      tokens = new Int32Array(-n);
      n = await call(tokens);
    }
    return tokenized(tokens, n, bytes.length);
  }

  /**
   * llama_token_to_piece, as raw bytes: one UTF-8 character can be split across tokens, so decoding
   * a single piece to a string would corrupt it. `special` renders control tokens as their text.
   * The returned array is cached and shared: do not write to it.
   */
  tokenToPiece(token: number, special: boolean): Uint8Array {
    if (token < 0 || token >= this.#nTokens) throw new RangeError(`token ${token} is outside the vocabulary (0..${this.#nTokens - 1})`);
    const table = this.#pieces[special ? 1 : 0];
    const cached = table[token];
    if (cached) return cached;
    let n = this.#fns.token_to_piece(this.ptr, token, this.#scratch, this.#scratch.length, 0, special);
    if (n < 0) {
      this.#scratch = new Uint8Array(-n);
      n = this.#fns.token_to_piece(this.ptr, token, this.#scratch, this.#scratch.length, 0, special);
    }
    const piece = n === 0 ? EMPTY : this.#scratch.slice(0, n);
    table[token] = piece;
    return piece;
  }

  /**
   * llama_detokenize: the text of a whole token sequence. `removeSpecial` drops a leading BOS / trailing
   * EOS the model adds; `unparseSpecial` renders control tokens as their text.
   */
  detokenize(tokens: ArrayLike<number>, removeSpecial: boolean, unparseSpecial: boolean): string {
    const ids = tokens instanceof Int32Array ? tokens : Int32Array.from(tokens);
    let text = Buffer.alloc(ids.length * 8 + 16);
    let n = this.#fns.detokenize(this.ptr, ids, ids.length, text, text.length, removeSpecial, unparseSpecial);
    if (n < 0) {
      text = Buffer.alloc(-n);
      n = this.#fns.detokenize(this.ptr, ids, ids.length, text, text.length, removeSpecial, unparseSpecial);
    }
    return text.toString('utf8', 0, n);
  }
}

function tokenized(tokens: Int32Array, n: number, numBytes: number): Int32Array {
  if (n === INT32_MIN) throw new RangeError(`tokenize: ${numBytes} bytes of text give more than 2^31 tokens`);
  return tokens.slice(0, n);
}
