/**
 * @module Reads a GGUF file's header, metadata and tensor infos through a file descriptor in chunks;
 * tensor data is never read. Every length and count is checked against the bytes left in the file
 * before anything is allocated, so a corrupt or hostile file fails with a precise {@link GgufError}.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GgufError } from './error.ts';
import {
  alignUp,
  GGML_MAX_DIMS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_SCALAR_SIZE,
  GgufType,
  isGgufType,
} from './format.ts';
import type { GgufArray, GgufKv, GgufMetadata, GgufValue } from './metadata.ts';

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: dims[0] is the row length. */
  readonly dims: readonly number[];
  /** A ggml type id; not checked here (see validate.ts). */
  readonly type: number;
  /** Relative to {@link GgufInfo.dataOffset}. */
  readonly offset: number;
}

export interface GgufInfo {
  readonly path: string;
  readonly version: number;
  readonly fileSize: number;
  readonly alignment: number;
  readonly metadata: GgufMetadata;
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute file offset where tensor data starts. */
  readonly dataOffset: number;
}

const CHUNK_BYTES = 1 << 20;
/** llama.cpp cannot load nested arrays at all; the cap only keeps a crafted file from exhausting the stack. */
const MAX_ARRAY_DEPTH = 16;
/** Smallest possible encodings, used to bound counts before looping over them. */
const MIN_KV_BYTES = 8 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
// Local copies: tsx reads imported constants through getters, which dominated reading a 150k-token vocabulary.
const { ARRAY, STRING } = GgufType;
const SKIPPED = Symbol('skipped');

export function readGgufInfo(path: string): GgufInfo {
  return read(path, true);
}

/**
 * As readGgufInfo, but the metadata leaves out arrays of strings (a vocabulary's tokens and merges): their
 * strings are never decoded (the bench model's header reads in 22 ms instead of 35 in a fresh process), and
 * callers that need only shapes and sizes (memory estimates) never look at them. Each string's length is
 * still checked as it is skipped.
 */
export function readGgufLayout(path: string): GgufInfo {
  return read(path, false);
}

function read(path: string, withStringArrays: boolean): GgufInfo {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new GgufError(path, `cannot open the file (${(error as Error).message})`);
  }
  try {
    return new Parser(new Cursor(fd, fstatSync(fd).size, path), withStringArrays).parse();
  } finally {
    closeSync(fd);
  }
}

class Cursor {
  position = 0;
  #buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  #bufferStart = 0;
  #bufferEnd = 0;

  constructor(
    readonly fd: number,
    readonly fileSize: number,
    readonly path: string,
  ) {}

  get remaining(): number {
    return this.fileSize - this.position;
  }

  fail(problem: string): never {
    throw new GgufError(this.path, problem);
  }

  u8(what: string): number {
    return this.#buffer.readUInt8(this.#take(1, what));
  }
  i8(what: string): number {
    return this.#buffer.readInt8(this.#take(1, what));
  }
  u16(what: string): number {
    return this.#buffer.readUInt16LE(this.#take(2, what));
  }
  i16(what: string): number {
    return this.#buffer.readInt16LE(this.#take(2, what));
  }
  u32(what: string): number {
    return this.#buffer.readUInt32LE(this.#take(4, what));
  }
  i32(what: string): number {
    return this.#buffer.readInt32LE(this.#take(4, what));
  }
  f32(what: string): number {
    return this.#buffer.readFloatLE(this.#take(4, what));
  }
  f64(what: string): number {
    return this.#buffer.readDoubleLE(this.#take(8, what));
  }
  u64(what: string): bigint {
    return this.#buffer.readBigUInt64LE(this.#take(8, what));
  }
  i64(what: string): bigint {
    return this.#buffer.readBigInt64LE(this.#take(8, what));
  }

  /** A u64 that must fit a JS number (sizes, counts, offsets). */
  size(what: string): number {
    const at = this.position;
    const index = this.#take(8, what);
    const high = this.#buffer.readUInt32LE(index + 4);
    // Two u32 halves instead of a BigInt: this runs once per string, and vocabularies hold 100k+ strings.
    if (high >= 2 ** 21) this.fail(`${what} at byte ${at} is ${this.#buffer.readBigUInt64LE(index)}, too large`);
    return high * 2 ** 32 + this.#buffer.readUInt32LE(index);
  }

