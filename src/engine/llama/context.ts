/**
 * @module engine/llama/context
 * llama.h "context" area: llama_context_params (field for field as in release v0.4.0), creating and
 * freeing a context, its sizes and threads, llama_decode, the logits of an output and the perf counters.
 */
import koffi from 'koffi';
import type { IKoffiLib } from 'koffi';
import type { LlamaBatch } from './batch.ts';
// Registers the llama_batch struct that llama_decode's declaration names.
import './batch.ts';
import { takeLastError } from './library.ts';
import { LlamaMemory, type MemoryFns } from './memory.ts';
import type { LlamaModel } from './model.ts';
import type { Threadpool, ThreadpoolApi } from './threadpool.ts';
import type { ContextPtr, MemoryPtr } from './types.ts';
import './types.ts';

export const ContextParams = koffi.struct('llama_context_params', {
  n_ctx: 'uint32_t',
  n_batch: 'uint32_t',
  n_ubatch: 'uint32_t',
  n_seq_max: 'uint32_t',
  n_rs_seq: 'uint32_t',
  n_outputs_max: 'uint32_t',
  n_outputs_max_per_seq: 'uint32_t',
  n_threads: 'int32_t',
  n_threads_batch: 'int32_t',
  ctx_type: 'int32_t',
  rope_scaling_type: 'int32_t',
  pooling_type: 'int32_t',
  attention_type: 'int32_t',
  flash_attn_type: 'int32_t',
  rope_freq_base: 'float',
  rope_freq_scale: 'float',
  yarn_ext_factor: 'float',
  yarn_attn_factor: 'float',
  yarn_beta_fast: 'float',
  yarn_beta_slow: 'float',
  yarn_orig_ctx: 'uint32_t',
  defrag_thold: 'float',
  cb_eval: 'void *',
  cb_eval_user_data: 'void *',
  type_k: 'int32_t',
  type_v: 'int32_t',
  abort_callback: 'void *',
  abort_callback_data: 'void *',
  embeddings: 'bool',
  offload_kqv: 'bool',
  no_perf: 'bool',
  op_offload: 'bool',
  swa_full: 'bool',
  kv_unified: 'bool',
  samplers: 'void *',
  n_samplers: 'size_t',
  ctx_other: 'void *',
});

/** The llama_context_params fields this module sets or the layout test reads. */
export interface ContextParamsValue {
  n_ctx: number;
  n_batch: number;
  n_ubatch: number;
  n_seq_max: number;
  n_outputs_max_per_seq: number;
  n_threads: number;
  n_threads_batch: number;
  flash_attn_type: number;
  yarn_ext_factor: number;
  type_k: number;
  embeddings: boolean;
  offload_kqv: boolean;
  no_perf: boolean;
  swa_full: boolean;
  kv_unified: boolean;
  n_samplers: number;
  [field: string]: unknown;
}

koffi.struct('llama_perf_context_data', {
  t_start_ms: 'double',
  t_load_ms: 'double',
  t_p_eval_ms: 'double',
  t_eval_ms: 'double',
  n_p_eval: 'int32_t',
  n_eval: 'int32_t',
  n_reused: 'int32_t',
});

export interface PerfContextData {
  t_start_ms: number;
  t_load_ms: number;
  t_p_eval_ms: number;
  t_eval_ms: number;
  n_p_eval: number;
  n_eval: number;
  n_reused: number;
}

