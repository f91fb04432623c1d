/**
 * @module Writes the trained demo model as a `llama` GGUF through the project's own writer: the tensor
 * names, shapes and `llama.*` metadata of `densePlan` (what llama.cpp loads), the task's BPE vocabulary
 * with R1's special tokens, and the real DeepSeek-R1 chat template. Tensors are F32.
 */
import { readFileSync, statSync } from 'node:fs';
import { GgmlType } from '../../src/engine/gguf/format.ts';
import { metaArray, metaNumber, type GgufKv } from '../../src/engine/gguf/metadata.ts';
import { readGgufInfo } from '../../src/engine/gguf/reader.ts';
import { DENSE_ARCH, densePlan } from '../../src/engine/gguf/synth-dense.ts';
import { str, u32, WEIGHT_FILE_TYPE } from '../../src/engine/gguf/synth-plan.ts';
import { DEEPSEEK_R1_TEMPLATE } from '../../src/engine/gguf/templates.ts';
import { SPECIAL_TOKENS, tokenizerMetadata, type SpecialToken, type SynthVocab, type TokenType } from '../../src/engine/gguf/vocab.ts';
import { writeGguf, type TensorSpec } from '../../src/engine/gguf/writer.ts';
import type { ModelShape } from './model.ts';

export const MODEL_NAME = 'seekstack-demo-r1';

/** The trainer must use llama.cpp's `llama` constants, since the GGUF states them. */
export const LLAMA = DENSE_ARCH.llama;

/** Parameter values by GGUF tensor name, as the trainer holds them: matrices [in, out], embeddings [vocab, embedding]. */
export type ParamValues = ReadonlyMap<string, { values: Float32Array; dims: readonly number[] }>;

export function exportGguf(path: string, shape: ModelShape, vocab: SynthVocab, params: ParamValues): { parameterCount: number; fileSizeBytes: number } {
  const plan = densePlan(
    'llama',
    { embedding: shape.embedding, layers: shape.layers, ffn: shape.ffn, heads: shape.heads, kvHeads: shape.heads, contextLength: shape.contextLength },
    'f32',
    vocab.tokens.length,
  );
  const metadata = new Map<string, GgufKv>([
    ['general.architecture', str('llama')],
    ['general.name', str(MODEL_NAME)],
    ['general.file_type', u32(WEIGHT_FILE_TYPE.f32)],
    ['general.license', str('MIT')],
    ...plan.metadata,
    ...tokenizerMetadata(vocab, DEEPSEEK_R1_TEMPLATE),
  ]);
  let parameterCount = 0;
  const tensors: TensorSpec[] = plan.tensors.map((tensor) => {
    const param = params.get(tensor.name);
    if (!param) throw new Error(`the trainer has no tensor ${tensor.name}`);
    const data = ggmlOrder(tensor.name, param.values, param.dims, tensor.dims);
    parameterCount += data.length;
    return {
      name: tensor.name,
      dims: tensor.dims,
      type: GgmlType.F32,
      fill: (write) => write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
    };
  });
  writeGguf(path, metadata, tensors);
  return { parameterCount, fileSizeBytes: statSync(path).size };
}

/**
 * ggml rows are dims[0] long: a weight applied as W·x with x of length `in` is stored [out][in], the
 * transpose of the trainer's [in][out]; the embedding is already one row per token.
 */
function ggmlOrder(name: string, values: Float32Array, dims: readonly number[], ggmlDims: readonly number[]): Float32Array {
  if (dims.length === 1 || name === 'token_embd.weight') {
    if (dims.join() !== [...ggmlDims].reverse().join() && dims.length !== 1) throw new Error(`${name}: shape ${dims} does not fit ${ggmlDims}`);
    return values;
  }
  const [rows, cols] = dims;
  if (rows !== ggmlDims[0] || cols !== ggmlDims[1]) throw new Error(`${name}: shape ${dims} does not fit ${ggmlDims}`);
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** Reads a demo GGUF back: its shape, vocabulary and trainer-order weights (the check against llama.cpp uses it). */
export function importGguf(path: string): { shape: ModelShape; vocab: SynthVocab; params: ParamValues } {
  const info = readGgufInfo(path);
  const meta = info.metadata;
  const num = (key: string): number => {
    const value = metaNumber(meta, key);
    if (value === undefined) throw new Error(`${path} has no ${key}`);
    return value;
  };
  const tokens = metaArray(meta, 'tokenizer.ggml.tokens')!.items as string[];
  const merges = metaArray(meta, 'tokenizer.ggml.merges')!.items as string[];
  const tokenTypes = metaArray(meta, 'tokenizer.ggml.token_type')!.items as TokenType[];
  const specialIds = new Map(SPECIAL_TOKENS.map(([text]) => [text, tokens.indexOf(text)] as [SpecialToken, number]));
  const vocab: SynthVocab = { bpe: { tokens: tokens.slice(0, 256 + merges.length), merges }, tokens, tokenTypes, specialIds };
  const shape: ModelShape = {
    vocabSize: tokens.length,
    embedding: num('llama.embedding_length'),
    layers: num('llama.block_count'),
    heads: num('llama.attention.head_count'),
    ffn: num('llama.feed_forward_length'),
    contextLength: num('llama.context_length'),
    ropeFreqBase: num('llama.rope.freq_base'),
    rmsEps: num('llama.attention.layer_norm_rms_epsilon'),
  };
  const bytes = readFileSync(path);
  const params = new Map<string, { values: Float32Array; dims: readonly number[] }>();
  for (const tensor of info.tensors) {
    if (tensor.type !== GgmlType.F32) throw new Error(`${tensor.name} is not F32`);
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    const start = info.dataOffset + tensor.offset;
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + 4 * count));
    if (tensor.dims.length === 1 || tensor.name === 'token_embd.weight') {
      params.set(tensor.name, { values: data, dims: [...tensor.dims].reverse() });
    } else {
      const [rows, cols] = tensor.dims; // trainer order [in, out] = ggml dims
      const values = new Float32Array(count);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) values[r * cols + c] = data[c * rows + r];
      params.set(tensor.name, { values, dims: [rows, cols] });
    }
  }
  return { shape, vocab, params };
}
