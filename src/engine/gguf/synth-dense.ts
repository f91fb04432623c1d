/** @module Shapes, metadata and tensors of synthetic `llama` and `qwen2` models (research/node-llama-cpp.md §2). */
import { bias, embedding, f32, matrix, norm, outputHead, u32, WEIGHT_GGML_TYPE } from './synth-plan.ts';
import type { ModelPlan, SynthPreset, TensorPlan, WeightType } from './synth-plan.ts';

export type DenseArch = 'llama' | 'qwen2';

export interface DenseShape {
  readonly embedding: number;
  readonly layers: number;
  readonly ffn: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly contextLength: number;
}

const SHAPES: Readonly<Record<SynthPreset, DenseShape>> = {
  tiny: { embedding: 64, layers: 2, ffn: 192, heads: 4, kvHeads: 2, contextLength: 4096 },
  // ~250M parameters with a 32768-token vocabulary.
  bench: { embedding: 1024, layers: 12, ffn: 4096, heads: 16, kvHeads: 4, contextLength: 8192 },
};

export const DENSE_ARCH = {
  llama: { ropeFreqBase: 10_000, rmsEps: 1e-5, hasQkvBias: false },
  // Real Qwen2 has q/k/v biases and a 1e6 rope base.
  qwen2: { ropeFreqBase: 1_000_000, rmsEps: 1e-6, hasQkvBias: true },
} as const;

/** A preset's shape, or any other (the demo model's trainer passes its own). */
export function densePlan(arch: DenseArch, preset: SynthPreset | DenseShape, wtype: WeightType, vocabSize: number): ModelPlan {
  const shape = typeof preset === 'string' ? SHAPES[preset] : preset;
  const { ropeFreqBase, rmsEps, hasQkvBias } = DENSE_ARCH[arch];
  const E = shape.embedding;
  const headDim = E / shape.heads;
  const kvDim = shape.kvHeads * headDim;
  const type = WEIGHT_GGML_TYPE[wtype];

  const tensors: TensorPlan[] = [
    embedding('token_embd.weight', [E, vocabSize], type),
    norm('output_norm.weight', [E]),
    outputHead('output.weight', [E, vocabSize], type),
  ];
  for (let i = 0; i < shape.layers; i++) {
    const blk = `blk.${i}`;
    tensors.push(
      norm(`${blk}.attn_norm.weight`, [E]),
      matrix(`${blk}.attn_q.weight`, [E, E], type),
      matrix(`${blk}.attn_k.weight`, [E, kvDim], type),
      matrix(`${blk}.attn_v.weight`, [E, kvDim], type),
      matrix(`${blk}.attn_output.weight`, [E, E], type),
      norm(`${blk}.ffn_norm.weight`, [E]),
      matrix(`${blk}.ffn_gate.weight`, [E, shape.ffn], type),
      matrix(`${blk}.ffn_up.weight`, [E, shape.ffn], type),
      matrix(`${blk}.ffn_down.weight`, [shape.ffn, E], type),
    );
    if (hasQkvBias) {
      tensors.push(
        bias(`${blk}.attn_q.bias`, [E]),
        bias(`${blk}.attn_k.bias`, [kvDim]),
        bias(`${blk}.attn_v.bias`, [kvDim]),
      );
    }
  }

  return {
    metadata: [
      [`${arch}.context_length`, u32(shape.contextLength)],
      [`${arch}.embedding_length`, u32(E)],
      [`${arch}.block_count`, u32(shape.layers)],
      [`${arch}.feed_forward_length`, u32(shape.ffn)],
      [`${arch}.attention.head_count`, u32(shape.heads)],
      [`${arch}.attention.head_count_kv`, u32(shape.kvHeads)],
      [`${arch}.attention.layer_norm_rms_epsilon`, f32(rmsEps)],
      [`${arch}.rope.freq_base`, f32(ropeFreqBase)],
      // llama.cpp refuses a llama model whose rope dimension differs from the head size ("invalid n_rot").
      [`${arch}.rope.dimension_count`, u32(headDim)],
      [`${arch}.vocab_size`, u32(vocabSize)],
    ],
    tensors,
  };
}
