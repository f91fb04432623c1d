/**
 * @module The demo model as TensorFlow.js variables: a `llama`-architecture decoder whose forward pass is
 * llama.cpp's (RMSNorm with the GGUF's epsilon, "normal" RoPE rotating adjacent pairs (2i, 2i+1) with
 * θ = pos · base^(−2i/d), causal softmax attention scaled by 1/√head_dim, a SwiGLU FFN, a final norm and a
 * separate output matrix), so the exported GGUF gives llama.cpp the logits this code trained.
 * Weights are kept as `x @ W` matrices ([in, out]); the exporter transposes them into ggml's [out][in] rows.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, seedFor } from '../../src/engine/gguf/prng.ts';

export interface ModelShape {
  readonly vocabSize: number;
  readonly embedding: number;
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
  readonly contextLength: number;
  readonly ropeFreqBase: number;
  readonly rmsEps: number;
}

export type Params = Map<string, tf.Variable>;

/**
 * `a @ b` for 2-D tensors, with a gradient built from explicit transposes: the WebAssembly backend runs a
 * plain matmul through XNNPACK (~15 GFLOP/s here) but a transposed or batched one about ten times slower,
 * and tf.matMul's own gradient asks for transposed products.
 */
const mm = tf.customGrad((...args) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy, saved) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1])), tf.matMul(tf.transpose(saved[0]), dy as tf.Tensor2D)],
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Every parameter with its [in, out] (or vector) shape, in GGUF tensor names. */
export function paramShapes(shape: ModelShape): Array<[string, number[]]> {
  const { vocabSize: V, embedding: E, ffn: F } = shape;
  const list: Array<[string, number[]]> = [['token_embd.weight', [V, E]]];
  for (let i = 0; i < shape.layers; i++) {
    const blk = `blk.${i}`;
    list.push(
      [`${blk}.attn_norm.weight`, [E]],
      [`${blk}.attn_q.weight`, [E, E]],
      [`${blk}.attn_k.weight`, [E, E]],
      [`${blk}.attn_v.weight`, [E, E]],
      [`${blk}.attn_output.weight`, [E, E]],
      [`${blk}.ffn_norm.weight`, [E]],
      [`${blk}.ffn_gate.weight`, [E, F]],
      [`${blk}.ffn_up.weight`, [E, F]],
      [`${blk}.ffn_down.weight`, [F, E]],
    );
  }
  list.push(['output_norm.weight', [E]], ['output.weight', [E, V]]);
  return list;
}

/** Seeded Gaussian init (GPT-2 style): 0.02, residual projections scaled down by √(2·layers), norms at 1. */
export function initParams(shape: ModelShape, seed: number): Params {
  const params: Params = new Map();
  for (const [name, dims] of paramShapes(shape)) {
    const size = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (dims.length === 1) values.fill(1);
    else {
      const residual = name.endsWith('attn_output.weight') || name.endsWith('ffn_down.weight');
      const std = residual ? 0.02 / Math.sqrt(2 * shape.layers) : 0.02;
      const rng = new Rng(seedFor(seed, name));
      for (let i = 0; i < size; i += 2) {
        // Box–Muller: two normals per pair of uniforms.
        const r = Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
        const t = 2 * Math.PI * rng.nextFloat();
        values[i] = std * r * Math.cos(t);
        if (i + 1 < size) values[i + 1] = std * r * Math.sin(t);
      }
    }
    params.set(name, tf.variable(tf.tensor(values, dims), true, name));
  }
  return params;
}

export function parameterCount(shape: ModelShape): number {
  return paramShapes(shape).reduce((sum, [, dims]) => sum + dims.reduce((a, b) => a * b, 1), 0);
}

/** Constant tensors for one sequence length: RoPE tables, the pair-rotation matrix and the causal mask. */
interface Tables {
  readonly cos: tf.Tensor2D;
  readonly sin: tf.Tensor2D;
  readonly rotate: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
}

export class DemoModel {
  readonly shape: ModelShape;
  readonly params: Params;
  readonly #tables = new Map<number, Tables>();

  constructor(shape: ModelShape, params: Params) {
    this.shape = shape;
    this.params = params;
  }

