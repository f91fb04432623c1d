/**
 * @module Shapes, metadata and tensors of synthetic `deepseek2` models: DeepSeek-V3-style MLA attention
 * and MoE (sigmoid-gated routed experts plus shared experts, after dense leading blocks).
 * See research/node-llama-cpp.md §2 and llama.cpp's src/models/deepseek2.cpp.
 */
import { GgmlType } from './format.ts';
import { bias, bool, embedding, f32, matrix, norm, outputHead, u32, WEIGHT_GGML_TYPE } from './synth-plan.ts';
import type { ModelPlan, SynthPreset, TensorPlan, WeightType } from './synth-plan.ts';

interface Deepseek2Shape {
  readonly embedding: number;
  readonly layers: number;
  readonly leadingDenseLayers: number;
  readonly ffn: number;
  readonly expertFfn: number;
  readonly experts: number;
  readonly expertsUsed: number;
  readonly sharedExperts: number;
  readonly heads: number;
  readonly qLoraRank: number;
  readonly kvLoraRank: number;
  readonly nopeDim: number;
  readonly ropeDim: number;
  readonly valueDim: number;
  readonly contextLength: number;
}

const SHAPES: Readonly<Record<SynthPreset, Deepseek2Shape>> = {
  tiny: {
    embedding: 64, layers: 2, leadingDenseLayers: 1, ffn: 128, expertFfn: 32, experts: 4, expertsUsed: 2,
    sharedExperts: 1, heads: 4, qLoraRank: 32, kvLoraRank: 32, nopeDim: 16, ropeDim: 16, valueDim: 16,
    contextLength: 4096,
  },
  // ~292M parameters (most in 16 experts) with a 32768-token vocabulary.
  bench: {
    embedding: 1024, layers: 8, leadingDenseLayers: 1, ffn: 4096, expertFfn: 512, experts: 16, expertsUsed: 2,
    sharedExperts: 1, heads: 16, qLoraRank: 512, kvLoraRank: 256, nopeDim: 64, ropeDim: 32, valueDim: 64,
    contextLength: 8192,
  },
};

/** DeepSeek-V3's values: sigmoid gating (2), normalised top-k weights scaled by 2.5. */
const EXPERT_GATING_SIGMOID = 2;
const EXPERT_WEIGHTS_SCALE = 2.5;

export function deepseek2Plan(preset: SynthPreset, wtype: WeightType, vocabSize: number): ModelPlan {
  const s = SHAPES[preset];
  const E = s.embedding;
  const type = WEIGHT_GGML_TYPE[wtype];
  const sharedFfn = s.expertFfn * s.sharedExperts;

  const tensors: TensorPlan[] = [
    embedding('token_embd.weight', [E, vocabSize], type),
    norm('output_norm.weight', [E]),
    outputHead('output.weight', [E, vocabSize], type),
  ];
  for (let i = 0; i < s.layers; i++) {
    const blk = `blk.${i}`;
    tensors.push(
      norm(`${blk}.attn_norm.weight`, [E]),
      norm(`${blk}.attn_q_a_norm.weight`, [s.qLoraRank]),
      norm(`${blk}.attn_kv_a_norm.weight`, [s.kvLoraRank]),
      matrix(`${blk}.attn_q_a.weight`, [E, s.qLoraRank], type),
      matrix(`${blk}.attn_q_b.weight`, [s.qLoraRank, s.heads * (s.nopeDim + s.ropeDim)], type),
      matrix(`${blk}.attn_kv_a_mqa.weight`, [E, s.kvLoraRank + s.ropeDim], type),
      // Both MLA absorption matrices stay F32 because of the prebuilt AMX CPU backend (Sapphire Rapids):
      // it claims k_b in F16/Q8_0 and then aborts the process (GGML_ASSERT(*cur_backend_id != -1)), and
      // with v_b in Q8_0 or Q4_0 it silently produces NaN logits on the bench shapes.
      matrix(`${blk}.attn_k_b.weight`, [s.nopeDim, s.kvLoraRank, s.heads], GgmlType.F32),
      matrix(`${blk}.attn_v_b.weight`, [s.kvLoraRank, s.valueDim, s.heads], GgmlType.F32),
      matrix(`${blk}.attn_output.weight`, [s.heads * s.valueDim, E], type),
      norm(`${blk}.ffn_norm.weight`, [E]),
    );
    if (i < s.leadingDenseLayers) {
      tensors.push(
        matrix(`${blk}.ffn_gate.weight`, [E, s.ffn], type),
        matrix(`${blk}.ffn_up.weight`, [E, s.ffn], type),
        matrix(`${blk}.ffn_down.weight`, [s.ffn, E], type),
      );
    } else {
      tensors.push(
        matrix(`${blk}.ffn_gate_inp.weight`, [E, s.experts], GgmlType.F32),
        bias(`${blk}.exp_probs_b.bias`, [s.experts]),
        matrix(`${blk}.ffn_gate_exps.weight`, [E, s.expertFfn, s.experts], type),
        matrix(`${blk}.ffn_up_exps.weight`, [E, s.expertFfn, s.experts], type),
        matrix(`${blk}.ffn_down_exps.weight`, [s.expertFfn, E, s.experts], type),
        matrix(`${blk}.ffn_gate_shexp.weight`, [E, sharedFfn], type),
        matrix(`${blk}.ffn_up_shexp.weight`, [E, sharedFfn], type),
        matrix(`${blk}.ffn_down_shexp.weight`, [sharedFfn, E], type),
      );
    }
  }

  return {
    metadata: [
      ['deepseek2.context_length', u32(s.contextLength)],
      ['deepseek2.embedding_length', u32(E)],
      ['deepseek2.block_count', u32(s.layers)],
      ['deepseek2.feed_forward_length', u32(s.ffn)],
      ['deepseek2.attention.head_count', u32(s.heads)],
      // MLA caches one compressed latent per token, which llama.cpp models as a single KV head whose key is
      // the latent plus the rope part and whose value is the latent.
      ['deepseek2.attention.head_count_kv', u32(1)],
      ['deepseek2.attention.key_length', u32(s.kvLoraRank + s.ropeDim)],
      ['deepseek2.attention.value_length', u32(s.kvLoraRank)],
      ['deepseek2.attention.key_length_mla', u32(s.nopeDim + s.ropeDim)],
      ['deepseek2.attention.value_length_mla', u32(s.valueDim)],
      ['deepseek2.attention.q_lora_rank', u32(s.qLoraRank)],
      ['deepseek2.attention.kv_lora_rank', u32(s.kvLoraRank)],
      ['deepseek2.attention.layer_norm_rms_epsilon', f32(1e-6)],
      ['deepseek2.rope.dimension_count', u32(s.ropeDim)],
      ['deepseek2.rope.freq_base', f32(10_000)],
      ['deepseek2.leading_dense_block_count', u32(s.leadingDenseLayers)],
      ['deepseek2.expert_feed_forward_length', u32(s.expertFfn)],
      ['deepseek2.expert_count', u32(s.experts)],
      ['deepseek2.expert_used_count', u32(s.expertsUsed)],
      ['deepseek2.expert_shared_count', u32(s.sharedExperts)],
      ['deepseek2.expert_weights_scale', f32(EXPERT_WEIGHTS_SCALE)],
      ['deepseek2.expert_weights_norm', bool(true)],
      ['deepseek2.expert_gating_func', u32(EXPERT_GATING_SIGMOID)],
      ['deepseek2.vocab_size', u32(vocabSize)],
    ],
    tensors,
  };
}