export interface ContextOptions {
  /** KV cells in all (with kvUnified, shared by every sequence; otherwise split evenly between them). */
  nCtx: number;
  /** Threads for single-token steps. Always explicit: ggml's default oversubscribes small machines. */
  nThreads: number;
  /** Threads for multi-token batches; default nThreads. */
  nThreadsBatch?: number;
  /** Most tokens one llama_decode accepts; default 2048. */
  nBatch?: number;
  /** Physical micro-batch; default 512. */
  nUbatch?: number;
  /** Distinct sequence ids; default 1. */
  nSeqMax?: number;
  /** One KV buffer for every sequence: needed for partial llama_memory_seq_cp (shared prefixes). */
  kvUnified?: boolean;
  /** Flash attention on or off; default: llama.cpp decides. */
  flashAttn?: boolean;
  /** Have llama.cpp measure perfContext() timings. */
  perf?: boolean;
  /** An embedding context: decodes produce pooled embeddings (getEmbeddingsSeq) instead of logits. */
  embeddings?: boolean;
  /** llama_pooling_type for an embedding context (MEAN 1, CLS 2, LAST 3); default: what the model says. */
  poolingType?: number;
  /**
   * Persistent CPU thread pools owned by the context, one per size, at ggml's polling level `poll`
   * (0 sleeps between graphs, 100 spins longest); `useThreads` switches between them. Unset: no pool,
   * ggml starts threads on every compute. The context starts on the largest (nThreads must be it).
   */
  threadPools?: { poll: number; sizes: readonly number[] };
}

export function bindContext(llama: IKoffiLib) {
  return {
    default_params: llama.func('llama_context_params llama_context_default_params(void)'),
    init_from_model: llama.func('llama_context *llama_init_from_model(llama_model *model, llama_context_params params)'),
    free: llama.func('void llama_free(llama_context *ctx)'),
    n_ctx: llama.func('uint32_t llama_n_ctx(llama_context *ctx)'),
    n_batch: llama.func('uint32_t llama_n_batch(llama_context *ctx)'),
    n_ubatch: llama.func('uint32_t llama_n_ubatch(llama_context *ctx)'),
    n_seq_max: llama.func('uint32_t llama_n_seq_max(llama_context *ctx)'),
    set_n_threads: llama.func('void llama_set_n_threads(llama_context *ctx, int32_t n_threads, int32_t n_threads_batch)'),
    decode: llama.func('int32_t llama_decode(llama_context *ctx, llama_batch batch)'),
    get_logits_ith: llama.func('float *llama_get_logits_ith(llama_context *ctx, int32_t i)'),
    get_embeddings_seq: llama.func('float *llama_get_embeddings_seq(llama_context *ctx, int32_t seq_id)'),
    pooling_type: llama.func('int32_t llama_pooling_type(llama_context *ctx)'),
    get_memory: llama.func('llama_memory_i *llama_get_memory(llama_context *ctx)'),
    state_seq_get_size: llama.func('size_t llama_state_seq_get_size(llama_context *ctx, int32_t seq_id)'),
    state_seq_get_data: llama.func('size_t llama_state_seq_get_data(llama_context *ctx, uint8_t *dst, size_t size, int32_t seq_id)'),
    state_seq_set_data: llama.func('size_t llama_state_seq_set_data(llama_context *ctx, const uint8_t *src, size_t size, int32_t dest_seq_id)'),
    perf_context: llama.func('llama_perf_context_data llama_perf_context(llama_context *ctx)'),
    perf_context_reset: llama.func('void llama_perf_context_reset(llama_context *ctx)'),
  };
}

export type ContextFns = ReturnType<typeof bindContext>;

const FLASH_ATTN_AUTO = -1;

export function contextParams(fns: ContextFns, options: ContextOptions): ContextParamsValue {
  for (const [name, value] of Object.entries({ nCtx: options.nCtx, nThreads: options.nThreads })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`context ${name} must be a positive integer, got ${value}`);
  }
  const params = fns.default_params() as ContextParamsValue;
  params.n_ctx = options.nCtx;
  params.n_threads = options.nThreads;
  params.n_threads_batch = options.nThreadsBatch ?? options.nThreads;
  params.n_batch = options.nBatch ?? params.n_batch;
  params.n_ubatch = options.nUbatch ?? params.n_ubatch;
  params.n_seq_max = options.nSeqMax ?? params.n_seq_max;
  params.kv_unified = options.kvUnified ?? params.kv_unified;
  params.flash_attn_type = options.flashAttn === undefined ? FLASH_ATTN_AUTO : Number(options.flashAttn);
  params.no_perf = !(options.perf ?? false);
  params.embeddings = options.embeddings ?? false;
  if (options.poolingType !== undefined) params.pooling_type = options.poolingType;
  return params;
}

