/**
 * @module engine/types
 * Plain data shared by the scheduler, the prefix cache, the runner and the IPC protocol.
 * Nothing here touches llama.cpp, so the scheduler can be tested without a native library.
 */

export type RequestId = string & { readonly __brand: 'RequestId' };
export type SeqId = number & { readonly __brand: 'SeqId' };
/** Namespace of the prefix cache: the server passes the tenant, so no two tenants ever share KV cells. */
export type CacheKey = string & { readonly __brand: 'CacheKey' };
export type Token = number;

export interface SamplingParams {
  /** 0 means greedy (argmax); the other fields are then ignored except logit bias and penalties. */
  temperature: number;
  topP: number;
  /** 0 disables top-k. */
  topK: number;
  minP: number;
  seed: number;
  presencePenalty: number;
  frequencyPenalty: number;
  repetitionPenalty: number;
  /** How many recent tokens the penalties look at (llama.cpp's penalty_last_n; -1 = whole context). */
  penaltyLastN: number;
  logitBias: Array<{ token: Token; bias: number }>;
  /** GBNF grammar the output must follow (llama.cpp's grammar sampler). */
  grammar?: { text: string; root: string };
}

export interface GenerationRequest {
  id: RequestId;
  cacheKey: CacheKey;
  promptTokens: Token[];
  sampling: SamplingParams;
  maxTokens: number;
  /** Matched on the decoded text, across token boundaries; the stop string itself is not returned. */
  stop: string[];
  /** Number of alternatives to report per token (0..20); undefined means no logprobs at all. */
  topLogprobs?: number;
  /** Stop on end-of-generation tokens (true for normal requests). */
  stopOnEog: boolean;
}

export type FinishReason = 'stop' | 'length' | 'cancelled' | 'error';

/**
 * Request lifecycle. A preempted request goes back to `waiting`; every `finished_*` member is final,
 * and `finishReasonOf` is the one table that maps them to the reason a client sees.
 */
export type RequestStatus =
  | 'waiting'
  | 'running'
  | 'finished_stopped'
  | 'finished_length'
  | 'finished_cancelled'
  | 'finished_error';

const FINISH_REASONS: Partial<Record<RequestStatus, FinishReason>> = {
  finished_stopped: 'stop',
  finished_length: 'length',
  finished_cancelled: 'cancelled',
  finished_error: 'error',
};

export function finishReasonOf(status: RequestStatus): FinishReason | undefined {
  return FINISH_REASONS[status];
}

export function isFinished(status: RequestStatus): boolean {
  return status.startsWith('finished_');
}

export interface TokenLogprob {
  token: Token;
  logprob: number;
  bytes: number[];
}

export interface SampledToken {
  token: Token;
  /** Present when the request asked for logprobs. */
  logprob?: TokenLogprob;
  topLogprobs?: TokenLogprob[];
}

export interface Usage {
  promptTokens: number;
  /** Prompt tokens served from the prefix cache (DeepSeek's prompt_cache_hit_tokens). */
  promptCacheHitTokens: number;
  completionTokens: number;
}

/** What one request got from one decode step: the step channel carries one array of these per step. */
export interface StepEvent {
  id: RequestId;
  /** Index of the decode step that produced these tokens (lets tests check that no step skipped a stream). */
  step: number;
  tokens: Token[];
  /** Decoded text released by this step: complete UTF-8 only, held back while it may be the start of a stop string. */
  text: string;
  logprobs?: SampledToken[];
  finishReason?: FinishReason;
  /** The stop string that ended the request (Anthropic's `stop_sequence`); absent for every other finish. */
  stopSequence?: string;
  usage?: Usage;
  error?: string;
}
