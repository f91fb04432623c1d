/**
 * @module How much memory a model needs before it is loaded: its weights plus the KV cache for a context,
 * read from GGUF metadata (or, for the catalog, from published shapes). Compute buffers and the
 * runtime's own overhead come on top, so treat the total as a floor, not a promise.
 */
import { RECURRENT_ARCHITECTURES } from '../engine/gguf/architectures.ts';
import { metaArray, metaNumber, metaString, toNumber, type GgufMetadata } from '../engine/gguf/metadata.ts';
import { readGgufLayout, type GgufInfo } from '../engine/gguf/reader.ts';
import { partPaths } from './layout.ts';

/** What one token costs in the KV cache. */
export interface KvShape {
  readonly layers: number;
  /** One count for every layer, or one per layer (some models vary it). */
  readonly kvHeads: number | readonly number[];
  readonly keyLength: number;
  readonly valueLength: number;
  /**
   * MLA (DeepSeek V2/V3/R1 converted with `attn_k_b`/`attn_v_b`): llama.cpp caches one compressed latent per
   * token and reads the values out of it, so there is no separate V cache.
   */
  readonly keyOnly: boolean;
}

export interface MemoryEstimate {
  readonly contextTokens: number;
  readonly weightsBytes: number;
  readonly kvCacheBytes: number;
  readonly totalBytes: number;
}

/** llama.cpp's default KV cache type is F16. */
const KV_BYTES_PER_ELEMENT = 2;

export function kvCacheBytes(shape: KvShape, contextTokens: number): number {
  const { layers, kvHeads } = shape;
  const headsOverLayers = typeof kvHeads === 'number' ? kvHeads * layers : kvHeads.reduce((sum, n) => sum + n, 0);
  const perHead = shape.keyLength + (shape.keyOnly ? 0 : shape.valueLength);
  return headsOverLayers * perHead * KV_BYTES_PER_ELEMENT * contextTokens;
}

/** Undefined for recurrent models, whose state does not grow with the context. */
export function kvShapeOf(metadata: GgufMetadata): KvShape | undefined {
  const arch = metaString(metadata, 'general.architecture') ?? '';
  if (RECURRENT_ARCHITECTURES.has(arch)) return undefined;
  const count = (key: string) => metaNumber(metadata, `${arch}.${key}`);
  const perLayer = (key: string) => metaArray(metadata, `${arch}.${key}`)?.items.map((item) => toNumber(item) ?? 0);
  const layers = count('block_count') ?? 0;
  const heads = count('attention.head_count') ?? Math.max(...(perLayer('attention.head_count') ?? [0]));
  const keyLength = count('attention.key_length') ?? (heads > 0 ? (count('embedding_length') ?? 0) / heads : 0);
  return {
    layers,
    kvHeads: count('attention.head_count_kv') ?? perLayer('attention.head_count_kv') ?? heads,
    keyLength,
    valueLength: count('attention.value_length') ?? keyLength,
    keyOnly: metadata.has(`${arch}.attention.key_length_mla`),
  };
}

/** `parts` are every part of one model (a split GGUF has several); metadata comes from the first. */
export function estimateMemory(parts: readonly GgufInfo[], contextTokens: number): MemoryEstimate {
  // The tensor data region (tensors plus alignment padding) is exactly what llama.cpp maps or copies.
  const weightsBytes = parts.reduce((sum, part) => sum + part.fileSize - part.dataOffset, 0);
  const shape = kvShapeOf(parts[0].metadata);
  const kvBytes = shape ? kvCacheBytes(shape, contextTokens) : 0;
  return { contextTokens, weightsBytes, kvCacheBytes: kvBytes, totalBytes: weightsBytes + kvBytes };
}

/** Reads only headers, so it is cheap even for a 400 GB model; `path` may be any part of a split model. */
export function estimateModelMemory(path: string, contextTokens: number): MemoryEstimate {
  return estimateMemory(partPaths(path).map(readGgufLayout), contextTokens);
}
