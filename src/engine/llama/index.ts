/**
 * @module engine/llama
 * The public surface of the koffi bindings to llama.cpp's C API (release v0.4.0): `loadLlama()` finds
 * and loads the libraries once per process and returns the areas of llama.h behind it. Names follow the
 * C functions (llama_model_n_embd → model.nEmbd()); nothing here schedules or chooses samplers.
 */
import { bindBackend, hasGpuDevice, type BackendApi, type DeviceInfo } from './backend.ts';
import { bindBatch, LlamaBatch, type BatchFns } from './batch.ts';
import { bindContext, createContext, type ContextFns, type ContextOptions, type ContextParamsValue, type LlamaContext } from './context.ts';
import { EXPECTED_RELEASE, loadLibraries, LlamaLibraryError, type LibraryOptions, type LlamaLibs } from './library.ts';
import { bindMemory, type MemoryFns } from './memory.ts';
import { bindModel, loadModel, type LlamaModel, type ModelFns, type ModelOptions, type ModelParamsValue } from './model.ts';
import { bindSampler, type SamplerApi } from './sampler.ts';
import { bindThreadpool, type ThreadpoolApi } from './threadpool.ts';
import { bindVocab, type VocabFns } from './vocab.ts';

export { LlamaLibraryError, EXPECTED_RELEASE, LIB_DIR_ENV, LOG_ENV, PACKAGE_VERSION } from './library.ts';
export type { LibraryOptions, LlamaLogLevel, LlamaLogThreshold } from './library.ts';
export type { DeviceInfo, DeviceType } from './backend.ts';
export type { LlamaBatch } from './batch.ts';
export type { ContextOptions, LlamaContext, PerfContextData } from './context.ts';
export type { LlamaMemory } from './memory.ts';
export type { LlamaModel, ModelOptions } from './model.ts';
export { LLAMA_DEFAULT_SEED, type LogitBias, type SamplerApi } from './sampler.ts';
export { GGML_DEFAULT_POLL } from './threadpool.ts';
export type { SamplerPtr } from './types.ts';
export type { LlamaVocab } from './vocab.ts';

export interface LlamaInfo {
  libDir: string;
  /** The @node-llama-cpp/* package, or null for a user directory. */
  packageName: string | null;
  release: string;
  llamaVersion: string;
  backends: string[];
  devices: DeviceInfo[];
  systemInfo: string;
  supportsGpuOffload: boolean;
  maxDevices: number;
}

export interface Llama {
  info: LlamaInfo;
  /** A GPU-class device exists: loadModel then offloads every layer unless told otherwise. */
  hasGpu: boolean;
  /** llama_model_load_from_file (on a worker thread). Throws an EngineError 'model_invalid' on failure. */
  loadModel(path: string, options?: Partial<ModelOptions>): Promise<LlamaModel>;
  /** llama_init_from_model. Thread counts are required: never rely on ggml's default. */
  createContext(model: LlamaModel, options: ContextOptions): LlamaContext;
  /** llama_batch_init(capacity, 0, nSeqMax): allocate once, clear and refill every step. */
  createBatch(capacity: number, nSeqMax: number): LlamaBatch;
  sampler: SamplerApi;
  /** llama_model_default_params / llama_context_default_params, as read back through koffi. */
  defaultParams(): { model: ModelParamsValue; context: ContextParamsValue };
}

interface Fns {
  backend: BackendApi;
  model: ModelFns;
  vocab: VocabFns;
  context: ContextFns;
  memory: MemoryFns;
  batch: BatchFns;
  sampler: SamplerApi;
  threadpool: ThreadpoolApi;
}

function bindAll(libs: LlamaLibs, dir: string): Fns {
  try {
    return {
      backend: bindBackend(libs),
      model: bindModel(libs.llama),
      vocab: bindVocab(libs.llama),
      context: bindContext(libs.llama),
      memory: bindMemory(libs.llama),
      batch: bindBatch(libs.llama),
      sampler: bindSampler(libs.llama),
      threadpool: bindThreadpool(libs),
    };
  } catch (err) {
    throw new LlamaLibraryError(`the llama.cpp libraries in ${dir} lack a function of release ${EXPECTED_RELEASE} (${(err as Error).message}); use a ${EXPECTED_RELEASE} build`);
  }
}

/**
 * A "0.4.0-dev" version string fits any commit on the way to the next release, so the defaults are
 * read back too: a build whose structs differ from the ones declared here shows it in these fields.
 */
function checkLayout(fns: Fns, dir: string): void {
  const model = fns.model.default_params() as ModelParamsValue;
  const context = fns.context.default_params() as ContextParamsValue;
  const isSane =
    model.n_gpu_layers === -1 && model.use_extra_bufts && !model.vocab_only && !model.load_mtp &&
    context.n_ctx === 512 && context.n_batch === 2048 && context.n_ubatch === 512 && context.n_seq_max === 1 &&
    context.offload_kqv && context.swa_full && !context.kv_unified && context.n_samplers === 0;
  if (!isSane) {
    throw new LlamaLibraryError(`the llama.cpp libraries in ${dir} report defaults that do not match release ${EXPECTED_RELEASE}'s struct layout; use a ${EXPECTED_RELEASE} build`);
  }
}

let instance: Llama | null = null;

/**
 * Finds, checks and loads llama.cpp (see library.ts for where it looks), initialises the backend and
 * returns the bindings. Libraries stay loaded for the life of the process, so later calls return the
 * same object. Throws LlamaLibraryError, whose message is one line fit for the CLI.
 */
export function loadLlama(options: LibraryOptions = {}): Llama {
  const libs = loadLibraries(options);
  if (instance) return instance;
  const fns = bindAll(libs, libs.dir);
  checkLayout(fns, libs.dir);
  fns.backend.backendInit();
  const backend = fns.backend.info();
  const hasGpu = hasGpuDevice(backend.devices);
  instance = {
    info: { libDir: libs.dir, packageName: libs.packageName, release: libs.release, llamaVersion: libs.llamaVersion, ...backend },
    hasGpu,
    loadModel: (path, modelOptions = {}) =>
      loadModel(fns.model, fns.vocab, path, { nGpuLayers: modelOptions.nGpuLayers ?? (hasGpu ? -1 : 0), vocabOnly: modelOptions.vocabOnly }),
    createContext: (model, contextOptions) => createContext(fns.context, fns.memory, fns.threadpool, model, contextOptions),
    createBatch: (capacity, nSeqMax) => new LlamaBatch(fns.batch, capacity, nSeqMax),
    sampler: fns.sampler,
    defaultParams: () => ({ model: fns.model.default_params(), context: fns.context.default_params() }),
  };
  return instance;
}
