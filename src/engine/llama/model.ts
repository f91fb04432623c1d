/**
 * @module engine/llama/model
 * llama.h "model" area: llama_model_params (field for field as in release v0.4.0), loading, freeing and
 * the model's read-only facts.
 */
import fs from 'node:fs';
import koffi from 'koffi';
import type { IKoffiLib } from 'koffi';
import { EngineError } from '../errors.ts';
import { takeLastError } from './library.ts';
import type { ModelPtr, VocabPtr } from './types.ts';
import { toNumber } from './types.ts';
import { LlamaVocab, type VocabFns } from './vocab.ts';

export const ModelParams = koffi.struct('llama_model_params', {
  devices: 'void *',
  tensor_buft_overrides: 'void *',
  n_gpu_layers: 'int32_t',
  split_mode: 'int32_t',
  load_mode: 'int32_t',
  lazy_mode: 'int32_t',
  main_gpu: 'int32_t',
  tensor_split: 'void *',
  progress_callback: 'void *',
  progress_callback_user_data: 'void *',
  kv_overrides: 'void *',
  vocab_only: 'bool',
  check_tensors: 'bool',
  use_extra_bufts: 'bool',
  no_host: 'bool',
  no_alloc: 'bool',
  load_mtp: 'bool',
});

/** llama_model_params as koffi reads it; the pointer fields stay null here. */
export interface ModelParamsValue {
  devices: unknown;
  tensor_buft_overrides: unknown;
  n_gpu_layers: number;
  split_mode: number;
  load_mode: number;
  lazy_mode: number;
  main_gpu: number;
  tensor_split: unknown;
  progress_callback: unknown;
  progress_callback_user_data: unknown;
  kv_overrides: unknown;
  vocab_only: boolean;
  check_tensors: boolean;
  use_extra_bufts: boolean;
  no_host: boolean;
  no_alloc: boolean;
  load_mtp: boolean;
}

export interface ModelOptions {
  /** Layers to offload to GPU devices; -1 means all. */
  nGpuLayers: number;
  /** Load only the tokenizer (no weights): enough for tokenize/detokenize. */
  vocabOnly?: boolean;
}

export function bindModel(llama: IKoffiLib) {
  return {
    default_params: llama.func('llama_model_params llama_model_default_params(void)'),
    load_from_file: llama.func('llama_model *llama_model_load_from_file(const char *path_model, llama_model_params params)'),
    free: llama.func('void llama_model_free(llama_model *model)'),
    get_vocab: llama.func('llama_vocab *llama_model_get_vocab(llama_model *model)'),
    n_ctx_train: llama.func('int32_t llama_model_n_ctx_train(llama_model *model)'),
    n_embd: llama.func('int32_t llama_model_n_embd(llama_model *model)'),
    n_layer: llama.func('int32_t llama_model_n_layer(llama_model *model)'),
    desc: llama.func('int32_t llama_model_desc(llama_model *model, _Out_ uint8_t *buf, size_t buf_size)'),
    size: llama.func('uint64_t llama_model_size(llama_model *model)'),
    n_params: llama.func('uint64_t llama_model_n_params(llama_model *model)'),
    meta_val_str: llama.func('int32_t llama_model_meta_val_str(llama_model *model, const char *key, _Out_ uint8_t *buf, size_t buf_size)'),
    chat_template: llama.func('const char *llama_model_chat_template(llama_model *model, const char *name)'),
    has_encoder: llama.func('bool llama_model_has_encoder(llama_model *model)'),
  };
}

export type ModelFns = ReturnType<typeof bindModel>;

/** Reads a string through llama.cpp's "returns the length it needed" protocol. */
function readString(call: (buf: Buffer) => number): string | null {
  let buf = Buffer.alloc(256);
  let length = call(buf);
  if (length < 0) return null;
  if (length >= buf.length) {
    buf = Buffer.alloc(length + 1);
    length = call(buf);
  }
  return buf.toString('utf8', 0, length);
}

export class LlamaModel {
  readonly #fns: ModelFns;
  #ptr: ModelPtr | null;
  readonly path: string;
  readonly vocab: LlamaVocab;

  constructor(fns: ModelFns, vocabFns: VocabFns, ptr: ModelPtr, path: string) {
    this.#fns = fns;
    this.#ptr = ptr;
    this.path = path;
    this.vocab = new LlamaVocab(vocabFns, fns.get_vocab(ptr) as VocabPtr);
  }

  /** The native handle; throws once the model is freed, so a stale handle never reaches C. */
  get ptr(): ModelPtr {
    if (!this.#ptr) throw new Error(`model ${this.path} was freed`);
    return this.#ptr;
  }

  /** llama_model_n_ctx_train */
  nCtxTrain(): number {
    return this.#fns.n_ctx_train(this.ptr);
  }

  /** llama_model_n_embd */
  nEmbd(): number {
    return this.#fns.n_embd(this.ptr);
  }

  /** llama_model_n_layer */
  nLayer(): number {
    return this.#fns.n_layer(this.ptr);
  }

  /** llama_model_desc, e.g. "llama ?B all F32". */
  desc(): string {
    return readString((buf) => this.#fns.desc(this.ptr, buf, buf.length)) ?? '';
  }

  /** llama_model_size: bytes of all tensors. */
  size(): number {
    return toNumber(this.#fns.size(this.ptr));
  }

  /** llama_model_n_params */
  nParams(): number {
    return toNumber(this.#fns.n_params(this.ptr));
  }

  /** llama_model_meta_val_str: a scalar GGUF metadata value as text, or null when the key is absent. */
  metaValStr(key: string): string | null {
    return readString((buf) => this.#fns.meta_val_str(this.ptr, key, buf, buf.length));
  }

  /** llama_model_chat_template: the named template, or the default one when name is omitted. */
  chatTemplate(name?: string): string | null {
    return this.#fns.chat_template(this.ptr, name ?? null);
  }

  /** llama_model_has_encoder */
  hasEncoder(): boolean {
    return this.#fns.has_encoder(this.ptr);
  }

  /** llama_model_free. Every context made from this model must be freed first. */
  free(): void {
    if (!this.#ptr) return;
    this.#fns.free(this.#ptr);
    this.#ptr = null;
  }
}

/** Builds the params struct from llama.cpp's own defaults, so fields added to them keep their default. */
function modelParams(fns: ModelFns, options: ModelOptions): ModelParamsValue {
  const params = fns.default_params() as ModelParamsValue;
  params.n_gpu_layers = options.nGpuLayers;
  params.vocab_only = options.vocabOnly ?? false;
  return params;
}

/**
 * llama_model_load_from_file, run on a koffi worker thread: a large model takes seconds to load and the
 * engine process must keep answering its supervisor meanwhile.
 */
export async function loadModel(fns: ModelFns, vocabFns: VocabFns, path: string, options: ModelOptions): Promise<LlamaModel> {
  if (!fs.existsSync(path)) throw new EngineError('model_invalid', `model file not found: ${path}`);
  const params = modelParams(fns, options);
  takeLastError();
  const ptr = await new Promise<ModelPtr | null>((resolve, reject) => {
    fns.load_from_file.async(path, params, (err: unknown, result: ModelPtr | null) => (err ? reject(err) : resolve(result)));
  });
  if (!ptr) throw new EngineError('model_invalid', `llama.cpp could not load the model ${path}: ${takeLastError() || 'no reason logged'}`);
  return new LlamaModel(fns, vocabFns, ptr, path);
}
