import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GgmlType, GgufType } from './format.ts';
import type { GgufKv } from './metadata.ts';
import { Rng } from './prng.ts';
import { synthModel } from './synth.ts';
import { tensorFill } from './tensor-data.ts';
import { readGgufInfo, readGgufLayout } from './reader.ts';
import { GgufError, validateGguf } from './validate.ts';
import { writeGguf } from './writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'seekstack-gguf-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const u32 = (value: number): GgufKv => ({ type: GgufType.UINT32, value });
const str = (value: string): GgufKv => ({ type: GgufType.STRING, value });

/** A small llama-shaped file; `edit` changes its metadata before writing. */
function writeModel(file: string, edit: (metadata: Map<string, GgufKv>) => void = () => {}): string {
  const metadata = new Map<string, GgufKv>([
    ['general.architecture', str('llama')],
    ['llama.context_length', u32(256)],
    ['llama.embedding_length', u32(32)],
    ['llama.block_count', u32(1)],
    ['llama.feed_forward_length', u32(64)],
    ['llama.attention.head_count', u32(2)],
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.tokens', { type: GgufType.ARRAY, value: { itemType: GgufType.STRING, items: ['a', 'b'] } }],
  ]);
  edit(metadata);
  const path = join(dir, file);
  const tensors = [
    { name: 'token_embd.weight', dims: [32, 2], type: GgmlType.Q8_0 },
    { name: 'output_norm.weight', dims: [32], type: GgmlType.F32 },
  ].map((t) => ({ ...t, fill: tensorFill(t.type, t.dims, { std: 1 }, new Rng(0)) }));
  writeGguf(path, metadata, tensors);
  return path;
}

function patch(path: string, position: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, position);
  closeSync(fd);
}

/** Overwrites the ggml type of a tensor info, found by its name. */
function patchTensorType(path: string, name: string, type: number): void {
  const file = readFileSync(path);
  const at = file.indexOf(Buffer.from(name)) + name.length;
  const dimCount = file.readUInt32LE(at);
  patch(path, at + 4 + 8 * dimCount, Buffer.from(new Uint32Array([type]).buffer));
}