export class LlamaContext {
  readonly #fns: ContextFns;
  #ptr: ContextPtr | null;
  readonly model: LlamaModel;
  readonly memory: LlamaMemory;
  readonly #nVocab: number;
  readonly #pools: Map<number, Threadpool>;
  readonly #attach: (ctx: ContextPtr, pool: Threadpool) => void;
  #nThreads: number;

  constructor(
    fns: ContextFns,
    memoryFns: MemoryFns,
    model: LlamaModel,
    ptr: ContextPtr,
    shape: { isKvUnified: boolean; nThreads: number; pools: Map<number, Threadpool>; attach: (ctx: ContextPtr, pool: Threadpool) => void },
  ) {
    this.#fns = fns;
    this.#ptr = ptr;
    this.#pools = shape.pools;
    this.#attach = shape.attach;
    this.#nThreads = shape.nThreads;
    this.model = model;
    const nSeqMax = fns.n_seq_max(ptr);
    const memoryShape = { nSeqMax, isSingleStream: shape.isKvUnified || nSeqMax === 1 };
    this.memory = new LlamaMemory(memoryFns, fns.get_memory(ptr) as MemoryPtr, memoryShape, () => this.ptr);
    this.#nVocab = model.vocab.nTokens();
  }

  /** The native handle; throws once the context is freed. */
  get ptr(): ContextPtr {
    if (!this.#ptr) throw new Error('context was freed');
    return this.#ptr;
  }

  /** llama_n_ctx: the KV cells actually allocated (may differ from what was asked). */
  nCtx(): number {
    return this.#fns.n_ctx(this.ptr);
  }

  /** llama_n_batch */
  nBatch(): number {
    return this.#fns.n_batch(this.ptr);
  }

  /** llama_n_ubatch */
  nUbatch(): number {
    return this.#fns.n_ubatch(this.ptr);
  }

  /** llama_n_seq_max */
  nSeqMax(): number {
    return this.#fns.n_seq_max(this.ptr);
  }

  /** llama_set_n_threads */
  setNThreads(nThreads: number, nThreadsBatch: number): void {
    this.#fns.set_n_threads(this.ptr, nThreads, nThreadsBatch);
  }

  /** Threads of the next decodes (single tokens and batches alike). */
  get nThreads(): number {
    return this.#nThreads;
  }

  /**
   * Run the next decodes on `n` threads: on the context's pool of that size when it has pools (only
   * those sizes are allowed), else on ggml's per-compute threads. Call between decodes only.
   */
  useThreads(n: number): void {
    if (n === this.#nThreads) return;
    if (this.#pools.size > 0) {
      const pool = this.#pools.get(n);
      if (!pool) throw new RangeError(`this context has no thread pool of ${n} threads (it has ${[...this.#pools.keys()].join(', ')})`);
      this.#attach(this.ptr, pool);
    }
    this.setNThreads(n, n);
    this.#nThreads = n;
  }

  /** llama_state_seq_get_data: the cells of a sequence, their positions and KV data, for setSeqState. */
  getSeqState(seqId: number): Buffer {
    const data = Buffer.alloc(Number(this.#fns.state_seq_get_size(this.ptr, seqId)));
    const written = Number(this.#fns.state_seq_get_data(this.ptr, data, data.length, seqId));
    if (written !== data.length) throw new Error(`llama_state_seq_get_data wrote ${written} of ${data.length} bytes for sequence ${seqId}`);
    return data;
  }

  /**
   * llama_state_seq_set_data: adds the cells of `data` to sequence `seqId`, in one contiguous run of
   * free cells (the lowest llama.cpp finds). False when they did not fit.
   */
  setSeqState(seqId: number, data: Buffer): boolean {
    return Number(this.#fns.state_seq_set_data(this.ptr, data, data.length, seqId)) === data.length;
  }

  /**
   * llama_decode on the calling thread. Returns llama.cpp's status: 0 ok, 1 no KV slot for the batch,
   * 2 aborted, -1 invalid batch, < -1 fatal.
   */
  decode(batch: LlamaBatch): number {
    return this.#fns.decode(this.ptr, batch.value);
  }

  /**
   * llama_decode on a koffi worker thread, so the event loop keeps running during a long step. Until
   * it settles, make no other call on this context and do not touch the batch or free either.
   */
  decodeAsync(batch: LlamaBatch): Promise<number> {
    const ptr = this.ptr;
    return new Promise((resolve, reject) => {
      this.#fns.decode.async(ptr, batch.value, (err: unknown, status: number) => (err ? reject(err) : resolve(status)));
    });
  }

  /**
   * llama_get_logits_ith: the n_vocab logits of batch token `i` (negative counts from the last output),
   * as a view over llama.cpp's buffer, not a copy. Valid only until the next decode or free.
   */
  getLogitsIth(i: number): Float32Array {
    const ptr = this.#fns.get_logits_ith(this.ptr, i);
    if (!ptr) throw new RangeError(`no logits for batch token ${i}: it was not marked for output in the last decode`);
    return new Float32Array(koffi.view(ptr, this.#nVocab * 4));
  }

  /**
   * llama_get_embeddings_seq: the pooled embedding (n_embd floats) of sequence `seq` after the last
   * decode of an embedding context, copied out of llama.cpp's buffer.
   */
  getEmbeddingsSeq(seq: number, nEmbd: number): Float32Array {
    const ptr = this.#fns.get_embeddings_seq(this.ptr, seq);
    if (!ptr) throw new RangeError(`no embedding for sequence ${seq}: not an embedding context with pooling, or the sequence was not in the last decode`);
    return new Float32Array(koffi.view(ptr, nEmbd * 4).slice(0));
  }

  /** llama_pooling_type: how this context pools token embeddings (0 none, 1 mean, 2 CLS, 3 last, 4 rank). */
  poolingType(): number {
    return this.#fns.pooling_type(this.ptr);
  }

  /** llama_perf_context: counted only when the context was created with perf: true. */
  perfContext(): PerfContextData {
    return this.#fns.perf_context(this.ptr) as PerfContextData;
  }

  /** llama_perf_context_reset */
  perfContextReset(): void {
    this.#fns.perf_context_reset(this.ptr);
  }

  /** llama_free, then the context's thread pools. Free every context before its model. */
  free(): void {
    if (!this.#ptr) return;
    this.#fns.free(this.#ptr);
    this.#ptr = null;
    for (const pool of this.#pools.values()) pool.free();
  }
}

/** llama_init_from_model; throws with llama.cpp's own reason (too many cells for memory, bad sizes…). */
export function createContext(fns: ContextFns, memoryFns: MemoryFns, threadpools: ThreadpoolApi, model: LlamaModel, options: ContextOptions): LlamaContext {
  const params = contextParams(fns, options);
  takeLastError();
  const ptr = fns.init_from_model(model.ptr, params) as ContextPtr | null;
  if (!ptr) throw new Error(`llama_init_from_model failed: ${takeLastError() || 'no reason logged'}`);
  // Each pool is owned as soon as it exists, so a failure creating a later one still frees the earlier.
  const pools = new Map<number, Threadpool>();
  try {
    const wanted = options.threadPools;
    if (wanted) {
      if (Math.max(...wanted.sizes) !== params.n_threads || params.n_threads_batch !== params.n_threads) {
        throw new RangeError(`thread pools ${wanted.sizes.join(', ')} must top out at nThreads (${params.n_threads}), with nThreadsBatch equal to it`);
      }
      for (const size of wanted.sizes) {
        const pool = threadpools.create({ nThreads: size, poll: wanted.poll });
        if (!pool) break;
        pools.set(size, pool);
      }
      const largest = pools.get(params.n_threads);
      if (largest) threadpools.attach(ptr, largest, largest);
    }
  } catch (err) {
    fns.free(ptr);
    for (const pool of pools.values()) pool.free();
    throw err;
  }
  const attach = (ctx: ContextPtr, pool: Threadpool) => threadpools.attach(ctx, pool, pool);
  return new LlamaContext(fns, memoryFns, model, ptr, { isKvUnified: params.kv_unified, nThreads: params.n_threads, pools, attach });
}
