/**
 * @module engine/llama/sampler
 * llama.h "sampling" area, thin: chains, the stock samplers, sample/accept/reset. Which samplers a
 * request gets, and in which order, is engine/sampling's business.
 *
 * Ownership is llama.cpp's: llama_sampler_chain_add hands the sampler to the chain, which frees it with
 * itself, so only free a chain or a sampler that was never added to one.
 */
import koffi from 'koffi';
import type { IKoffiLib } from 'koffi';
import type { LlamaContext } from './context.ts';
import { takeLastError } from './library.ts';
import type { SamplerPtr, VocabPtr } from './types.ts';
import './types.ts';

koffi.struct('llama_sampler_chain_params', { no_perf: 'bool' });
koffi.struct('llama_logit_bias', { token: 'int32_t', bias: 'float' });

export interface LogitBias {
  token: number;
  bias: number;
}

/** The seed value that makes llama.cpp pick a random seed. */
export const LLAMA_DEFAULT_SEED = 0xffffffff;

export function bindSampler(llama: IKoffiLib) {
  const fn = {
    chain_default_params: llama.func('llama_sampler_chain_params llama_sampler_chain_default_params(void)'),
    chain_init: llama.func('llama_sampler *llama_sampler_chain_init(llama_sampler_chain_params params)'),
    chain_add: llama.func('void llama_sampler_chain_add(llama_sampler *chain, llama_sampler *smpl)'),
    free: llama.func('void llama_sampler_free(llama_sampler *smpl)'),
    init_greedy: llama.func('llama_sampler *llama_sampler_init_greedy(void)'),
    init_dist: llama.func('llama_sampler *llama_sampler_init_dist(uint32_t seed)'),
    init_top_k: llama.func('llama_sampler *llama_sampler_init_top_k(int32_t k)'),
    init_top_p: llama.func('llama_sampler *llama_sampler_init_top_p(float p, size_t min_keep)'),
    init_min_p: llama.func('llama_sampler *llama_sampler_init_min_p(float p, size_t min_keep)'),
    init_temp: llama.func('llama_sampler *llama_sampler_init_temp(float t)'),
    init_penalties: llama.func('llama_sampler *llama_sampler_init_penalties(int32_t n_vocab, int32_t penalty_last_n, float penalty_repeat, float penalty_freq, float penalty_present)'),
    init_logit_bias: llama.func('llama_sampler *llama_sampler_init_logit_bias(int32_t n_vocab, int32_t n_logit_bias, const llama_logit_bias *logit_bias)'),
    init_grammar: llama.func('llama_sampler *llama_sampler_init_grammar(llama_vocab *vocab, const char *grammar_str, const char *grammar_root)'),
    sample: llama.func('int32_t llama_sampler_sample(llama_sampler *smpl, llama_context *ctx, int32_t idx)'),
    accept: llama.func('void llama_sampler_accept(llama_sampler *smpl, int32_t token)'),
    reset: llama.func('void llama_sampler_reset(llama_sampler *smpl)'),
  };

  return {
    /** llama_sampler_chain_default_params */
    chainDefaultParams(): { no_perf: boolean } {
      return fn.chain_default_params();
    },
    /** llama_sampler_chain_init; `noPerf` defaults to llama.cpp's default (no timings). */
    chainInit(noPerf?: boolean): SamplerPtr {
      const params = fn.chain_default_params();
      if (noPerf !== undefined) params.no_perf = noPerf;
      return fn.chain_init(params);
    },
    /** llama_sampler_chain_add: the chain now owns `smpl`. */
    chainAdd(chain: SamplerPtr, smpl: SamplerPtr): void {
      fn.chain_add(chain, smpl);
    },
    /** llama_sampler_free: a chain frees the samplers it owns. */
    free(smpl: SamplerPtr): void {
      fn.free(smpl);
    },
    /** llama_sampler_init_greedy */
    initGreedy(): SamplerPtr {
      return fn.init_greedy();
    },
    /** llama_sampler_init_dist; LLAMA_DEFAULT_SEED picks a random seed. */
    initDist(seed: number): SamplerPtr {
      return fn.init_dist(seed >>> 0);
    },
    /** llama_sampler_init_top_k; k <= 0 is a no-op. */
    initTopK(k: number): SamplerPtr {
      return fn.init_top_k(k);
    },
    /** llama_sampler_init_top_p */
    initTopP(p: number, minKeep: number): SamplerPtr {
      return fn.init_top_p(p, minKeep);
    },
    /** llama_sampler_init_min_p */
    initMinP(p: number, minKeep: number): SamplerPtr {
      return fn.init_min_p(p, minKeep);
    },
    /** llama_sampler_init_temp; t <= 0 keeps only the most likely token. */
    initTemp(t: number): SamplerPtr {
      return fn.init_temp(t);
    },
    /**
     * llama_sampler_init_penalties (this release takes n_vocab first). Penalises the last `lastN`
     * accepted tokens; llama.cpp clamps a negative lastN to 0, which disables it. repeat 1, freq 0 and
     * present 0 are off.
     */
    initPenalties(nVocab: number, lastN: number, repeat: number, freq: number, present: number): SamplerPtr {
      return fn.init_penalties(nVocab, lastN, repeat, freq, present);
    },
    /** llama_sampler_init_logit_bias: llama.cpp copies the biases. */
    initLogitBias(nVocab: number, biases: readonly LogitBias[]): SamplerPtr {
      return fn.init_logit_bias(nVocab, biases.length, biases.length > 0 ? biases : null);
    },
    /** llama_sampler_init_grammar (GBNF); throws with llama.cpp's parse error on a bad grammar. */
    initGrammar(vocab: VocabPtr, grammar: string, root: string): SamplerPtr {
      takeLastError();
      return grammarSampler(fn.init_grammar(vocab, grammar, root) as SamplerPtr | null);
    },
    /**
     * initGrammar on a koffi worker thread: parsing a large grammar (and expanding its repetitions)
     * takes long enough to stall every other request if it ran on the engine's event loop.
     */
    async initGrammarAsync(vocab: VocabPtr, grammar: string, root: string): Promise<SamplerPtr> {
      takeLastError();
      const smpl = await new Promise<SamplerPtr | null>((resolve, reject) => {
        fn.init_grammar.async(vocab, grammar, root, (err: unknown, result: SamplerPtr | null) => (err ? reject(err) : resolve(result)));
      });
      return grammarSampler(smpl);
    },
    /**
     * llama_sampler_sample: applies the chain to the logits of batch token `idx` of the last decode,
     * accepts the chosen token into the chain's state and returns it.
     */
    sample(smpl: SamplerPtr, ctx: LlamaContext, idx: number): number {
      return fn.sample(smpl, ctx.ptr, idx);
    },
    /** llama_sampler_accept: feeds a token the chain did not pick itself (prompt tokens for penalties). */
    accept(smpl: SamplerPtr, token: number): void {
      fn.accept(smpl, token);
    },
    /** llama_sampler_reset */
    reset(smpl: SamplerPtr): void {
      fn.reset(smpl);
    },
  };
}

export type SamplerApi = ReturnType<typeof bindSampler>;

function grammarSampler(smpl: SamplerPtr | null): SamplerPtr {
  if (!smpl) throw new SyntaxError(`invalid grammar: ${takeLastError() || 'llama.cpp could not parse it'}`);
  return smpl;
}
