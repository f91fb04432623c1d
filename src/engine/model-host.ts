/**
 * @module engine/model-host
 * Everything the engine process builds around one loaded model (a GGUF the server validated before
 * starting this process): the llama.cpp model and unified-KV context, the batch, the prefix tree, the
 * scheduler and the runner, plus the conversion of a submit message into a GenerationRequest.
 */
import path from 'node:path';
import { Embedder, type EmbedInput, type Embeddings } from './embedder.ts';
import { EngineError } from './errors.ts';
import { GGML_DEFAULT_POLL, loadLlama } from './llama/index.ts';
import type { LlamaModel } from './llama/model.ts';
import type { CompactionResult, KvState } from './prefix/compaction.ts';
import { PrefixTree } from './prefix/tree.ts';
import type { EngineConfig, ModelInfo, SubmitMessage } from './protocol.ts';
import { Runner } from './runner.ts';
import { buildSampler, type RequestSampler } from './sampling/chain.ts';
import { withThinkingBudget } from './sampling/thinking-budget.ts';
import { checkPromptFits, Scheduler } from './scheduler/scheduler.ts';
import { usableCores } from './threads/cpu-cores.ts';
import { AdaptiveThreads } from './threads/adaptive-threads.ts';
import { CpuLoad } from './threads/cpu-load.ts';
import { ThreadTuner } from './threads/thread-tuner.ts';
import type { CacheKey, GenerationRequest, RequestId, SeqId } from './types.ts';

/** llama.cpp's limit on distinct sequence ids in one context. */
const LLAMA_MAX_SEQ = 256;

/**
 * A text this many bytes per token of the context longer than the context is checked on its head first:
 * a prompt that cannot fit is refused without tokenizing all of it.
 */
const HEAD_BYTES_PER_TOKEN = 8;

/**
 * The most cached KV data an idle compaction copies (twice: out and back). Past it the cache is left as
 * it is: the copy would keep a request that arrives meanwhile waiting too long.
 */
const MAX_COMPACTION_BYTES = 512 * 1024 * 1024;

/** Host memory parked prefix-cache branches may take, by default (llama-server's --cache-ram is 8 GiB). */
const DEFAULT_PARKED_CACHE_BYTES = 2 * 1024 ** 3;

export interface PreparedRequest {
  request: GenerationRequest;
  sampler: RequestSampler;
}

export interface EngineModel {
  info: ModelInfo;
  model: LlamaModel;
  scheduler: Scheduler;
  runner: Runner;
  /** Tokenizes and builds the sampler off the event loop. Throws EngineError on a request it refuses. */
  prepare(message: SubmitMessage): Promise<PreparedRequest>;
  /** A prompt text's tokens, off the event loop; context_length_exceeded when it cannot fit the context. */
  tokenize(text: string, addSpecial: boolean): Promise<Int32Array>;
  detokenize(tokens: number[]): string;
  /** Packs the prefix cache into the lowest KV cells; call only between steps, while idle. */
  compactCache(): CompactionResult;
  /** Embeddings of the inputs, from the model's embedding context (see embedder.ts). */
  embed(inputs: EmbedInput[], truncate: boolean): Promise<Embeddings>;
}

