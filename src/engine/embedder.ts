/**
 * @module engine/embedder
 * Embeddings from the loaded model, in a context of their own (created on the first request, so a model
 * nobody embeds with pays nothing): pooled as the GGUF says (`<arch>.pooling_type`: mean, CLS or last),
 * else by mean, which works for a generative model too. Many inputs are decoded together, one sequence
 * each, as many per decode as the batch holds; the cache is cleared after each decode.
 */
import { EngineError } from './errors.ts';
import type { Llama, LlamaBatch, LlamaContext, LlamaModel } from './llama/index.ts';

/** Sequences decoded together at most (llama.cpp allows 256; more buys nothing on a CPU batch). */
const MAX_SEQS_PER_DECODE = 64;
/**
 * Tokens packed into one decode (a longer input still goes whole, alone): attention over the unified
 * cache grows with the square of what one decode holds, so many short inputs go in several decodes.
 */
const PACKED_TOKENS_PER_DECODE = 512;

const POOLING = { none: 0, mean: 1, cls: 2, last: 3, rank: 4 } as const;

export type EmbedInput = { text: string } | { tokens: number[] };

export interface Embeddings {
  /** One raw pooled vector per input, in input order. */
  vectors: Float32Array[];
  /** Tokens of each input, after truncation. */
  tokenCounts: number[];
  pooling: 'mean' | 'cls' | 'last';
}

export class Embedder {
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #threads: () => number;
  readonly #contextTokens: number;
  readonly #flashAttn: boolean;
  #state: { ctx: LlamaContext; batch: LlamaBatch } | null = null;

  /**
   * `threads` is asked before each decode: the cores other processes leave free (as generation steps
   * use), since ggml's spinning barriers stall a decode for hundreds of milliseconds on busy cores.
   */
  constructor(llama: Llama, model: LlamaModel, shape: { threads: () => number; contextTokens: number; flashAttn: boolean }) {
    this.#llama = llama;
    this.#model = model;
    this.#threads = shape.threads;
    this.#contextTokens = shape.contextTokens;
    this.#flashAttn = shape.flashAttn;
  }

  /**
   * Tokenizes as prompts are (the model's BOS, or BERT's CLS/SEP, added; special tokens in the text parsed, as
   * the server's token counts for limits see them) and embeds every input. An input
   * longer than the context is cut to it when `truncate`, else refused with context_length_exceeded.
   */
  async embed(inputs: EmbedInput[], truncate: boolean): Promise<Embeddings> {
    const { ctx, batch } = this.#open();
    const maxTokens = ctx.nBatch();
    const vocab = this.#model.vocab;
    const nVocab = vocab.nTokens();
    const sequences = await Promise.all(
      inputs.map(async (input, i) => {
        const tokens = 'tokens' in input ? input.tokens : Array.from(await vocab.tokenizeAsync(input.text, true, true));
        const invalid = tokens.find((t) => t >= nVocab);
        if (invalid !== undefined) throw new EngineError('invalid_request', `input[${i}] has token ${invalid}, outside the vocabulary (0..${nVocab - 1})`);
        if (tokens.length === 0) throw new EngineError('invalid_request', `input[${i}] is empty: there is nothing to embed`);
        if (tokens.length <= maxTokens) return tokens;
        if (!truncate) throw new EngineError('context_length_exceeded', `input[${i}] has ${tokens.length} tokens, more than the ${maxTokens} the embedding context holds`);
        return tokens.slice(0, maxTokens);
      }),
    );
    const nEmbd = this.#model.nEmbd();
    const vectors: Float32Array[] = [];
    for (let start = 0; start < sequences.length; ) {
      batch.clear();
      let end = start;
      const budget = Math.max(PACKED_TOKENS_PER_DECODE, sequences[start].length);
      while (end < sequences.length && end - start < MAX_SEQS_PER_DECODE && batch.nTokens + sequences[end].length <= budget) {
        sequences[end].forEach((token, pos) => batch.add(token, pos, end - start, true));
        end++;
      }
      const threads = this.#threads();
      ctx.setNThreads(threads, threads);
      const status = await ctx.decodeAsync(batch);
      if (status !== 0) throw new EngineError('internal', `llama_decode failed with status ${status} while embedding`);
      for (let seq = 0; seq < end - start; seq++) vectors.push(ctx.getEmbeddingsSeq(seq, nEmbd));
      ctx.memory.clear(false);
      start = end;
    }
    const pooling = (['mean', 'cls', 'last'] as const).find((name) => POOLING[name] === ctx.poolingType()) ?? 'mean';
    return { vectors, tokenCounts: sequences.map((s) => s.length), pooling };
  }

  free(): void {
    this.#state?.batch.free();
    this.#state?.ctx.free();
    this.#state = null;
  }

  #open(): { ctx: LlamaContext; batch: LlamaBatch } {
    if (this.#state) return this.#state;
    const declared = Number(this.#model.metaValStr(`${this.#model.metaValStr('general.architecture')}.pooling_type`));
    const poolingType = [POOLING.mean, POOLING.cls, POOLING.last].includes(declared as 1 | 2 | 3) ? declared : POOLING.mean;
    const nCtx = Number(process.env.EMB_CTX ?? Math.min(this.#contextTokens, this.#model.nCtxTrain()));
    const ctx = this.#llama.createContext(this.#model, {
      nCtx,
      // A non-causal model (BERT) needs each input whole in one micro-batch.
      nBatch: nCtx,
      nUbatch: nCtx,
      nSeqMax: MAX_SEQS_PER_DECODE,
      nThreads: this.#threads(),
      kvUnified: true,
      flashAttn: this.#flashAttn,
      embeddings: true,
      poolingType,
    });
    this.#state = { ctx, batch: this.#llama.createBatch(nCtx, 1) };
    return this.#state;
  }
}