function assertRejects(path: string, problem: RegExp): void {
  assert.throws(
    () => validateGguf(path),
    (error: unknown) => {
      assert.ok(error instanceof GgufError);
      assert.ok(error.message.startsWith(`${path}: `), error.message);
      assert.match(error.problem, problem);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
}

describe('validateGguf', () => {
  it('accepts a well-formed file and returns its info', () => {
    const info = validateGguf(writeModel('ok.gguf'));
    assert.equal(info.tensors.length, 2);
  });

  for (const arch of ['llama', 'qwen2', 'deepseek2'] as const) {
    it(`accepts a synthesized tiny ${arch} model`, () => {
      const { path } = synthModel({ arch, preset: 'tiny', out: join(dir, `${arch}.gguf`) });
      assert.equal(validateGguf(path).tensors.length > 10, true);
    });
  }

  it('rejects a truncated file (an incomplete download)', () => {
    const path = writeModel('truncated.gguf');
    truncateSync(path, statSync(path).size - 100);
    assertRejects(path, /^tensor 'output_norm\.weight' ends at byte \d+, but the file has only \d+ bytes: it is truncated/);
  });

  it('rejects a file cut off inside its header', () => {
    const path = writeModel('cut.gguf');
    truncateSync(path, 200);
    assertRejects(path, /^string length of metadata key #4 at byte 176 is 25, but only 16 bytes remain in the file$/);
  });

  it('rejects the wrong magic', () => {
    const path = writeModel('magic.gguf');
    patch(path, 0, Buffer.from('GGML'));
    assertRejects(path, /^bad magic 'GGML' \(expected 'GGUF'\)/);
  });

  it('rejects GGUF version 1, naming the version found', () => {
    const path = writeModel('v1.gguf');
    patch(path, 4, Buffer.from([1, 0, 0, 0]));
    assertRejects(path, /^unsupported GGUF version 1 \(expected 3\)$/);
  });

  it('rejects a missing feed_forward_length', () => {
    const path = writeModel('no-ffn.gguf', (m) => m.delete('llama.feed_forward_length'));
    assertRejects(path, /^missing required key 'llama\.feed_forward_length'$/);
  });

  it('rejects a zero head_count, which would abort llama.cpp', () => {
    const path = writeModel('zero-heads.gguf', (m) => m.set('llama.attention.head_count', u32(0)));
    assertRejects(path, /^'llama\.attention\.head_count' is 0, which makes llama\.cpp abort/);
  });

  it('rejects a string length that runs past the end of the file without allocating it', () => {
    const path = writeModel('long-string.gguf');
    patch(path, 24, Buffer.from(new BigUint64Array([2n ** 40n]).buffer));
    assertRejects(path, /^string length of metadata key #0 at byte 24 is 1099511627776, but only \d+ bytes remain in the file$/);
  });

  it('rejects an array count that runs past the end of the file', () => {
    const path = writeModel('long-array.gguf');
    const file = readFileSync(path);
    const countAt = file.indexOf(Buffer.from('tokenizer.ggml.tokens')) + 'tokenizer.ggml.tokens'.length + 8;
    patch(path, countAt, Buffer.from(new BigUint64Array([2n ** 50n]).buffer));
    assertRejects(path, /^item count of 'tokenizer\.ggml\.tokens' at byte \d+ is 1125899906842624, but only \d+ bytes remain/);
  });

  it('reads the layout without the string arrays, and still checks them while skipping', () => {
    const path = writeModel('layout.gguf', (m) => m.set('tokenizer.ggml.merges', { type: GgufType.ARRAY, value: { itemType: GgufType.STRING, items: ['a b', 'ab c'] } }));
    const full = readGgufInfo(path);
    const layout = readGgufLayout(path);
    assert.deepEqual([...layout.metadata.keys()], [...full.metadata.keys()].filter((key) => key !== 'tokenizer.ggml.tokens' && key !== 'tokenizer.ggml.merges'));
    assert.deepEqual({ ...layout, metadata: null }, { ...full, metadata: null }, 'same tensors, data offset and sizes');
    const file = readFileSync(path);
    const firstToken = file.indexOf(Buffer.from('tokenizer.ggml.tokens')) + 'tokenizer.ggml.tokens'.length + 4 + 4 + 8;
    patch(path, firstToken, Buffer.from(new BigUint64Array([2n ** 40n]).buffer));
    assert.throws(() => readGgufLayout(path), (error: Error) => error instanceof GgufError && /string length of an item of 'tokenizer\.ggml\.tokens' at byte \d+ is 1099511627776, but only \d+ bytes remain/.test(error.message));
  });

  it('rejects an architecture llama.cpp does not know', () => {
    assertRejects(writeModel('arch.gguf', (m) => m.set('general.architecture', str('llama9'))), /^unknown architecture 'llama9'/);
  });

  it('accepts a MoE-only architecture that sizes its experts instead of feed_forward_length', () => {
    const path = writeModel('moe.gguf', (m) => {
      for (const [key, kv] of [...m]) {
        if (key.startsWith('llama.')) m.set(key.replace('llama.', 'qwen3moe.'), kv).delete(key);
      }
      m.set('general.architecture', str('qwen3moe')).delete('qwen3moe.feed_forward_length');
      m.set('qwen3moe.expert_feed_forward_length', u32(16));
    });
    validateGguf(path);
  });

  it('rejects a missing tokenizer', () => {
    assertRejects(writeModel('no-tokens.gguf', (m) => m.delete('tokenizer.ggml.tokens')), /^missing required key 'tokenizer\.ggml\.tokens'$/);
  });

  it('rejects an unknown tensor type', () => {
    const path = writeModel('type.gguf');
    patchTensorType(path, 'output_norm.weight', 31);
    assertRejects(path, /^tensor 'output_norm\.weight' has unknown ggml type 31$/);
  });

  it('rejects rows that are not a multiple of the block size', () => {
    const path = writeModel('blocks.gguf');
    const q4k = 12;
    patchTensorType(path, 'output_norm.weight', q4k);
    assertRejects(path, /^tensor 'output_norm\.weight' \(q4_K\) has rows of 32 elements, not a multiple of the block size 256$/);
  });
});
