/**
 * @module GGUF v3 on-disk constants shared by the reader and the writer, taken from `gguf.h`, `ggml.h`
 * and ggml's type traits of llama.cpp release v0.4.0 (the one the engine links).
 */

/** The bytes `GGUF` read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp refuses tensors with more dimensions (`GGML_MAX_DIMS`). */
export const GGML_MAX_DIMS = 4;

export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufType = (typeof GgufType)[keyof typeof GgufType];

/** Byte width of each fixed-size value type; strings and arrays are variable. */
export const GGUF_SCALAR_SIZE: Readonly<Partial<Record<GgufType, number>>> = {
  [GgufType.UINT8]: 1,
  [GgufType.INT8]: 1,
  [GgufType.UINT16]: 2,
  [GgufType.INT16]: 2,
  [GgufType.UINT32]: 4,
  [GgufType.INT32]: 4,
  [GgufType.FLOAT32]: 4,
  [GgufType.BOOL]: 1,
  [GgufType.UINT64]: 8,
  [GgufType.INT64]: 8,
  [GgufType.FLOAT64]: 8,
};

export function isGgufType(type: number): type is GgufType {
  return Number.isInteger(type) && type >= GgufType.UINT8 && type <= GgufType.FLOAT64;
}

/** The ggml tensor types this project writes; any type in {@link GGML_TYPE_TRAITS} can be read. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
} as const;
export type GgmlType = (typeof GgmlType)[keyof typeof GgmlType];

export interface GgmlTypeTraits {
  readonly name: string;
  /** Elements per block; a row's length must be a multiple of it. */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
}

/**
 * Every type with a non-zero block size in v0.4.0 (printed from the shipped libggml-base with
 * `ggml_blck_size`/`ggml_type_size`). Ids 4, 5, 31–33 and 36–38 were removed from ggml.
 */
export const GGML_TYPE_TRAITS: ReadonlyMap<number, GgmlTypeTraits> = new Map(
  (
    [
      [0, 'f32', 1, 4],
      [1, 'f16', 1, 2],
      [2, 'q4_0', 32, 18],
      [3, 'q4_1', 32, 20],
      [6, 'q5_0', 32, 22],
      [7, 'q5_1', 32, 24],
      [8, 'q8_0', 32, 34],
      [9, 'q8_1', 32, 36],
      [10, 'q2_K', 256, 84],
      [11, 'q3_K', 256, 110],
      [12, 'q4_K', 256, 144],
      [13, 'q5_K', 256, 176],
      [14, 'q6_K', 256, 210],
      [15, 'q8_K', 256, 292],
      [16, 'iq2_xxs', 256, 66],
      [17, 'iq2_xs', 256, 74],
      [18, 'iq3_xxs', 256, 98],
      [19, 'iq1_s', 256, 50],
      [20, 'iq4_nl', 32, 18],
      [21, 'iq3_s', 256, 110],
      [22, 'iq2_s', 256, 82],
      [23, 'iq4_xs', 256, 136],
      [24, 'i8', 1, 1],
      [25, 'i16', 1, 2],
      [26, 'i32', 1, 4],
      [27, 'i64', 1, 8],
      [28, 'f64', 1, 8],
      [29, 'iq1_m', 256, 56],
      [30, 'bf16', 1, 2],
      [34, 'tq1_0', 256, 54],
      [35, 'tq2_0', 256, 66],
      [39, 'mxfp4', 32, 17],
      [40, 'nvfp4', 64, 36],
      [41, 'q1_0', 128, 18],
      [42, 'q2_0', 64, 18],
    ] as const
  ).map(([id, name, blockSize, typeSize]) => [id, { name, blockSize, typeSize }]),
);

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/** Bytes a tensor's data occupies; assumes the row length is a multiple of the block size. */
export function tensorByteSize(traits: GgmlTypeTraits, dims: readonly number[]): number {
  return (elementCount(dims) / traits.blockSize) * traits.typeSize;
}

export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}
