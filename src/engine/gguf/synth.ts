/**
 * @module Generates complete random-weight GGUF models that llama.cpp loads: `llama`, `qwen2` or
 * `deepseek2`, with a trained DeepSeek-R1-style tokenizer and a real DeepSeek chat template.
 * `tiny` models are F32 (batched and solo runs then agree bit for bit) and load in milliseconds;
 * `bench` models have ~250–290M parameters and a realistic 32768-token output layer; `embed` is the
 * tiny shape declaring mean pooling (`<arch>.pooling_type`), as embedding GGUFs do, for the embeddings API.
 */
import { statSync } from 'node:fs';
import { elementCount } from './format.ts';
import type { GgufKv } from './metadata.ts';
import { Rng, seedFor } from './prng.ts';
import { deepseek2Plan } from './synth-deepseek2.ts';
import { densePlan } from './synth-dense.ts';
import { str, u32, WEIGHT_FILE_TYPE } from './synth-plan.ts';
import type { ModelPlan, SynthPreset, WeightType } from './synth-plan.ts';
import { tensorFill } from './tensor-data.ts';
import { DEEPSEEK_R1_TEMPLATE, DEEPSEEK_V3_TEMPLATE } from './templates.ts';
import { synthVocab, tokenizerMetadata } from './vocab.ts';
import { writeGguf } from './writer.ts';

export type { SynthPreset, WeightType } from './synth-plan.ts';
export type SynthArch = 'llama' | 'qwen2' | 'deepseek2';

export const SYNTH_ARCHS: readonly SynthArch[] = ['llama', 'qwen2', 'deepseek2'];
export type SynthModelPreset = SynthPreset | 'embed';
export const SYNTH_PRESETS: readonly SynthModelPreset[] = ['tiny', 'bench', 'embed'];
export const WEIGHT_TYPES: readonly WeightType[] = ['f32', 'f16', 'q8_0', 'q4_0'];

export interface SynthOptions {
  readonly arch: SynthArch;
  readonly preset: SynthModelPreset;
  readonly out: string;
  /** Type of the weight matrices; norms, biases, the MoE router and deepseek2's attn_k_b/attn_v_b stay F32. */
  readonly wtype?: WeightType;
  readonly seed?: number;
  /** The training context the metadata declares, instead of the preset's (a client with long prompts, such as Claude Code). */
  readonly contextLength?: number;
}

export interface SynthResult {
  readonly path: string;
  readonly parameterCount: number;
  readonly fileSizeBytes: number;
}

/** Bench models pad the vocabulary to this size so the output layer costs what a real one does. */
const BENCH_VOCAB_SIZE = 32768;

export function synthModel(options: SynthOptions): SynthResult {
  const { arch, preset, out } = options;
  const shape = preset === 'embed' ? 'tiny' : preset;
  const wtype = options.wtype ?? (shape === 'tiny' ? 'f32' : 'q8_0');
  const seed = options.seed ?? 0;
  const vocab = synthVocab(shape === 'bench' ? BENCH_VOCAB_SIZE : 0);
  const vocabSize = vocab.tokens.length;
  const plan: ModelPlan =
    arch === 'deepseek2' ? deepseek2Plan(shape, wtype, vocabSize) : densePlan(arch, shape, wtype, vocabSize);
  const template = arch === 'deepseek2' ? DEEPSEEK_V3_TEMPLATE : DEEPSEEK_R1_TEMPLATE;

  const general: Array<[string, GgufKv]> = [
    ['general.architecture', str(arch)],
    ['general.name', str(`seekstack-synth-${arch}-${preset}-${wtype}`)],
    ['general.file_type', u32(WEIGHT_FILE_TYPE[wtype])],
    // llama.cpp's LLAMA_POOLING_TYPE_MEAN.
    ...(preset === 'embed' ? [[`${arch}.pooling_type`, u32(1)] as [string, GgufKv]] : []),
  ];
  const metadata = new Map([...general, ...plan.metadata, ...tokenizerMetadata(vocab, template)]);
  if (options.contextLength !== undefined) metadata.set(`${arch}.context_length`, u32(options.contextLength));
  const tensors = plan.tensors.map((tensor) => ({
    name: tensor.name,
    dims: tensor.dims,
    type: tensor.type,
    fill: tensorFill(tensor.type, tensor.dims, tensor.init, new Rng(seedFor(seed, tensor.name))),
  }));
  writeGguf(out, metadata, tensors);

  return {
    path: out,
    parameterCount: plan.tensors.reduce((sum, tensor) => sum + elementCount(tensor.dims), 0),
    fileSizeBytes: statSync(out).size,
  };
}

