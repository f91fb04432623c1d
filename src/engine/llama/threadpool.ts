/**
 * @module engine/llama/threadpool
 * A persistent ggml CPU thread pool for a context. Without one attached, ggml's CPU backend creates and
 * joins its worker threads inside every graph compute, i.e. on every llama_decode: the fresh threads
 * land wherever the scheduler puts them at that moment, which on a small machine whose other cores are
 * busy (the HTTP server, a client) can be the core the main compute thread is already on, and ggml's
 * spinning barriers then crawl. llama.cpp's own CLI attaches a pool the same way; the functions come
 * from the CPU backend through its registry, since that backend is a library loaded at run time.
 */
import koffi from 'koffi';
import type { LlamaLibs } from './library.ts';
import type { ContextPtr, DevicePtr, RegistryPtr } from './types.ts';

/** GGML_MAX_N_THREADS in ggml.h: the size of the params' cpumask. */
const MAX_THREADS = 512;
const GGML_BACKEND_DEVICE_TYPE_CPU = 0;
/** ggml_threadpool_params_init's polling level (which the layout check reads back), llama.cpp's default. */
export const GGML_DEFAULT_POLL = 50;

koffi.struct('ggml_threadpool_params', {
  cpumask: koffi.array('bool', MAX_THREADS),
  n_threads: 'int',
  prio: 'int',
  poll: 'uint32_t',
  strict_cpu: 'bool',
  paused: 'bool',
});
koffi.opaque('ggml_threadpool');
const ThreadpoolNew = koffi.proto('ggml_threadpool *ggml_threadpool_new_fn(ggml_threadpool_params *params)');
const ThreadpoolFree = koffi.proto('void ggml_threadpool_free_fn(ggml_threadpool *threadpool)');

interface ThreadpoolParamsValue {
  cpumask: boolean[];
  n_threads: number;
  prio: number;
  poll: number;
  strict_cpu: boolean;
  paused: boolean;
}

type ThreadpoolPtr = { readonly __brand: 'ggml_threadpool' };

export interface ThreadpoolOptions {
  nThreads: number;
  /** ggml's polling level between graphs: 0 sleeps at once until the next graph, 100 spins longest. */
  poll: number;
}

export interface Threadpool {
  readonly ptr: ThreadpoolPtr;
  /** Once only: the context that owns the pool frees it with itself. */
  free(): void;
}

export function bindThreadpool(libs: LlamaLibs) {
  const { ggmlBase, ggml, llama } = libs;
  const fn = {
    dev_by_type: ggml.func('ggml_backend_device *ggml_backend_dev_by_type(int type)'),
    dev_backend_reg: ggmlBase.func('ggml_backend_reg *ggml_backend_dev_backend_reg(ggml_backend_device *device)'),
    get_proc_address: ggmlBase.func('void *ggml_backend_reg_get_proc_address(ggml_backend_reg *reg, const char *name)'),
    params_init: ggmlBase.func('void ggml_threadpool_params_init(_Out_ ggml_threadpool_params *p, int n_threads)'),
    attach: llama.func('void llama_attach_threadpool(llama_context *ctx, ggml_threadpool *threadpool, ggml_threadpool *threadpool_batch)'),
  };

  /** The CPU backend's pool functions, or null when this build has no CPU device or does not export them. */
  function cpuPoolFunctions(): { create: (params: ThreadpoolParamsValue) => ThreadpoolPtr | null; free: (pool: ThreadpoolPtr) => void } | null {
    const device = fn.dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) as DevicePtr | null;
    if (!device) return null;
    const reg = fn.dev_backend_reg(device) as RegistryPtr | null;
    if (!reg) return null;
    const create = fn.get_proc_address(reg, 'ggml_threadpool_new');
    const free = fn.get_proc_address(reg, 'ggml_threadpool_free');
    if (!create || !free) return null;
    const createFn = koffi.decode(create, ThreadpoolNew) as (params: ThreadpoolParamsValue) => ThreadpoolPtr | null;
    const freeFn = koffi.decode(free, ThreadpoolFree) as (pool: ThreadpoolPtr) => void;
    return { create: createFn, free: freeFn };
  }
  // Backends are registered before the bindings are made (loadLibraries), so one lookup serves every pool.
  const cpuPool = cpuPoolFunctions();

  return {
    /**
     * A pool of `nThreads` (the calling thread counts as one), or null where the build cannot give one
     * (then ggml keeps its per-compute threads). Throws if the params do not read back as ggml.h lays them out.
     */
    create(options: ThreadpoolOptions): Threadpool | null {
      if (!cpuPool) return null;
      const params = {} as ThreadpoolParamsValue;
      fn.params_init(params, options.nThreads);
      if (params.n_threads !== options.nThreads || params.poll !== GGML_DEFAULT_POLL || params.paused) {
        throw new Error(`ggml_threadpool_params read back as n_threads ${params.n_threads}, poll ${params.poll}: not the layout this build was written for`);
      }
      params.poll = options.poll;
      const ptr = cpuPool.create(params);
      if (!ptr) throw new Error(`ggml_threadpool_new(${options.nThreads} threads) failed`);
      return { ptr, free: () => cpuPool.free(ptr) };
    },
    /** llama_attach_threadpool: `single` computes one-token batches, `batch` every other. */
    attach(ctx: ContextPtr, single: Threadpool, batch: Threadpool): void {
      fn.attach(ctx, single.ptr, batch.ptr);
    },
  };
}

export type ThreadpoolApi = ReturnType<typeof bindThreadpool>;
