/**
 * @module engine/scheduler
 * Continuous batching in the manner of vLLM v1: each step plans one `llama_decode` holding exactly one
 * token for every decoding sequence plus at most `maxPrefillTokensPerStep` prompt tokens (chunked
 * prefill), so a long prompt never freezes the streams already running.
 *
 * The loop is three calls: `schedule()` returns a plain-data `StepPlan`, the runner decodes it and
 * samples, `update(plan, sampled)` advances the requests and returns the step's events. This module never
 * touches llama.cpp: KV cells are reached through `KvMemory` and text through `TokenText`.
 */
import { EngineError } from '../errors.ts';
import { compactCache, type CompactionResult, type KvState } from '../prefix/compaction.ts';
import type { KvMemory } from '../prefix/kv-memory.ts';
import { commonLength, type PrefixTree } from '../prefix/tree.ts';
import {
  finishReasonOf,
  type GenerationRequest,
  type RequestId,
  type RequestStatus,
  type SampledToken,
  type SeqId,
  type StepEvent,
  type Token,
} from '../types.ts';
import { FairQueue } from './fair-queue.ts';
import { Sequence } from './sequence.ts';

export interface SchedulerConfig {
  /** Sequence ids 0..numSlots-1 run requests; at most this many requests run at once. */
  numSlots: number;
  maxQueueLength: number;
  maxPrefillTokensPerStep: number;
  /** Longest sequence (prompt + output) one request may reach. */
  maxSeqLen: number;
  /** KV cells in the unified cache. */
  totalCells: number;
}

export interface TokenText {
  pieceBytes(token: Token): Uint8Array;
  isEog(token: Token): boolean;
}

export interface ScheduledChunk {
  id: RequestId;
  seqId: SeqId;
  startPos: number;
  tokens: Token[];
  /** True when the chunk ends at the sequence's last token, so the step samples for it. */
  needsLogits: boolean;
}

export interface StepPlan {
  step: number;
  chunks: ScheduledChunk[];
  numTokens: number;
  /** Requests entering a slot for the first time this step (for logs and tests: who was served when). */
  admitted: GenerationRequest[];
  preempted: RequestId[];
}

export interface SchedulerStats {
  numWaiting: number;
  numRunning: number;
  numCachedTokens: number;
  numFreeCells: number;
  /** Running requests sent back to the queue to free cells, since the scheduler was made. */
  numPreemptions: number;
  /** Cached prefix tokens evicted to free cells, since the scheduler was made. */
  numEvictedTokens: number;
  /** Prompt tokens a request took from the cache after its admission, as another request computed them (since the scheduler was made). */
  numInFlightHitTokens: number;
  /** Times the prefix cache was packed into the lowest cells while idle (compaction.ts). */
  numCompactions: number;
  /** Cached tokens parked in host memory (prefix/tree.ts). */
  numParkedTokens: number;
}

/**
 * A request with at least this many prompt tokens to compute parks the cache branches no request uses
 * (prefix/tree.ts): below it, the attention saved is worth less than the copies out and back.
 */
const PARK_MIN_TOKENS = 1024;

/** Throws context_length_exceeded unless a prompt leaves room for at least one generated token. */
export function checkPromptFits(numPromptTokens: number, maxSeqLen: number): void {
  if (numPromptTokens >= maxSeqLen) {
    throw new EngineError('context_length_exceeded', `the prompt has ${numPromptTokens} tokens but the context holds ${maxSeqLen} tokens (prompt + output)`);
  }
}

export class Scheduler {
  readonly #config: SchedulerConfig;
  readonly #kv: KvMemory;
  readonly #tree: PrefixTree;
  readonly #text: TokenText;
  readonly #waiting = new FairQueue<Sequence>();
  /** In admission order: the newest is preempted first. */
  #running: Sequence[] = [];
  readonly #byId = new Map<RequestId, Sequence>();
  readonly #freeSlots: SeqId[];
  #outbox: StepEvent[] = [];
  #step = 0;
  #numPreemptions = 0;
  #numInFlightHitTokens = 0;
  #numCompactions = 0;

