/**
 * @module Random tensor data in F32, F16, Q8_0 and Q4_0, produced in fixed-size chunks for the writer.
 * Values are uniform with the requested standard deviation (cheaper than Gaussian, and just as good for
 * random test models). Quantized blocks are written directly: an fp16 scale, then random int8 values or
 * random nibbles, so no float weights are ever materialised.
 *
 * Quantized values must have mean exactly zero. Raw random bytes would not (int8 -128..127 and Q4_0's
 * -8..7 both average -0.5): every matmul then adds a common-mode shift that grows with the row length,
 * and in a 1024-wide model it swamps the hidden state after a few layers, so the model emits one token
 * forever. Zero-mean values also never use -128, which real Q8_0 weights never contain either.
 */
import { elementCount, GgmlType } from './format.ts';
import type { Rng } from './prng.ts';
import type { TensorSpec } from './writer.ts';

export type TensorInit = { readonly std: number } | { readonly constant: number };

type Fill = TensorSpec['fill'];

/** A multiple of every block size used here. */
const CHUNK_ELEMENTS = 1 << 16;
const QK = 32;

/** Q8_0 payload bytes: a random byte as int8, with -128 folded onto 0 (values -127..127, mean 0). */
const Q8_0_BYTES = byteTable((byte) => (byte === 0x80 ? 0 : byte));
/** Q4_0 payload bytes: each nibble is 8 ± (3 random bits), giving values -7..7 with mean 0. */
const Q4_0_BYTES = byteTable((byte) => symmetricNibble(byte & 0xf) | (symmetricNibble(byte >>> 4) << 4));
const Q8_0_STD = payloadStd(Q8_0_BYTES, (byte) => [(byte << 24) >> 24]);
const Q4_0_STD = payloadStd(Q4_0_BYTES, (byte) => [(byte & 0xf) - 8, (byte >>> 4) - 8]);

export function tensorFill(type: GgmlType, dims: readonly number[], init: TensorInit, rng: Rng): Fill {
  const elements = elementCount(dims);
  if ('constant' in init) {
    if (type !== GgmlType.F32) throw new Error(`constant tensors are written as F32 only (got type ${type})`);
    return constantF32(elements, init.constant);
  }
  switch (type) {
    case GgmlType.F32:
      return randomFloats(elements, init.std, rng, (floats) => new Uint8Array(floats.buffer, 0, floats.length * 4));
    case GgmlType.F16:
      return randomFloats(elements, init.std, rng, (floats) => {
        const halves = new Uint16Array(floats.length);
        for (let i = 0; i < floats.length; i++) halves[i] = toHalf(floats[i]);
        return new Uint8Array(halves.buffer);
      });
    case GgmlType.Q8_0:
      return randomBlocks(elements, init.std / Q8_0_STD, QK, Q8_0_BYTES, rng);
    case GgmlType.Q4_0:
      return randomBlocks(elements, init.std / Q4_0_STD, QK / 2, Q4_0_BYTES, rng);
  }
}

function constantF32(elements: number, value: number): Fill {
  return (write) => {
    const chunk = new Float32Array(Math.min(elements, CHUNK_ELEMENTS)).fill(value);
    for (let done = 0; done < elements; done += chunk.length) {
      const count = Math.min(chunk.length, elements - done);
      write(new Uint8Array(chunk.buffer, 0, count * 4));
    }
  };
}

function randomFloats(elements: number, std: number, rng: Rng, encode: (floats: Float32Array) => Uint8Array): Fill {
  const halfWidth = std * Math.sqrt(3);
  return (write) => {
    const chunk = new Float32Array(Math.min(elements, CHUNK_ELEMENTS));
    for (let done = 0; done < elements; done += chunk.length) {
      const floats = chunk.subarray(0, Math.min(chunk.length, elements - done));
      for (let i = 0; i < floats.length; i++) floats[i] = (rng.nextFloat() * 2 - 1) * halfWidth;
      write(encode(floats));
    }
  };
}

/**
 * Q8_0 blocks are an fp16 scale and 32 int8 values (34 bytes); Q4_0 blocks an fp16 scale and 16 bytes of
 * nibbles (18 bytes). Either way the payload is random bytes mapped through a table, so one routine writes both.
 */
function randomBlocks(elements: number, scale: number, payloadBytes: number, table: Uint8Array, rng: Rng): Fill {
  const blockBytes = 2 + payloadBytes;
  const blocks = elements / QK;
  const chunkBlocks = CHUNK_ELEMENTS / QK;
  const scaleBits = toHalf(scale);
  return (write) => {
    const random = new Uint32Array((chunkBlocks * payloadBytes) / 4);
    const randomBytes = new Uint8Array(random.buffer);
    const out = new Uint8Array(chunkBlocks * blockBytes);
    for (let done = 0; done < blocks; done += chunkBlocks) {
      const count = Math.min(chunkBlocks, blocks - done);
      rng.fillU32(random);
      for (let block = 0; block < count; block++) {
        const at = block * blockBytes;
        out[at] = scaleBits & 0xff;
        out[at + 1] = scaleBits >>> 8;
        for (let i = 0; i < payloadBytes; i++) out[at + 2 + i] = table[randomBytes[block * payloadBytes + i]];
      }
      write(out.subarray(0, count * blockBytes));
    }
  };
}

function byteTable(map: (byte: number) => number): Uint8Array {
  return Uint8Array.from({ length: 256 }, (_, byte) => map(byte));
}

/** Low 3 bits are the magnitude and bit 3 the sign, so ±m are equally likely (0 appears as +0 and -0). */
function symmetricNibble(bits: number): number {
  const magnitude = bits & 7;
  return 8 + (bits & 8 ? -magnitude : magnitude);
}

/** Std of the quantized values a uniformly random input byte produces through `table`. */
function payloadStd(table: Uint8Array, values: (byte: number) => number[]): number {
  const all = [...table].flatMap(values);
  return Math.sqrt(all.reduce((sum, value) => sum + value * value, 0) / all.length);
}

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

/** IEEE binary16 bits of a number, rounded to nearest even, with subnormals. */
export function toHalf(value: number): number {
  floatView[0] = value;
  const bits = bitsView[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    return sign | roundShift(mantissa, 14 - exponent);
  }
  return sign | ((exponent << 10) + roundShift(mantissa, 13));
}

function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}