  #p(name: string): tf.Variable {
    const p = this.params.get(name);
    if (!p) throw new Error(`no parameter ${name}`);
    return p;
  }

  #tablesFor(length: number): Tables {
    let tables = this.#tables.get(length);
    if (tables) return tables;
    const headDim = this.shape.embedding / this.shape.heads;
    const cos = new Float32Array(length * headDim);
    const sin = new Float32Array(length * headDim);
    for (let pos = 0; pos < length; pos++) {
      for (let i = 0; i < headDim / 2; i++) {
        // ggml_rope (mode 0): theta = pos * base^(-2i/n_dims), applied to (x[2i], x[2i+1]).
        const theta = pos * Math.pow(this.shape.ropeFreqBase, (-2 * i) / headDim);
        cos[pos * headDim + 2 * i] = cos[pos * headDim + 2 * i + 1] = Math.cos(theta);
        sin[pos * headDim + 2 * i] = sin[pos * headDim + 2 * i + 1] = Math.sin(theta);
      }
    }
    // x @ rotate maps each pair (a, b) to (-b, a).
    const rotate = new Float32Array(headDim * headDim);
    for (let i = 0; i < headDim; i += 2) {
      rotate[(i + 1) * headDim + i] = -1;
      rotate[i * headDim + i + 1] = 1;
    }
    const mask = new Float32Array(length * length);
    for (let q = 0; q < length; q++) for (let k = q + 1; k < length; k++) mask[q * length + k] = -1e9;
    tables = tf.tidy(() => ({
      cos: tf.keep(tf.tensor2d(cos, [length, headDim])),
      sin: tf.keep(tf.tensor2d(sin, [length, headDim])),
      rotate: tf.keep(tf.tensor2d(rotate, [headDim, headDim])),
      mask: tf.keep(tf.tensor2d(mask, [length, length])),
    }));
    this.#tables.set(length, tables);
    return tables;
  }

  #rmsNorm(x: tf.Tensor2D, weight: string): tf.Tensor2D {
    const meanSquare = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, this.shape.rmsEps))), this.#p(weight)) as tf.Tensor2D;
  }

  /** Token ids [batch, length] → logits [batch · length, vocab]. */
  logits(tokens: tf.Tensor2D): tf.Tensor2D {
    const [batch, length] = tokens.shape;
    const { embedding: E, heads: H, vocabSize: V } = this.shape;
    const D = E / H;
    const tables = this.#tablesFor(length);
    const N = batch * length;
    // One-hot matmul rather than gather: the WebAssembly backend has no gather gradient (UnsortedSegmentSum).
    let x = mm(tf.oneHot(tf.reshape(tokens, [N]), V) as tf.Tensor2D, this.#p('token_embd.weight') as tf.Tensor2D);
    const W = (name: string) => this.#p(name) as tf.Tensor2D;

    // [N, E] → [sequence · head, length, D], sequence-major.
    const heads = (t: tf.Tensor2D): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(t, [batch, length, H, D]), [0, 2, 1, 3]), [batch * H, length, D]);
    const rope = (t: tf.Tensor3D): tf.Tensor3D => {
      const rotated = tf.reshape(mm(tf.reshape(t, [-1, D]), tables.rotate), t.shape);
      return tf.add(tf.mul(t, tables.cos), tf.mul(rotated, tables.sin));
    };
    // Attention per (sequence, head) as 2-D products: batched matmuls are the backend's slow path.
    // The scale is folded into q (same product as llama.cpp's scaled scores, up to rounding).
    const attend = (q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor2D => {
      const qs = tf.unstack(tf.mul(q, 1 / Math.sqrt(D))) as tf.Tensor2D[];
      const ks = tf.unstack(tf.transpose(k, [0, 2, 1])) as tf.Tensor2D[];
      const vs = tf.unstack(v) as tf.Tensor2D[];
      const outputs = qs.map((qi, j) => mm(tf.softmax(tf.add(mm(qi, ks[j]), tables.mask)) as tf.Tensor2D, vs[j]));
      return tf.reshape(tf.transpose(tf.reshape(tf.stack(outputs), [batch, H, length, D]), [0, 2, 1, 3]), [N, E]);
    };

    for (let i = 0; i < this.shape.layers; i++) {
      const blk = `blk.${i}`;
      const h = this.#rmsNorm(x, `${blk}.attn_norm.weight`);
      const q = rope(heads(mm(h, W(`${blk}.attn_q.weight`))));
      const k = rope(heads(mm(h, W(`${blk}.attn_k.weight`))));
      const v = heads(mm(h, W(`${blk}.attn_v.weight`)));
      x = tf.add(x, mm(attend(q, k, v), W(`${blk}.attn_output.weight`)));

      const f = this.#rmsNorm(x, `${blk}.ffn_norm.weight`);
      const gate = mm(f, W(`${blk}.ffn_gate.weight`));
      const up = mm(f, W(`${blk}.ffn_up.weight`));
      const swiglu = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D;
      x = tf.add(x, mm(swiglu, W(`${blk}.ffn_down.weight`)));
    }
    return mm(this.#rmsNorm(x, 'output_norm.weight'), W('output.weight'));
  }

  /** Mean cross-entropy of `targets` over the positions where `weights` is 1 ([batch, length] each). */
  loss(tokens: tf.Tensor2D, targets: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
    const logits = this.logits(tokens);
    const N = logits.shape[0];
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.reshape(targets, [N]), this.shape.vocabSize)), -1);
    const w = tf.reshape(weights, [N]);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), tf.maximum(tf.sum(w), 1)) as tf.Scalar;
  }
}