  /** A u64 count of items that each take at least `minBytes`, checked against the rest of the file. */
  count(what: string, minBytes: number): number {
    const at = this.position;
    const count = this.size(what);
    if (count * minBytes > this.remaining) {
      this.fail(`${what} at byte ${at} is ${count}, but only ${this.remaining} bytes remain in the file`);
    }
    return count;
  }

  string(what: string): string {
    const length = this.#stringLength(what);
    const index = this.#take(length, what);
    return this.#buffer.toString('utf8', index, index + length);
  }

  /** Moves past a string without decoding it. */
  skipString(what: string): void {
    const length = this.#stringLength(what);
    this.position += length;
  }

  #stringLength(what: string): number {
    const at = this.position;
    const length = this.size(`string length of ${what}`);
    if (length > this.remaining) {
      this.fail(`string length of ${what} at byte ${at} is ${length}, but only ${this.remaining} bytes remain in the file`);
    }
    return length;
  }

  bytes(length: number, what: string): Buffer {
    const index = this.#take(length, what);
    return this.#buffer.subarray(index, index + length);
  }

  /** Makes bytes [position, position + length) available and returns where they start in the buffer. */
  #take(length: number, what: string): number {
    const end = this.position + length;
    if (end > this.fileSize) {
      this.fail(`${what} at byte ${this.position} needs ${length} bytes, but the file ends at byte ${this.fileSize}`);
    }
    if (this.position < this.#bufferStart || end > this.#bufferEnd) this.#fill(length);
    const index = this.position - this.#bufferStart;
    this.position = end;
    return index;
  }

  #fill(atLeast: number): void {
    if (atLeast > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(atLeast);
    const wanted = Math.min(this.#buffer.length, this.remaining);
    let loaded = 0;
    while (loaded < wanted) {
      const read = readSync(this.fd, this.#buffer, loaded, wanted - loaded, this.position + loaded);
      if (read === 0) this.fail(`the file shrank to ${this.position + loaded} bytes while it was being read`);
      loaded += read;
    }
    this.#bufferStart = this.position;
    this.#bufferEnd = this.position + loaded;
  }
}

class Parser {
  constructor(
    readonly cursor: Cursor,
    readonly withStringArrays: boolean,
  ) {}

  parse(): GgufInfo {
    const c = this.cursor;
    this.#readMagic();
    const version = this.#readVersion();
    const tensorCount = c.count('tensor count', MIN_TENSOR_INFO_BYTES);
    const kvCount = c.count('metadata pair count', MIN_KV_BYTES);
    if (tensorCount * MIN_TENSOR_INFO_BYTES + kvCount * MIN_KV_BYTES > c.remaining) {
      c.fail(`the header claims ${kvCount} metadata pairs and ${tensorCount} tensors, but only ${c.remaining} bytes follow it`);
    }

    const metadata = new Map<string, GgufKv>();
    for (let i = 0; i < kvCount; i++) {
      const key = c.string(`metadata key #${i}`);
      if (metadata.has(key)) c.fail(`metadata key '${key}' appears twice`);
      const type = this.#checkType(c.u32(`value type of '${key}'`), `'${key}'`);
      const value = this.#readValue(type, `'${key}'`, 0);
      if (value !== SKIPPED) metadata.set(key, { type, value });
    }
    const alignment = this.#alignment(metadata);

    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) tensors.push(this.#readTensorInfo(i));

    const dataOffset = tensorCount > 0 ? alignUp(c.position, alignment) : c.position;
    return { path: c.path, version, fileSize: c.fileSize, alignment, metadata, tensors, dataOffset };
  }

  #readMagic(): void {
    const c = this.cursor;
    if (c.fileSize < 4) c.fail(`the file is ${c.fileSize} bytes long, too short to be GGUF`);
    const magic = c.bytes(4, 'magic');
    if (magic.readUInt32LE(0) !== GGUF_MAGIC) c.fail(`bad magic ${describeBytes(magic)} (expected 'GGUF'): not a GGUF file`);
  }

  /** v2 has the v3 layout; anything else is refused here because its layout is unknown or different. */
  #readVersion(): number {
    const c = this.cursor;
    const version = c.u32('version');
    if (version === 2 || version === 3) return version;
    if (version !== 0 && (version & 0xffff) === 0) {
      c.fail(`GGUF version field reads ${version}: a big-endian file, which is not supported`);
    }
    return c.fail(`unsupported GGUF version ${version} (expected 3)`);
  }

  #checkType(type: number, what: string): GgufType {
    if (!isGgufType(type)) this.cursor.fail(`${what} has unknown value type ${type}`);
    return type;
  }

  #readValue(type: GgufType, what: string, depth: number): GgufValue | typeof SKIPPED {
    return type === ARRAY ? this.#readArray(what, depth + 1) : SCALAR_READERS[type](this.cursor, what);
  }

  /** SKIPPED: a top-level array of strings left out (readGgufLayout). */
  #readArray(what: string, depth: number): GgufArray | typeof SKIPPED {
    const c = this.cursor;
    if (depth > MAX_ARRAY_DEPTH) c.fail(`${what} nests arrays more than ${MAX_ARRAY_DEPTH} deep`);
    const itemType = this.#checkType(c.u32(`item type of ${what}`), `an item of ${what}`);
    const minItemBytes = itemType === STRING ? 8 : itemType === ARRAY ? 12 : GGUF_SCALAR_SIZE[itemType]!;
    const count = c.count(`item count of ${what}`, minItemBytes);
    const itemWhat = `an item of ${what}`;
    if (itemType === STRING && depth === 1 && !this.withStringArrays) {
      for (let i = 0; i < count; i++) c.skipString(itemWhat);
      return SKIPPED;
    }
    const items = new Array<GgufValue>(count);
    if (itemType === ARRAY) {
      for (let i = 0; i < count; i++) items[i] = this.#readArray(itemWhat, depth + 1) as GgufArray;
    } else {
      const read = SCALAR_READERS[itemType];
      for (let i = 0; i < count; i++) items[i] = read(c, itemWhat);
    }
    return { itemType, items };
  }

  #alignment(metadata: GgufMetadata): number {
    const kv = metadata.get('general.alignment');
    if (kv === undefined) return GGUF_DEFAULT_ALIGNMENT;
    const value = kv.value;
    if (kv.type !== GgufType.UINT32) this.cursor.fail(`'general.alignment' must be a u32 (value type ${kv.type} found)`);
    if (typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0) {
      this.cursor.fail(`'general.alignment' is ${String(value)}, not a power of two`);
    }
    return value;
  }

  #readTensorInfo(index: number): GgufTensorInfo {
    const c = this.cursor;
    const name = c.string(`name of tensor #${index}`);
    const dimCount = c.u32(`dimension count of tensor '${name}'`);
    if (dimCount > GGML_MAX_DIMS) c.fail(`tensor '${name}' has ${dimCount} dimensions (at most ${GGML_MAX_DIMS} allowed)`);
    const dims: number[] = [];
    for (let d = 0; d < dimCount; d++) dims.push(c.size(`dimension ${d} of tensor '${name}'`));
    const type = c.u32(`type of tensor '${name}'`);
    const offset = c.size(`data offset of tensor '${name}'`);
    return { name, dims, type, offset };
  }
}

type ScalarType = Exclude<GgufType, typeof ARRAY>;

const SCALAR_READERS: Readonly<Record<ScalarType, (cursor: Cursor, what: string) => GgufValue>> = {
  [GgufType.UINT8]: (c, what) => c.u8(what),
  [GgufType.INT8]: (c, what) => c.i8(what),
  [GgufType.UINT16]: (c, what) => c.u16(what),
  [GgufType.INT16]: (c, what) => c.i16(what),
  [GgufType.UINT32]: (c, what) => c.u32(what),
  [GgufType.INT32]: (c, what) => c.i32(what),
  [GgufType.FLOAT32]: (c, what) => c.f32(what),
  [GgufType.BOOL]: (c, what) => c.u8(what) !== 0,
  [GgufType.STRING]: (c, what) => c.string(what),
  [GgufType.UINT64]: (c, what) => c.u64(what),
  [GgufType.INT64]: (c, what) => c.i64(what),
  [GgufType.FLOAT64]: (c, what) => c.f64(what),
};

function describeBytes(bytes: Buffer): string {
  const printable = [...bytes].every((byte) => byte >= 0x20 && byte < 0x7f);
  return printable ? `'${bytes.toString('latin1')}'` : `0x${bytes.toString('hex')}`;
}
