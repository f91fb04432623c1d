import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GgmlType } from './format.ts';
import { metaNumber } from './metadata.ts';
import { summarizeGguf } from './summary.ts';
import { synthModel } from './synth.ts';
import { DEEPSEEK_R1_TEMPLATE, DEEPSEEK_V3_TEMPLATE } from './templates.ts';
import { validateGguf } from './validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'seekstack-gguf-synth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('synthModel', () => {
  for (const arch of ['llama', 'qwen2', 'deepseek2'] as const) {
    it(`writes a valid tiny ${arch} model with the DeepSeek tokenizer and template`, () => {
      const result = synthModel({ arch, preset: 'tiny', out: join(dir, `${arch}.gguf`) });
      const info = validateGguf(result.path);
      const summary = summarizeGguf(info);
      assert.deepEqual(summary, {
        name: `seekstack-synth-${arch}-tiny-f32`,
        architecture: arch,
        parameterCount: result.parameterCount,
        quantization: 'F32',
        contextLength: 4096,
        fileSizeBytes: result.fileSizeBytes,
        chatTemplate: arch === 'deepseek2' ? DEEPSEEK_V3_TEMPLATE : DEEPSEEK_R1_TEMPLATE,
        hasFimTokens: true,
      });
      assert.ok(result.fileSizeBytes < 3 * 2 ** 20, `${result.fileSizeBytes} bytes`);
      assert.ok(info.tensors.every((t) => t.type === GgmlType.F32));
      assert.equal(metaNumber(info.metadata, 'tokenizer.ggml.fim_suf_token_id'), metaNumber(info.metadata, 'tokenizer.ggml.fim_pre_token_id')! + 1);
    });
  }

  it('keeps norms, biases and deepseek2 attn_k_b/attn_v_b in F32 when quantizing', () => {
    const info = validateGguf(synthModel({ arch: 'deepseek2', preset: 'tiny', wtype: 'q8_0', out: join(dir, 'ds-q8.gguf') }).path);
    const typeOf = (name: string): number => info.tensors.find((t) => t.name === name)!.type;
    assert.equal(typeOf('blk.0.attn_k_b.weight'), GgmlType.F32);
    assert.equal(typeOf('blk.0.attn_v_b.weight'), GgmlType.F32);
    assert.equal(typeOf('blk.1.exp_probs_b.bias'), GgmlType.F32);
    assert.equal(typeOf('blk.0.attn_norm.weight'), GgmlType.F32);
    assert.equal(typeOf('blk.1.ffn_up_exps.weight'), GgmlType.Q8_0);
    assert.equal(summarizeGguf(info).quantization, 'Q8_0');
  });

  it('writes Q4_0 qwen2 with F32 biases', () => {
    const info = validateGguf(synthModel({ arch: 'qwen2', preset: 'tiny', wtype: 'q4_0', out: join(dir, 'q4.gguf') }).path);
    assert.equal(info.tensors.find((t) => t.name === 'blk.0.attn_q.bias')!.type, GgmlType.F32);
    assert.equal(summarizeGguf(info).quantization, 'Q4_0');
  });

  it('is byte-for-byte deterministic for a seed', () => {
    const write = (name: string, seed: number): Buffer =>
      readFileSync(synthModel({ arch: 'llama', preset: 'tiny', seed, out: join(dir, name) }).path);
    const first = write('a.gguf', 5);
    assert.ok(first.equals(write('b.gguf', 5)));
    assert.ok(!first.equals(write('c.gguf', 6)));
  });
});
