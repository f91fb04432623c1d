/**
 * @module engine/sampling/chain
 * One llama.cpp sampler chain per request, built from its parameters in llama.cpp's own order
 * (grammar, logit bias, penalties, top-k, top-p, min-p, temperature, then dist or greedy).
 * The grammar goes first so every later stage only sees tokens the grammar allows.
 */
import type { LlamaContext } from '../llama/context.ts';
import type { SamplerApi } from '../llama/sampler.ts';
import type { SamplerPtr, VocabPtr } from '../llama/types.ts';
import { EngineError } from '../errors.ts';
import type { SamplingParams } from '../types.ts';

export interface RequestSampler {
  /** Sample from batch token `index` of the last decode and advance the chain's state. */
  sample(ctx: LlamaContext, index: number): number;
  /** Advance the chain's state with a token it did not pick (one written for the model). */
  accept(token: number): void;
  free(): void;
}

/**
 * Builds the chain for one request. The grammar, the one stage whose cost grows with the request, is
 * compiled on a worker thread; every check that needs no compiling is made before it.
 */
export async function buildSampler(api: SamplerApi, vocab: { ptr: VocabPtr; nTokens(): number }, params: SamplingParams): Promise<RequestSampler> {
  const nVocab = vocab.nTokens();
  const outOfRange = params.logitBias.find((b) => b.token >= nVocab);
  if (outOfRange) throw new EngineError('invalid_request', `logit_bias token ${outOfRange.token} is outside the vocabulary (0..${nVocab - 1})`);
  let grammar: SamplerPtr | null = null;
  if (params.grammar) {
    try {
      grammar = await api.initGrammarAsync(vocab.ptr, params.grammar.text, params.grammar.root);
    } catch (error) {
      throw new EngineError('invalid_request', (error as Error).message);
    }
  }
  const chain = api.chainInit(true);
  const add = (smpl: SamplerPtr) => api.chainAdd(chain, smpl);
  if (grammar) add(grammar);
  if (params.logitBias.length > 0) add(api.initLogitBias(nVocab, params.logitBias));
  const hasPenalties = params.repetitionPenalty !== 1 || params.frequencyPenalty !== 0 || params.presencePenalty !== 0;
  if (hasPenalties) {
    add(api.initPenalties(nVocab, params.penaltyLastN, params.repetitionPenalty, params.frequencyPenalty, params.presencePenalty));
  }
  if (params.temperature === 0) {
    add(api.initGreedy());
  } else {
    if (params.topK > 0) add(api.initTopK(params.topK));
    if (params.topP < 1) add(api.initTopP(params.topP, 1));
    if (params.minP > 0) add(api.initMinP(params.minP, 1));
    add(api.initTemp(params.temperature));
    add(api.initDist(params.seed));
  }
  return {
    sample: (ctx, index) => api.sample(chain, ctx, index),
    accept: (token) => api.accept(chain, token),
    free: () => api.free(chain),
  };
}
