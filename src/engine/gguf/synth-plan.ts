/**
 * @module What a synthetic model is made of before it is written: metadata entries and tensor plans,
 * plus the weight-scale policy shared by every architecture. Scales keep a random model's activations
 * near unit size and its logits well spread, so greedy argmax ties (which would make batched and solo
 * runs diverge on rounding noise) are very unlikely.
 */
import { GgmlType, GgufType } from './format.ts';
import type { GgufKv } from './metadata.ts';
import type { TensorInit } from './tensor-data.ts';

export type WeightType = 'f32' | 'f16' | 'q8_0' | 'q4_0';
export type SynthPreset = 'tiny' | 'bench';

export interface TensorPlan {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: GgmlType;
  readonly init: TensorInit;
}

export interface ModelPlan {
  readonly metadata: ReadonlyArray<[string, GgufKv]>;
  readonly tensors: readonly TensorPlan[];
}

export const WEIGHT_GGML_TYPE: Readonly<Record<WeightType, GgmlType>> = {
  f32: GgmlType.F32,
  f16: GgmlType.F16,
  q8_0: GgmlType.Q8_0,
  q4_0: GgmlType.Q4_0,
};

/** `llama_ftype` for `general.file_type` (ALL_F32, MOSTLY_F16, MOSTLY_Q4_0, MOSTLY_Q8_0). */
export const WEIGHT_FILE_TYPE: Readonly<Record<WeightType, number>> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 };

/** Logit std ≈ this gain once the final norm makes the hidden state unit-RMS. */
const OUTPUT_GAIN = 3;

/** A weight applied as `x @ W` with x of length dims[0]: std 1/sqrt(fan-in) keeps outputs near unit size. */
export function matrix(name: string, dims: readonly number[], type: GgmlType): TensorPlan {
  return { name, dims, type, init: { std: 1 / Math.sqrt(dims[0]) } };
}

/** Embeddings feed the residual stream directly, so they get unit scale rather than 1/sqrt(fan-in). */
export function embedding(name: string, dims: readonly number[], type: GgmlType): TensorPlan {
  return { name, dims, type, init: { std: 1 } };
}

export function outputHead(name: string, dims: readonly number[], type: GgmlType): TensorPlan {
  return { name, dims, type, init: { std: OUTPUT_GAIN / Math.sqrt(dims[0]) } };
}

export function norm(name: string, dims: readonly number[]): TensorPlan {
  return { name, dims, type: GgmlType.F32, init: { constant: 1 } };
}

export function bias(name: string, dims: readonly number[]): TensorPlan {
  return { name, dims, type: GgmlType.F32, init: { std: 0.1 } };
}

export const u32 = (value: number): GgufKv => ({ type: GgufType.UINT32, value });
export const f32 = (value: number): GgufKv => ({ type: GgufType.FLOAT32, value });
export const bool = (value: boolean): GgufKv => ({ type: GgufType.BOOL, value });
export const str = (value: string): GgufKv => ({ type: GgufType.STRING, value });
