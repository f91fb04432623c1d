/**
 * @module The built-in catalog: DeepSeek GGUFs by honest names. A distill is named and described as the
 * base model it is (`deepseek-r1-distill-qwen:7b` is Qwen2.5-Math-7B trained on R1's outputs), never as
 * `deepseek-r1`, which is only the 671B model itself.
 *
 * Sizes are the decimal gigabytes shown on each repo's file list when this was written, rounded; they are
 * for choosing a model, and a pull reads the exact size and SHA-256 from the server. Parameter counts are
 * the published ones. KV shapes are the base models' published configs.
 */
import type { KvShape, MemoryEstimate } from './memory.ts';
import { kvCacheBytes } from './memory.ts';

export interface CatalogEntry {
  /** `<family>:<size>-<quantisation>`, lower case. */
  readonly name: string;
  readonly description: string;
  readonly repo: string;
  /** The file, or the first part of a split model (the rest follow from its name). */
  readonly file: string;
  readonly parameterCount: number;
  /** Mixture-of-experts models use only some parameters per token. */
  readonly activeParameterCount?: number;
  readonly quantization: string;
  readonly contextLength: number;
  readonly fileSizeBytes: number;
  readonly kv: KvShape;
}

const GB = 1e9;
const B = 1e9;

/** Grouped-query attention with 128-dimensional heads, as in every Qwen2.5, Qwen3 and Llama 3 base here. */
function gqa(layers: number, kvHeads: number): KvShape {
  return { layers, kvHeads, keyLength: 128, valueLength: 128, keyOnly: false };
}

/**
 * DeepSeek V2/V3 attention in a GGUF converted before llama.cpp's MLA support (April 2025): every head
 * caches its full key (192) and value (128), which costs about 70x the MLA latent at V3's size.
 */
function perHeadMla(layers: number, heads: number): KvShape {
  return { layers, kvHeads: heads, keyLength: 192, valueLength: 128, keyOnly: false };
}

/** The same attention converted with MLA: one 512 + 64 latent per token and layer. */
function latentMla(layers: number): KvShape {
  return { layers, kvHeads: 1, keyLength: 576, valueLength: 512, keyOnly: true };
}

function distill(size: string, base: string, repoName: string, parameterCount: number, fileSizeBytes: number, kv: KvShape): CatalogEntry {
  const family = base.startsWith('Llama') ? 'llama' : 'qwen';
  return {
    name: `deepseek-r1-distill-${family}:${size}-q4_k_m`,
    description: `DeepSeek-R1 distilled into ${base}: a dense model trained on R1's reasoning, not R1 itself`,
    repo: `unsloth/${repoName}-GGUF`,
    file: `${repoName}-Q4_K_M.gguf`,
    parameterCount,
    quantization: 'Q4_K_M',
    contextLength: 131072,
    fileSizeBytes,
    kv,
  };
}

/** R1, V3 and V3.1 share one architecture: 671B parameters in 61 layers, 37B active per token, 160K context. */
function deepseek671b(entry: Omit<CatalogEntry, 'parameterCount' | 'activeParameterCount' | 'contextLength'>): CatalogEntry {
  return { ...entry, parameterCount: 671 * B, activeParameterCount: 37 * B, contextLength: 163840 };
}