export async function openModel(config: EngineConfig): Promise<EngineModel> {
  const llama = loadLlama({ libDir: config.libDir });
  // One more sequence than slots and holders: the prefix cache's scratch for parking branches.
  const nSeqMax = config.numSlots + config.numCacheHolders + 1;
  if (nSeqMax > LLAMA_MAX_SEQ) {
    throw new EngineError('invalid_request', `slots + cache holders + 1 = ${nSeqMax}, llama.cpp allows ${LLAMA_MAX_SEQ}`);
  }
  // llama.cpp caps a batch at the context size and reserves an output row per sequence within it: a smaller
  // context aborts the process (a step's tokens need cells of their own, so they fit the cap anyway).
  if (config.totalCells < nSeqMax) {
    throw new EngineError('invalid_request', `a context of ${config.totalCells} tokens is too small for ${config.numSlots} slots: it needs at least ${nSeqMax} (slots + ${config.numCacheHolders} prefix-cache holders + 1)`);
  }
  // Started before the model loads, so the first steps already know how busy the other cores are.
  const cpuLoad = new CpuLoad();
  const gpuLayers = config.gpuLayers >= 0 ? config.gpuLayers : llama.hasGpu ? -1 : 0;
  const model = await llama.loadModel(config.modelPath, { nGpuLayers: gpuLayers });
  // Never more threads than usable cores: ggml's spinning pool collapses when oversubscribed.
  const threads = Math.min(config.threads, usableCores());
  const threadCounts = config.adaptiveThreads === false ? [threads] : ThreadTuner.candidatesUpTo(threads);
  // llama.cpp reserves an output row per sequence id and asserts they fit in a batch (llama_context::output_reserve).
  const nBatch = Math.max(config.numSlots + config.maxPrefillTokensPerStep, nSeqMax);
  const ctx = llama.createContext(model, {
    nCtx: config.totalCells,
    nBatch,
    nUbatch: Math.min(nBatch, 512),
    nSeqMax,
    nThreads: threads,
    nThreadsBatch: threads,
    kvUnified: true,
    // Flash attention skips the masked cells of other sequences in the unified cache (measured here:
    // 1.8x decode at 8 streams, 1.3x prefill), but it accumulates in F16, so results depend on where a
    // sequence's cells sit. Turning it off gives bit-exact output whatever the batch or cache hit.
    flashAttn: config.flashAttention ?? true,
    // Persistent pools at ggml's default polling level, as llama.cpp's CLI attaches: measured on this
    // 2-core machine at 8 streams, HTTP+SSE throughput rose from 197 to 256 tok/s (engine alone 251 to
    // 281) against ggml's default of starting threads on every compute. One per thread count the
    // tuner may pick, so switching count never starts or stops a thread.
    threadPools: { poll: GGML_DEFAULT_POLL, sizes: threadCounts },
  });
  const totalCells = ctx.nCtx();
  const trainContext = model.nCtxTrain();
  const maxSeqLen = Math.min(config.maxSeqLen > 0 ? config.maxSeqLen : trainContext, trainContext, totalCells);
  const vocab = model.vocab;
  const kv: KvState = {
    seqCp: (src, dst, p0, p1) => ctx.memory.seqCp(src, dst, p0, p1),
    seqRm: (seq, p0, p1) => void ctx.memory.seqRm(seq, p0, p1),
    clear: () => ctx.memory.clear(false),
    getSeqState: (seq) => ctx.getSeqState(seq),
    setSeqState: (seq, data) => ctx.setSeqState(seq, data),
  };
  const holders = Array.from({ length: config.numCacheHolders }, (_, i) => (config.numSlots + i) as SeqId);
  const scheduler = new Scheduler(
    { numSlots: config.numSlots, maxQueueLength: config.maxQueueLength, maxPrefillTokensPerStep: config.maxPrefillTokensPerStep, maxSeqLen, totalCells },
    { kv, tree: new PrefixTree(kv, holders, { scratch: (nSeqMax - 1) as SeqId, maxParkedBytes: config.parkedCacheBytes ?? DEFAULT_PARKED_CACHE_BYTES }), text: { pieceBytes: (t) => vocab.tokenToPiece(t, true), isEog: (t) => vocab.isEog(t) } },
  );
  const batch = llama.createBatch(nBatch, 1);
  const adaptive = threadCounts.length > 1 ? new AdaptiveThreads(threads, cpuLoad) : null;
  const embedder = new Embedder(llama, model, { threads: () => adaptive?.freeCores() ?? threads, contextTokens: config.totalCells, flashAttn: config.flashAttention ?? true });
  const runner = new Runner(ctx, batch, adaptive);

  const fim = [vocab.fimPre(), vocab.fimSuf(), vocab.fimMid()];
  const special = (token: number) => (token >= 0 ? new TextDecoder().decode(vocab.tokenToPiece(token, true)) : null);
  const info: ModelInfo = {
    path: path.resolve(config.modelPath),
    name: model.metaValStr('general.name') ?? path.basename(config.modelPath, '.gguf'),
    architecture: model.metaValStr('general.architecture') ?? '',
    description: model.desc(),
    numParams: model.nParams(),
    sizeBytes: model.size(),
    trainContextLength: trainContext,
    maxSeqLen,
    vocabSize: vocab.nTokens(),
    chatTemplate: model.chatTemplate(),
    bosToken: special(vocab.bos()),
    eosToken: special(vocab.eos()),
    addBos: vocab.getAddBos(),
    fim: fim.every((t) => t >= 0) ? { prefix: fim[0], suffix: fim[1], middle: fim[2] } : null,
    gpuLayers,
    threads,
    numSlots: config.numSlots,
    totalCells,
  };

  const tokenize = async (text: string, addSpecial: boolean): Promise<Int32Array> => {
    const headLength = maxSeqLen * HEAD_BYTES_PER_TOKEN;
    if (text.length > headLength) {
      const head = await vocab.tokenizeAsync(text.slice(0, headLength), addSpecial, true);
      // One token of slack: the cut may split what the whole text tokenizes as one token.
      if (head.length > maxSeqLen + 1) {
        throw new EngineError(
          'context_length_exceeded',
          `the prompt has more than ${head.length - 1} tokens (${Buffer.byteLength(text)} bytes) but the context holds ${maxSeqLen} tokens (prompt + output)`,
        );
      }
    }
    return vocab.tokenizeAsync(text, addSpecial, true);
  };

  return {
    info,
    model,
    scheduler,
    runner,
    tokenize,
    compactCache: () => scheduler.compactCache(kv, MAX_COMPACTION_BYTES),
    async prepare(message) {
      const promptTokens = 'tokens' in message.prompt ? message.prompt.tokens : Array.from(await tokenize(message.prompt.text, message.prompt.addSpecial));
      const invalid = promptTokens.find((t) => t >= info.vocabSize);
      if (invalid !== undefined) throw new EngineError('invalid_request', `prompt token ${invalid} is outside the vocabulary (0..${info.vocabSize - 1})`);
      // Before the sampler: a grammar can take long to compile for a request refused anyway.
      checkPromptFits(promptTokens.length, maxSeqLen);
      const { penaltyLastN } = message.sampling;
      const request: GenerationRequest = {
        id: message.id as RequestId,
        cacheKey: message.cacheKey as CacheKey,
        promptTokens,
        sampling: { ...message.sampling, penaltyLastN: penaltyLastN === -1 ? maxSeqLen : penaltyLastN },
        maxTokens: message.maxTokens,
        stop: message.stop,
        topLogprobs: message.topLogprobs,
        stopOnEog: message.stopOnEog,
      };
      const budget = message.thinkingBudget;
      if (!budget) return { request, sampler: await buildSampler(llama.sampler, vocab, request.sampling) };
      if (request.sampling.grammar) throw new EngineError('invalid_request', 'a thinking budget cannot go with a grammar: a constrained output does not reason');
      const endTokens = Array.from(await tokenize(budget.end, false));
      const sampler = await buildSampler(llama.sampler, vocab, request.sampling);
      const marker = Buffer.from(budget.marker);
      return { request, sampler: withThinkingBudget(sampler, { maxTokens: budget.maxTokens, endTokens, marker }, (t) => vocab.tokenToPiece(t, true)) };
    },
    detokenize: (tokens) => vocab.detokenize(tokens, false, true),
    embed: (inputs, truncate) => embedder.embed(inputs, truncate),
  };
}
