import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { alignUp, GgmlType, GgufType } from './format.ts';
import type { GgufKv } from './metadata.ts';
import { Rng } from './prng.ts';
import { readGgufInfo } from './reader.ts';
import { tensorFill } from './tensor-data.ts';
import { writeGguf, type TensorSpec } from './writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'seekstack-gguf-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const array = (itemType: GgufType, items: GgufKv['value'][]): GgufKv => ({ type: GgufType.ARRAY, value: { itemType, items } });

const METADATA = new Map<string, GgufKv>([
  ['general.alignment', { type: GgufType.UINT32, value: 64 }],
  ['u8', { type: GgufType.UINT8, value: 200 }],
  ['i8', { type: GgufType.INT8, value: -5 }],
  ['u16', { type: GgufType.UINT16, value: 60000 }],
  ['i16', { type: GgufType.INT16, value: -30000 }],
  ['u32', { type: GgufType.UINT32, value: 4_000_000_000 }],
  ['i32', { type: GgufType.INT32, value: -2_000_000_000 }],
  ['f32', { type: GgufType.FLOAT32, value: 1.5 }],
  ['f64', { type: GgufType.FLOAT64, value: Math.PI }],
  ['u64', { type: GgufType.UINT64, value: 2n ** 63n + 5n }],
  ['i64', { type: GgufType.INT64, value: -(2n ** 62n) }],
  ['yes', { type: GgufType.BOOL, value: true }],
  ['no', { type: GgufType.BOOL, value: false }],
  ['text', { type: GgufType.STRING, value: 'héllo <｜User｜> 你好 😀\n' }],
  ['empty.text', { type: GgufType.STRING, value: '' }],
  ['strings', array(GgufType.STRING, ['a', '', 'Ġthe', '<think>'])],
  ['ints', array(GgufType.INT32, [1, -2, 3])],
  ['floats', array(GgufType.FLOAT32, [0.5, -0.25])],
  ['bools', array(GgufType.BOOL, [true, false])],
  ['empty', array(GgufType.UINT8, [])],
  ['nested', array(GgufType.ARRAY, [{ itemType: GgufType.UINT16, items: [1, 2] }, { itemType: GgufType.STRING, items: ['x'] }])],
]);

function tensor(name: string, dims: number[], type: GgmlType): TensorSpec {
  const init = type === GgmlType.F32 ? { constant: 0.75 } : { std: 0.02 };
  return { name, dims, type, fill: tensorFill(type, dims, init, new Rng(1)) };
}

describe('GGUF writer and reader', () => {
  it('round-trips metadata of every value type and tensor infos', () => {
    const path = join(dir, 'roundtrip.gguf');
    const tensors = [
      tensor('a.weight', [4, 3], GgmlType.F32),
      tensor('b.weight', [32, 2], GgmlType.F16),
      tensor('c.weight', [64, 3], GgmlType.Q8_0),
      tensor('d.weight', [32, 5, 2], GgmlType.Q4_0),
    ];
    writeGguf(path, METADATA, tensors);

    const info = readGgufInfo(path);
    assert.equal(info.version, 3);
    assert.equal(info.alignment, 64);
    assert.deepEqual(info.metadata, METADATA);
    const sizes = [4 * 3 * 4, 32 * 2 * 2, 2 * 3 * 34, 5 * 2 * 18];
    let offset = 0;
    const expected = tensors.map((t, i) => {
      const row = { name: t.name, dims: t.dims, type: t.type, offset };
      offset += alignUp(sizes[i], 64);
      return row;
    });
    assert.deepEqual(info.tensors, expected);
    assert.equal(info.dataOffset % 64, 0);
    assert.equal(info.fileSize, info.dataOffset + offset);

    const data = readFileSync(path).subarray(info.dataOffset, info.dataOffset + 48);
    assert.deepEqual([...new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + 48))], Array(12).fill(0.75));
  });

  it('uses 32-byte alignment by default and handles a file without tensors', () => {
    const path = join(dir, 'empty.gguf');
    writeGguf(path, new Map([['general.name', { type: GgufType.STRING, value: 'x' }]]), []);
    const info = readGgufInfo(path);
    assert.equal(info.alignment, 32);
    assert.deepEqual(info.tensors, []);
    assert.equal(info.dataOffset, info.fileSize);
  });

  it('refuses a tensor that writes the wrong number of bytes and leaves no file behind', () => {
    const path = join(dir, 'short.gguf');
    const bad: TensorSpec = { name: 'x', dims: [8], type: GgmlType.F32, fill: (write) => write(new Uint8Array(4)) };
    assert.throws(() => writeGguf(path, new Map(), [bad]), /tensor 'x' wrote 4 bytes, expected 32/);
    assert.equal(existsSync(path), false);
    assert.deepEqual(readdirSync(dir).filter((file) => file.startsWith('short')), []);
  });

  it('refuses rows that are not a whole number of quantization blocks', () => {
    assert.throws(() => writeGguf(join(dir, 'rows.gguf'), new Map(), [tensor('q', [48, 2], GgmlType.Q8_0)]), /not a multiple/);
  });
});