  constructor(config: SchedulerConfig, deps: { kv: KvMemory; tree: PrefixTree; text: TokenText }) {
    if (config.maxSeqLen > config.totalCells) throw new Error('maxSeqLen cannot exceed totalCells');
    this.#config = config;
    this.#kv = deps.kv;
    this.#tree = deps.tree;
    this.#text = deps.text;
    this.#freeSlots = Array.from({ length: config.numSlots }, (_, i) => (config.numSlots - 1 - i) as SeqId);
  }

  // ---------------------------------------------------------------- public API

  /** Queue a request. Throws EngineError when the queue is full or the prompt cannot fit. */
  add(request: GenerationRequest): void {
    const numPromptTokens = request.promptTokens.length;
    if (numPromptTokens === 0) throw new EngineError('invalid_request', 'the prompt is empty');
    if (this.#byId.has(request.id)) throw new EngineError('invalid_request', `duplicate request id ${request.id}`);
    checkPromptFits(numPromptTokens, this.#config.maxSeqLen);
    if (this.#waiting.size >= this.#config.maxQueueLength) {
      throw new EngineError(
        'overloaded',
        `the server is overloaded: ${this.#waiting.size} requests are already waiting (limit ${this.#config.maxQueueLength})`,
      );
    }
    const seq = new Sequence(request);
    this.#byId.set(request.id, seq);
    this.#waiting.push(request.cacheKey, seq);
  }

  /** Cancel a request; it stops at the next step. Returns false for an unknown (or finished) id. */
  cancel(id: RequestId): boolean {
    const seq = this.#byId.get(id);
    if (!seq) return false;
    if (this.#waiting.remove((s) => s === seq)) this.#finish(seq, 'finished_cancelled');
    else seq.cancelRequested = true;
    return true;
  }

  hasWork(): boolean {
    return this.#running.length > 0 || this.#waiting.size > 0 || this.#outbox.length > 0;
  }

  stats(): SchedulerStats {
    return {
      numWaiting: this.#waiting.size,
      numRunning: this.#running.length,
      numCachedTokens: this.#tree.size(),
      numFreeCells: this.#numFreeCells(),
      numPreemptions: this.#numPreemptions,
      numEvictedTokens: this.#tree.numEvictedTokens(),
      numInFlightHitTokens: this.#numInFlightHitTokens,
      numCompactions: this.#numCompactions,
      numParkedTokens: this.#tree.numParkedTokens(),
    };
  }

  /** Pack the prefix cache into the lowest cells (compaction.ts); only while no request runs or waits. */
  compactCache(kv: KvState, maxBytes: number): CompactionResult {
    if (this.#running.length > 0 || this.#waiting.size > 0) return { skipped: 'requests are running' };
    const result = compactCache(this.#tree, kv, this.#freeSlots[0], maxBytes);
    if ('numCells' in result) this.#numCompactions++;
    return result;
  }

  schedule(): StepPlan {
    const plan: StepPlan = { step: ++this.#step, chunks: [], numTokens: 0, admitted: [], preempted: [] };
    for (const seq of this.#running.filter((s) => s.cancelRequested)) this.#finish(seq, 'finished_cancelled');
    this.#admit(plan);
    this.#planDecodes(plan);
    this.#planPrefills(plan);
    this.#ensureProgress(plan);
    plan.numTokens = this.#numPlannedCells(plan);
    return plan;
  }

  /** Advance every request in `plan` with the tokens the runner sampled; returns this step's events. */
  update(plan: StepPlan, sampled: ReadonlyMap<RequestId, SampledToken>): StepEvent[] {
    const events = this.#takeOutbox();
    for (const chunk of plan.chunks) {
      const seq = this.#byId.get(chunk.id);
      if (!seq) continue;
      seq.numComputedTokens += chunk.tokens.length;
      if (chunk.startPos < seq.numPromptTokens) this.#share(seq);
      const sample = chunk.needsLogits ? sampled.get(chunk.id) : undefined;
      if (sample) events.push(this.#accept(seq, sample, plan.step));
    }
    return events.concat(this.#takeOutbox());
  }

  /** The decode of `plan` failed: every request in it ends with an error, the others go on. */
  fail(plan: StepPlan, message: string): StepEvent[] {
    for (const chunk of plan.chunks) {
      const seq = this.#byId.get(chunk.id);
      if (seq) this.#finish(seq, 'finished_error', message);
    }
    return this.#takeOutbox();
  }

  // ---------------------------------------------------------------- planning helpers

  /**
   * Admit waiting requests into free slots, in queue order, while the head's uncached tokens fit beside
   * what the running requests still need (their pending prefill and one decode token each), counting
   * evictable cache as free. A request admitted on these terms can finish its prefill without preempting
   * anyone, so a long prompt never thrashes with the streams already running; alone, any request fits.
   */
  #admit(plan: StepPlan): void {
    while (this.#freeSlots.length > 0 && this.#waiting.size > 0) {
      const seq = this.#waiting.peek() as Sequence;
      // Leave at least one token to compute so the step yields logits for it.
      const prompt = seq.tokens.slice(0, -1);
      this.#tree.restorePath(seq.request.cacheKey, prompt, () => this.#numFreeCells());
      const match = this.#tree.match(seq.request.cacheKey, prompt);
      const numShared = match.numCachedTokens;
      const leader = this.#leaderFor(seq, numShared);
      this.#tree.lock(match.node);
      const numOwn = seq.tokens.length - Math.max(numShared, leader?.numCommonTokens ?? 0);
      const numNeeded = numOwn + this.#running.reduce((n, s) => n + s.numPendingTokens, 0);
      if (this.#running.length > 0 && this.#numFreeCells() + this.#tree.evictableSize() < numNeeded) {
        this.#tree.unlock(match.node);
        break;
      }
      this.#waiting.shift();
      const seqId = this.#freeSlots.pop() as SeqId;
      this.#tree.copyPrefix(match.node, numShared, seqId);
      seq.cacheMatch = match;
      seq.seqId = seqId;
      seq.status = 'running';
      seq.numComputedTokens = numShared;
      seq.numSharedTokens = numShared;
      seq.leader = leader;
      if (!seq.isAdmittedBefore) {
        seq.numCacheHitTokens = Math.min(numShared, seq.numPromptTokens);
        seq.isAdmittedBefore = true;
        plan.admitted.push(seq.request);
      }
      this.#running.push(seq);
      if (numOwn >= PARK_MIN_TOKENS) this.#tree.parkIdle();
    }
  }

  #planDecodes(plan: StepPlan): void {
    let decoders = this.#running.filter((s) => s.isDecoding);
    while (decoders.length > 0 && !this.#makeRoom(decoders.length)) {
      const victim = this.#running[this.#running.length - 1];
      this.#preempt(victim, plan);
      decoders = decoders.filter((s) => s !== victim);
    }
    for (const seq of decoders) plan.chunks.push(this.#chunk(seq, 1));
  }

  #planPrefills(plan: StepPlan): void {
    let budget = this.#config.maxPrefillTokensPerStep;
    for (const seq of this.#running) {
      if (budget <= 0) break;
      if (seq.isDecoding) continue;
      this.#adopt(seq);
      if (this.#isWaitingForLeader(seq)) continue;
      const planned = this.#numPlannedCells(plan);
      const wanted = Math.min(seq.numPendingTokens, budget);
      this.#makeRoom(planned + wanted);
      const numTokens = Math.min(wanted, this.#numFreeCells() - planned);
      if (numTokens <= 0) break;
      plan.chunks.push(this.#chunk(seq, numTokens));
      budget -= numTokens;
    }
  }

  /**
   * Every step with running requests computes something. Planning above leaves a step empty only when
   * requests mid-prefill hold every cell between them: preempt the newest until one can go on. A request
   * that cannot go on even alone has filled the context, so it ends with length (admission and the
   * maxSeqLen bound make that unreachable; the guarantee does not rest on them).
   */
  #ensureProgress(plan: StepPlan): void {
    while (plan.chunks.length === 0 && this.#running.length > 0) {
      const newest = this.#running[this.#running.length - 1];
      if (this.#running.length === 1) {
        this.#finish(newest, 'finished_length');
        return;
      }
      this.#preempt(newest, plan);
      this.#planDecodes(plan);
      this.#planPrefills(plan);
    }
  }

  // ---------------------------------------------------------------- sharing prefixes in flight

  /**
   * The running request of the same cache key, admitted earlier, that will compute the longest part of
   * this one's prompt the cache does not hold yet: this one waits for those cells instead of computing
   * them again (a burst of requests with one long system prompt prefills it once). Found once, at
   * admission; only earlier requests lead, so no two wait for each other.
   */
  #leaderFor(seq: Sequence, numShared: number): { seq: Sequence; numCommonTokens: number } | null {
    let best: { seq: Sequence; numCommonTokens: number } | null = null;
    for (const other of this.#running) {
      if (other.request.cacheKey !== seq.request.cacheKey) continue;
      const numCommonTokens = Math.min(commonLength(other.tokens, seq.tokens), seq.tokens.length - 1);
      if (numCommonTokens > Math.max(numShared, other.numComputedTokens, best?.numCommonTokens ?? 0)) best = { seq: other, numCommonTokens };
    }
    return best;
  }

  #isWaitingForLeader(seq: Sequence): boolean {
    const leader = seq.leader;
    if (!leader) return false;
    const isLeading = leader.seq.status === 'running' && leader.seq.numComputedTokens < leader.numCommonTokens && seq.numComputedTokens < leader.numCommonTokens;
    if (!isLeading) seq.leader = null;
    return isLeading;
  }

  /**
   * Put a request's freshly computed prompt tokens into the prefix cache while it runs (it holds a lock
   * on them, so they are never evicted under it), for requests that share them to take.
   */
  #share(seq: Sequence): void {
    this.#tree.insert(seq.request.cacheKey, seq.tokens.slice(0, seq.numComputedTokens), seq.seqId as SeqId);
    this.#adopt(seq);
  }

  /**
   * Use the cache's cells for as much of the sequence as the cache holds: those another request computed
   * since (no need to compute them), and those it computed itself that the cache already had (duplicate
   * cells, freed). Its cells stay a shared prefix followed by private ones; the last token that has not
   * been computed is left to compute, so the step that does yields logits.
   */
  #adopt(seq: Sequence): void {
    const limit = Math.max(seq.numComputedTokens, seq.tokens.length - 1);
    const match = this.#tree.match(seq.request.cacheKey, seq.tokens.slice(0, limit));
    const upTo = match.numCachedTokens;
    if (upTo <= seq.numSharedTokens) return;
    const seqId = seq.seqId as SeqId;
    this.#tree.lock(match.node);
    if (seq.cacheMatch) this.#tree.unlock(seq.cacheMatch.node);
    seq.cacheMatch = match;
    // Positions must not hold two cells of one sequence: drop its own before taking the cache's.
    this.#kv.seqRm(seqId, 0, upTo);
    this.#tree.copyPrefix(match.node, upTo, seqId);
    if (!seq.wasPreempted && upTo > seq.numComputedTokens) {
      const numHits = Math.min(upTo, seq.numPromptTokens) - Math.min(seq.numComputedTokens, seq.numPromptTokens);
      seq.numCacheHitTokens += numHits;
      this.#numInFlightHitTokens += numHits;
    }
    seq.numComputedTokens = Math.max(seq.numComputedTokens, upTo);
    seq.numSharedTokens = upTo;
  }

  #chunk(seq: Sequence, numTokens: number): ScheduledChunk {
    const startPos = seq.numComputedTokens;
    return {
      id: seq.request.id,
      seqId: seq.seqId as SeqId,
      startPos,
      tokens: seq.tokens.slice(startPos, startPos + numTokens),
      needsLogits: startPos + numTokens === seq.tokens.length,
    };
  }

  #numFreeCells(): number {
    let used = this.#tree.size();
    for (const seq of this.#running) used += seq.numPrivateCells;
    return this.#config.totalCells - used;
  }

  #numPlannedCells(plan: StepPlan): number {
    return plan.chunks.reduce((n, c) => n + c.tokens.length, 0);
  }

  /** Evict cached prefixes until `numCells` cells are free; false when even that is not enough. */
  #makeRoom(numCells: number): boolean {
    const missing = numCells - this.#numFreeCells();
    if (missing > 0) this.#tree.evict(missing);
    return this.#numFreeCells() >= numCells;
  }

  /**
   * Send a running request back to the head of the queue. Its computed tokens go into the prefix cache,
   * where eviction reclaims them as needed: if the pressure passes first, it resumes from a cache hit
   * instead of recomputing. Its sampler keeps its state, so its output is the same as if uninterrupted.
   */
  #preempt(seq: Sequence, plan: StepPlan): void {
    this.#numPreemptions++;
    this.#releaseSlot(seq, true);
    seq.wasPreempted = true;
    seq.leader = null;
    seq.numComputedTokens = 0;
    seq.numSharedTokens = 0;
    plan.chunks = plan.chunks.filter((c) => c.id !== seq.request.id);
    plan.preempted.push(seq.request.id);
    seq.status = 'waiting';
    this.#waiting.pushFront(seq.request.cacheKey, seq);
  }

  // ---------------------------------------------------------------- update helpers

  #accept(seq: Sequence, sample: SampledToken, step: number): StepEvent {
    const { token } = sample;
    seq.tokens.push(token);
    const event: StepEvent = { id: seq.request.id, step, tokens: [token], text: '' };
    if (sample.logprob) event.logprobs = [sample];
    if (seq.request.stopOnEog && this.#text.isEog(token)) {
      this.#finish(seq, 'finished_stopped', undefined, event);
      return event;
    }
    const { text, stop } = seq.text.push(this.#text.pieceBytes(token));
    event.text = text;
    if (stop !== undefined) {
      event.stopSequence = stop;
      this.#finish(seq, 'finished_stopped', undefined, event, false);
    }
    else if (seq.numOutputTokens >= seq.request.maxTokens || seq.tokens.length >= this.#config.maxSeqLen) {
      this.#finish(seq, 'finished_length', undefined, event);
    }
    return event;
  }

  /**
   * End a request. Its event is `event` when the step produced one, else a new event in the outbox.
   * Computed tokens go into the prefix cache unless the request failed.
   */
  #finish(seq: Sequence, status: RequestStatus, error?: string, event?: StepEvent, flushText = true): void {
    const wasRunning = seq.status === 'running';
    seq.status = status;
    const target = event ?? { id: seq.request.id, step: this.#step, tokens: [], text: '' };
    if (flushText) target.text += seq.text.flush();
    target.finishReason = finishReasonOf(status);
    target.usage = {
      promptTokens: seq.numPromptTokens,
      promptCacheHitTokens: seq.numCacheHitTokens,
      completionTokens: seq.numOutputTokens,
    };
    if (error) target.error = error;
    if (!event) this.#outbox.push(target);
    if (wasRunning) this.#releaseSlot(seq, status !== 'finished_error');
    this.#byId.delete(seq.request.id);
  }

  #releaseSlot(seq: Sequence, isCacheable: boolean): void {
    const seqId = seq.seqId as SeqId;
    if (isCacheable && seq.numComputedTokens > 0) {
      this.#tree.insert(seq.request.cacheKey, seq.tokens.slice(0, seq.numComputedTokens), seqId);
    }
    this.#kv.seqRm(seqId, 0, -1);
    if (seq.cacheMatch) this.#tree.unlock(seq.cacheMatch.node);
    seq.cacheMatch = null;
    seq.seqId = null;
    this.#running = this.#running.filter((s) => s !== seq);
    this.#freeSlots.push(seqId);
  }

  #takeOutbox(): StepEvent[] {
    const events = this.#outbox;
    this.#outbox = [];
    return events;
  }
}
