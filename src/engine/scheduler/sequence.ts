/**
 * One request's token state. `numComputedTokens` catches up with `tokens.length`: a prefix hit, a
 * prefill chunk and a decode step are the same arithmetic, so there is no prefill/decode phase field.
 */
import type { MatchResult } from '../prefix/tree.ts';
import type { GenerationRequest, RequestStatus, SeqId, Token } from '../types.ts';
import { TextStream } from './text-stream.ts';

export class Sequence {
  readonly request: GenerationRequest;
  readonly numPromptTokens: number;
  /** Prompt followed by every sampled token. The last sampled token is not in the KV cache yet. */
  readonly tokens: Token[];
  readonly text: TextStream;
  status: RequestStatus = 'waiting';
  seqId: SeqId | null = null;
  numComputedTokens = 0;
  /** Tokens shared from the prefix cache at (re)admission; they cost this sequence no cells. */
  numSharedTokens = 0;
  /** Prompt tokens served from the cache at first admission: what usage reports. */
  numCacheHitTokens = 0;
  isAdmittedBefore = false;
  /** Preempted at least once: tokens it takes from the cache after that are not hits (it had computed them). */
  wasPreempted = false;
  cacheMatch: MatchResult | null = null;
  /** An earlier running request computing the prompt tokens this one shares with it, up to numCommonTokens. */
  leader: { seq: Sequence; numCommonTokens: number } | null = null;
  cancelRequested = false;

  constructor(request: GenerationRequest) {
    this.request = request;
    this.numPromptTokens = request.promptTokens.length;
    this.tokens = [...request.promptTokens];
    this.text = new TextStream(request.stop);
  }

  get numOutputTokens(): number {
    return this.tokens.length - this.numPromptTokens;
  }

  /** Tokens still to feed before the next sample. 1 means a plain decode step. */
  get numPendingTokens(): number {
    return this.tokens.length - this.numComputedTokens;
  }

  get isDecoding(): boolean {
    return this.numPendingTokens === 1;
  }

  /** KV cells this sequence holds that nobody else does. */
  get numPrivateCells(): number {
    return this.numComputedTokens - this.numSharedTokens;
  }
}
