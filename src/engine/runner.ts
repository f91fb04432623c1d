/**
 * @module engine/runner
 * Executes a StepPlan: fills one llama_batch, runs one llama_decode, samples one token for every chunk
 * that asked for logits. It decides nothing: who runs and with how many tokens is the scheduler's call.
 */
import type { LlamaBatch } from './llama/batch.ts';
import type { LlamaContext } from './llama/context.ts';
import type { LlamaVocab } from './llama/vocab.ts';
import { logSumExp, topLogprobs } from './sampling/logprobs.ts';
import type { RequestSampler } from './sampling/chain.ts';
import type { StepPlan } from './scheduler/scheduler.ts';
import { mark } from './step-profile.ts';
import type { AdaptiveThreads } from './threads/adaptive-threads.ts';
import type { GenerationRequest, RequestId, SampledToken, TokenLogprob } from './types.ts';

/**
 * A step of one sequence whose decode is predicted to take less than this runs on the engine process's
 * own thread; any other on libuv's pool. Handing a decode to a pool thread and back cost 0.8 ms a step on
 * this 2-core machine (bench model, one stream: 9.4 against 10.2 ms a token), which weighs on one stream's
 * short steps. With several streams, sending a step's events while the next decode runs on the pool was
 * worth more (8 streams over HTTP, 4 interleaved rounds: 163 tok/s through the pool, 145 on this thread).
 * A long decode (a prefill chunk, a big model) keeps the pool so the process reads its messages meanwhile.
 */
const QUICK_DECODE_MS = 50;

/** A step that produced nothing usable: every request in it fails, the engine goes on. */
export class DecodeError extends Error {}

interface Active {
  sampler: RequestSampler;
  topLogprobs?: number;
}

export class Runner {
  readonly #ctx: LlamaContext;
  readonly #batch: LlamaBatch;
  readonly #vocab: LlamaVocab;
  readonly #active = new Map<RequestId, Active>();
  readonly #threads: AdaptiveThreads | null;
  /** The last decode time (ms) of a batch of each size class (by the power of two above its token count). */
  readonly #decodeMs = new Map<number, number>();

  constructor(ctx: LlamaContext, batch: LlamaBatch, threads: AdaptiveThreads | null = null) {
    this.#ctx = ctx;
    this.#batch = batch;
    this.#vocab = ctx.model.vocab;
    this.#threads = threads;
  }

  /** Threads the last decode ran on. */
  get numThreads(): number {
    return this.#ctx.nThreads;
  }

  /** Take a submitted request's sampler; release() frees it. */
  admit(request: GenerationRequest, sampler: RequestSampler): void {
    this.#active.set(request.id, { sampler, topLogprobs: request.topLogprobs });
  }

  release(id: RequestId): void {
    this.#active.get(id)?.sampler.free();
    this.#active.delete(id);
  }

  /** Whether the plan's decode should run on this thread: one sequence, and a batch of its size was last this fast. */
  isQuick(plan: StepPlan): boolean {
    if (plan.chunks.length !== 1) return false;
    const ms = this.#decodeMs.get(sizeClass(plan.chunks[0].tokens.length));
    return ms !== undefined && ms < QUICK_DECODE_MS;
  }

  /** `quick`: decode on this thread (see isQuick), blocking it until the decode ends. */
  async run(plan: StepPlan, quick = false): Promise<Map<RequestId, SampledToken>> {
    const batch = this.#batch;
    batch.clear();
    const outputs: Array<{ id: RequestId; index: number }> = [];
    for (const chunk of plan.chunks) {
      const last = chunk.tokens.length - 1;
      chunk.tokens.forEach((token, i) => {
        const index = batch.add(token, chunk.startPos + i, chunk.seqId, chunk.needsLogits && i === last);
        if (chunk.needsLogits && i === last) outputs.push({ id: chunk.id, index });
      });
    }
    if (this.#threads) this.#ctx.useThreads(this.#threads.choose(batch.nTokens));
    mark('fill');
    const startedAt = performance.now();
    const status = quick ? this.#ctx.decode(batch) : await this.#ctx.decodeAsync(batch);
    mark('decode');
    const elapsedMs = performance.now() - startedAt;
    this.#decodeMs.set(sizeClass(batch.nTokens), elapsedMs);
    this.#threads?.record(batch.nTokens, this.#ctx.nThreads, elapsedMs);
    if (status !== 0) throw new DecodeError(`llama_decode failed with status ${status}`);
    const sampled = new Map<RequestId, SampledToken>();
    for (const { id, index } of outputs) {
      const active = this.#active.get(id);
      if (active) sampled.set(id, this.#sample(active, index));
    }
    mark('sample');
    return sampled;
  }

  #sample(active: Active, index: number): SampledToken {
    // A view, not a copy: reading the sampled token's logit costs nothing next to the decode.
    const logits = this.#ctx.getLogitsIth(index);
    if (active.topLogprobs === undefined) return { token: this.#checked(active.sampler.sample(this.#ctx, index), logits) };
    // Read the model's own distribution before the sampler chain reshapes it (as OpenAI reports logprobs).
    const lse = logSumExp(logits);
    const alternatives = topLogprobs(logits, active.topLogprobs, lse).map((a) => this.#entry(a.token, a.logprob));
    const rawOfSampled = new Map(alternatives.map((a) => [a.token, a.logprob]));
    const token = this.#checked(active.sampler.sample(this.#ctx, index), logits);
    const logprob = rawOfSampled.get(token) ?? logits[token] - lse;
    return { token, logprob: this.#entry(token, logprob), topLogprobs: alternatives };
  }

  /**
   * NaN logits make every sampler return garbage without an error. llama.cpp's AMX CPU backend does
   * this with quantized deepseek2 attn_v_b, and so does any model with broken weights.
   */
  #checked(token: number, logits: Float32Array): number {
    if (Number.isNaN(logits[token])) {
      throw new DecodeError('the model produced NaN logits (broken weights, or a backend that cannot run one of its tensor types)');
    }
    return token;
  }

  #entry(token: number, logprob: number): TokenLogprob {
    return { token, logprob, bytes: Array.from(this.#vocab.tokenToPiece(token, true)) };
  }
}

function sizeClass(numTokens: number): number {
  return 32 - Math.clz32(Math.max(0, numTokens - 1));
}
