/**
 * @module Writes GGUF v3 files. Metadata and tensor infos are laid out in memory (they are small); tensor
 * data is streamed from each tensor's `fill` callback through a fixed buffer, so a multi-GB model never
 * sits in memory. The file appears under its final name only once it is complete.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import {
  alignUp,
  GGML_TYPE_TRAITS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgufType,
  tensorByteSize,
} from './format.ts';
import { metaNumber, type GgufMetadata, type GgufValue } from './metadata.ts';

export interface TensorSpec {
  readonly name: string;
  /** ggml order: dims[0] is the row length. */
  readonly dims: readonly number[];
  readonly type: number;
  /** Must pass exactly the tensor's byte size to `write`, in chunks of any size. */
  readonly fill: (write: (chunk: Uint8Array) => void) => void;
}

const WRITE_BUFFER_BYTES = 4 << 20;

/** Alignment comes from `general.alignment` when the metadata sets it, as readers expect. */
export function writeGguf(path: string, metadata: GgufMetadata, tensors: readonly TensorSpec[]): void {
  const alignment = metaNumber(metadata, 'general.alignment') ?? GGUF_DEFAULT_ALIGNMENT;
  const sizes = tensors.map(byteSize);
  const header = new ByteBuilder();
  header.u32(GGUF_MAGIC);
  header.u32(GGUF_VERSION);
  header.u64(tensors.length);
  header.u64(metadata.size);
  for (const [key, kv] of metadata) {
    header.string(key);
    header.u32(kv.type);
    header.value(kv.type, kv.value, key);
  }
  let offset = 0;
  tensors.forEach((tensor, i) => {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(tensor.type);
    header.u64(offset);
    offset += alignUp(sizes[i], alignment);
  });

  const partial = `${path}.${process.pid}.tmp`;
  const file = new BufferedFile(partial);
  try {
    file.write(header.bytes());
    // Readers align the data section only when there is one (gguf.cpp does the same).
    if (tensors.length > 0) file.pad(alignment);
    tensors.forEach((tensor, i) => {
      const start = file.written;
      tensor.fill((chunk) => file.write(chunk));
      const written = file.written - start;
      if (written !== sizes[i]) throw new Error(`tensor '${tensor.name}' wrote ${written} bytes, expected ${sizes[i]}`);
      file.pad(alignment);
    });
    file.close();
    renameSync(partial, path);
  } catch (error) {
    file.close();
    rmSync(partial, { force: true });
    throw error;
  }
}

function byteSize(tensor: TensorSpec): number {
  const traits = GGML_TYPE_TRAITS.get(tensor.type);
  if (traits === undefined) throw new Error(`tensor '${tensor.name}' has unknown ggml type ${tensor.type}`);
  if (tensor.dims[0] % traits.blockSize !== 0) {
    throw new Error(`tensor '${tensor.name}' rows of ${tensor.dims[0]} are not a multiple of ${traits.name} blocks (${traits.blockSize})`);
  }
  return tensorByteSize(traits, tensor.dims);
}

class BufferedFile {
  written = 0;
  #fd: number | undefined;
  #buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  #used = 0;

  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }

  write(chunk: Uint8Array): void {
    if (this.#used + chunk.length > this.#buffer.length) this.#flush();
    if (chunk.length >= this.#buffer.length) {
      this.#writeAll(chunk);
    } else {
      this.#buffer.set(chunk, this.#used);
      this.#used += chunk.length;
    }
    this.written += chunk.length;
  }

  pad(alignment: number): void {
    const padding = alignUp(this.written, alignment) - this.written;
    if (padding > 0) this.write(new Uint8Array(padding));
  }

  close(): void {
    if (this.#fd === undefined) return;
    try {
      this.#flush();
    } finally {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }

  #flush(): void {
    this.#writeAll(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  #writeAll(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.#fd!, bytes, done, bytes.length - done);
  }
}

/** Grows as needed; used for the header, whose size (token lists included) is a few MB at most. */
class ByteBuilder {
  #buffer = Buffer.allocUnsafe(64 << 10);
  #length = 0;

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  u32(value: number): void {
    this.#reserve(4).writeUInt32LE(value, this.#length - 4);
  }

  u64(value: number | bigint): void {
    this.#reserve(8).writeBigUInt64LE(BigInt(value), this.#length - 8);
  }

  string(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.u64(length);
    this.#reserve(length).write(value, this.#length - length, 'utf8');
  }

  value(type: GgufType, value: GgufValue, key: string): void {
    const mismatch = (): never => {
      throw new TypeError(`metadata '${key}': value ${String(value)} does not fit GGUF value type ${type}`);
    };
    if (type === GgufType.ARRAY) {
      if (typeof value !== 'object') return mismatch();
      this.u32(value.itemType);
      this.u64(value.items.length);
      for (const item of value.items) this.value(value.itemType, item, key);
      return;
    }
    if (type === GgufType.STRING) {
      if (typeof value !== 'string') return mismatch();
      this.string(value);
      return;
    }
    if (type === GgufType.BOOL) {
      if (typeof value !== 'boolean') return mismatch();
      this.#reserve(1).writeUInt8(value ? 1 : 0, this.#length - 1);
      return;
    }
    if (type === GgufType.UINT64 || type === GgufType.INT64) {
      if (typeof value !== 'bigint' && typeof value !== 'number') return mismatch();
      const at = this.#reserve(8);
      if (type === GgufType.UINT64) at.writeBigUInt64LE(BigInt(value), this.#length - 8);
      else at.writeBigInt64LE(BigInt(value), this.#length - 8);
      return;
    }
    if (typeof value !== 'number') return mismatch();
    this.#number(type, value);
  }

  #number(type: GgufType, value: number): void {
    switch (type) {
      case GgufType.UINT8:
        return void this.#reserve(1).writeUInt8(value, this.#length - 1);
      case GgufType.INT8:
        return void this.#reserve(1).writeInt8(value, this.#length - 1);
      case GgufType.UINT16:
        return void this.#reserve(2).writeUInt16LE(value, this.#length - 2);
      case GgufType.INT16:
        return void this.#reserve(2).writeInt16LE(value, this.#length - 2);
      case GgufType.UINT32:
        return void this.#reserve(4).writeUInt32LE(value, this.#length - 4);
      case GgufType.INT32:
        return void this.#reserve(4).writeInt32LE(value, this.#length - 4);
      case GgufType.FLOAT32:
        return void this.#reserve(4).writeFloatLE(value, this.#length - 4);
      case GgufType.FLOAT64:
        return void this.#reserve(8).writeDoubleLE(value, this.#length - 8);
      default:
        throw new TypeError(`GGUF value type ${type} is not numeric`);
    }
  }

  /** Extends the length by `bytes` and returns the buffer to write those bytes into (ending at the new length). */
  #reserve(bytes: number): Buffer {
    if (this.#length + bytes > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#length += bytes;
    return this.#buffer;
  }
}