export const CATALOG: readonly CatalogEntry[] = [
  distill('1.5b', 'Qwen2.5-Math-1.5B', 'DeepSeek-R1-Distill-Qwen-1.5B', 1.78 * B, 1.12 * GB, gqa(28, 2)),
  distill('7b', 'Qwen2.5-Math-7B', 'DeepSeek-R1-Distill-Qwen-7B', 7.62 * B, 4.68 * GB, gqa(28, 4)),
  distill('8b', 'Llama-3.1-8B', 'DeepSeek-R1-Distill-Llama-8B', 8.03 * B, 4.92 * GB, gqa(32, 8)),
  distill('14b', 'Qwen2.5-14B', 'DeepSeek-R1-Distill-Qwen-14B', 14.8 * B, 8.99 * GB, gqa(48, 8)),
  distill('32b', 'Qwen2.5-32B', 'DeepSeek-R1-Distill-Qwen-32B', 32.8 * B, 19.9 * GB, gqa(64, 8)),
  distill('70b', 'Llama-3.3-70B-Instruct', 'DeepSeek-R1-Distill-Llama-70B', 70.6 * B, 42.5 * GB, gqa(80, 8)),
  {
    name: 'deepseek-r1-0528-distill-qwen3:8b-q4_k_m',
    description: "DeepSeek-R1-0528 distilled into Qwen3-8B: a dense model trained on R1-0528's reasoning, not R1 itself",
    repo: 'unsloth/DeepSeek-R1-0528-Qwen3-8B-GGUF',
    file: 'DeepSeek-R1-0528-Qwen3-8B-Q4_K_M.gguf',
    parameterCount: 8.19 * B,
    quantization: 'Q4_K_M',
    contextLength: 131072,
    fileSizeBytes: 5.0 * GB,
    kv: gqa(36, 8),
  },
  deepseek671b({
    name: 'deepseek-r1:671b-ud-iq1_s',
    description: "DeepSeek-R1 itself (671B MoE, 37B active), Unsloth's 1.58-bit dynamic quantisation: large layers kept at higher precision",
    repo: 'unsloth/DeepSeek-R1-GGUF',
    file: 'DeepSeek-R1-UD-IQ1_S/DeepSeek-R1-UD-IQ1_S-00001-of-00003.gguf',
    quantization: 'UD-IQ1_S',
    fileSizeBytes: 131 * GB,
    // Uploaded January 2025, before the MLA conversion existed, as are the two below.
    kv: perHeadMla(61, 128),
  }),
  deepseek671b({
    name: 'deepseek-r1:671b-q4_k_m',
    description: 'DeepSeek-R1 itself (671B MoE, 37B active)',
    repo: 'unsloth/DeepSeek-R1-GGUF',
    file: 'DeepSeek-R1-Q4_K_M/DeepSeek-R1-Q4_K_M-00001-of-00009.gguf',
    quantization: 'Q4_K_M',
    fileSizeBytes: 404 * GB,
    kv: perHeadMla(61, 128),
  }),
  deepseek671b({
    name: 'deepseek-v3:671b-q4_k_m',
    description: 'DeepSeek-V3 (671B MoE, 37B active; the December 2024 release, no thinking mode)',
    repo: 'unsloth/DeepSeek-V3-GGUF',
    file: 'DeepSeek-V3-Q4_K_M/DeepSeek-V3-Q4_K_M-00001-of-00009.gguf',
    quantization: 'Q4_K_M',
    fileSizeBytes: 404 * GB,
    kv: perHeadMla(61, 128),
  }),
  deepseek671b({
    name: 'deepseek-v3.1:671b-ud-q2_k_xl',
    description: "DeepSeek-V3.1 (671B MoE, 37B active; thinking switchable per request), Unsloth's 2.7-bit dynamic quantisation",
    repo: 'unsloth/DeepSeek-V3.1-GGUF',
    file: 'UD-Q2_K_XL/DeepSeek-V3.1-UD-Q2_K_XL-00001-of-00006.gguf',
    quantization: 'UD-Q2_K_XL',
    fileSizeBytes: 251 * GB,
    kv: latentMla(61),
  }),
  {
    name: 'deepseek-coder-v2-lite:16b-q4_k_m',
    description: 'DeepSeek-Coder-V2-Lite-Instruct (16B MoE, 2.4B active; code completion with fill-in-the-middle)',
    repo: 'bartowski/DeepSeek-Coder-V2-Lite-Instruct-GGUF',
    file: 'DeepSeek-Coder-V2-Lite-Instruct-Q4_K_M.gguf',
    parameterCount: 15.7 * B,
    activeParameterCount: 2.4 * B,
    quantization: 'Q4_K_M',
    contextLength: 163840,
    fileSizeBytes: 10.4 * GB,
    // Converted in June 2024, before the MLA conversion existed.
    kv: perHeadMla(27, 16),
  },
];

/** An exact name, or a name without its quantisation when only one entry has it (`deepseek-r1-distill-qwen:7b`). */
export function catalogEntry(name: string): CatalogEntry | undefined {
  const wanted = name.toLowerCase();
  const exact = CATALOG.find((entry) => entry.name === wanted);
  if (exact) return exact;
  const prefixed = CATALOG.filter((entry) => entry.name.startsWith(`${wanted}-`));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** The catalog entry a pulled file came from, if any. */
export function catalogEntryFor(repo: string, file: string): CatalogEntry | undefined {
  return CATALOG.find((entry) => entry.repo === repo && entry.file === file);
}

/** The file size stands in for the weights; the real figure comes from the file once pulled (`seekstack show`). */
export function catalogMemory(entry: CatalogEntry, contextTokens: number): MemoryEstimate {
  const kvBytes = kvCacheBytes(entry.kv, contextTokens);
  return { contextTokens, weightsBytes: entry.fileSizeBytes, kvCacheBytes: kvBytes, totalBytes: entry.fileSizeBytes + kvBytes };
}
