import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GgmlType } from './format.ts';
import { Rng } from './prng.ts';
import { tensorFill, toHalf } from './tensor-data.ts';

function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  return exponent === 0 ? sign * mantissa * 2 ** -24 : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bytesOf(type: GgmlType, dims: number[], std: number, seed = 1): Buffer {
  const chunks: Buffer[] = [];
  tensorFill(type, dims, { std }, new Rng(seed))((chunk) => chunks.push(Buffer.from(chunk)));
  return Buffer.concat(chunks);
}

/** Dequantizes Q8_0 (34-byte blocks) or Q4_0 (18-byte blocks). */
function dequantize(type: GgmlType, data: Buffer): { values: number[]; rawInts: number[] } {
  const values: number[] = [];
  const rawInts: number[] = [];
  const blockBytes = type === GgmlType.Q8_0 ? 34 : 18;
  for (let at = 0; at < data.length; at += blockBytes) {
    const scale = fromHalf(data.readUInt16LE(at));
    for (let i = 2; i < blockBytes; i++) {
      const ints = type === GgmlType.Q8_0 ? [data.readInt8(at + i)] : [(data[at + i] & 15) - 8, (data[at + i] >> 4) - 8];
      rawInts.push(...ints);
      values.push(...ints.map((q) => q * scale));
    }
  }
  return { values, rawInts };
}

function stats(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

describe('tensor data', () => {
  it('converts to IEEE half precision with rounding and subnormals', () => {
    assert.equal(toHalf(1), 0x3c00);
    assert.equal(toHalf(-2), 0xc000);
    assert.equal(toHalf(65504), 0x7bff);
    assert.equal(toHalf(1e6), 0x7c00);
    assert.equal(toHalf(2 ** -24), 0x0001);
    assert.equal(fromHalf(toHalf(0.1)), 0.0999755859375);
  });

  it('writes the exact byte size of each type', () => {
    assert.equal(bytesOf(GgmlType.F32, [64, 3], 1).length, 64 * 3 * 4);
    assert.equal(bytesOf(GgmlType.F16, [64, 3], 1).length, 64 * 3 * 2);
    assert.equal(bytesOf(GgmlType.Q8_0, [64, 3], 1).length, 2 * 3 * 34);
    assert.equal(bytesOf(GgmlType.Q4_0, [64, 3], 1).length, 2 * 3 * 18);
  });

  for (const type of [GgmlType.Q8_0, GgmlType.Q4_0]) {
    it(`quantized type ${type} has the requested std and zero mean, so wide models do not collapse`, () => {
      const { values, rawInts } = dequantize(type, bytesOf(type, [1024, 1024], 0.05));
      const { mean, std } = stats(values);
      assert.ok(Math.abs(std - 0.05) < 0.001, `std ${std}`);
      // Four standard errors; raw random bytes would be off by half a quantization step (over six).
      const raw = stats(rawInts);
      assert.ok(Math.abs(raw.mean) < (4 * raw.std) / Math.sqrt(rawInts.length), `mean of the integers ${raw.mean}`);
      assert.ok(Math.abs(mean) < (4 * std) / Math.sqrt(values.length), `mean ${mean}`);
      assert.equal(rawInts.includes(-128), false);
    });
  }

  it('is a pure function of the seed', () => {
    assert.deepEqual(bytesOf(GgmlType.F16, [256], 1, 7), bytesOf(GgmlType.F16, [256], 1, 7));
    assert.notDeepEqual(bytesOf(GgmlType.F16, [256], 1, 7), bytesOf(GgmlType.F16, [256], 1, 8));
  });
});
