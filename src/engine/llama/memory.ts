/**
 * @module engine/llama/memory
 * llama.h "memory" area: a context's KV cache by sequence. With kv_unified a cell can belong to several
 * sequences, so seqCp shares a prefix without copying it, and a cell is free once no sequence holds it.
 * Position ranges are [p0, p1); a negative p0 means from 0 and a negative p1 means to the end.
 * llama.cpp answers a sequence id out of range, or a partial copy between separate KV streams, with a
 * GGML_ASSERT that kills the process, so those are checked here first and thrown as RangeErrors.
 */
import type { IKoffiLib } from 'koffi';
import type { MemoryPtr } from './types.ts';
import './types.ts';

export function bindMemory(llama: IKoffiLib) {
  return {
    clear: llama.func('void llama_memory_clear(llama_memory_i *mem, bool data)'),
    seq_rm: llama.func('bool llama_memory_seq_rm(llama_memory_i *mem, int32_t seq_id, int32_t p0, int32_t p1)'),
    seq_cp: llama.func('void llama_memory_seq_cp(llama_memory_i *mem, int32_t seq_id_src, int32_t seq_id_dst, int32_t p0, int32_t p1)'),
    seq_keep: llama.func('void llama_memory_seq_keep(llama_memory_i *mem, int32_t seq_id)'),
    seq_pos_min: llama.func('int32_t llama_memory_seq_pos_min(llama_memory_i *mem, int32_t seq_id)'),
    seq_pos_max: llama.func('int32_t llama_memory_seq_pos_max(llama_memory_i *mem, int32_t seq_id)'),
  };
}

export type MemoryFns = ReturnType<typeof bindMemory>;

export interface MemoryShape {
  nSeqMax: number;
  /** kv_unified, or a single sequence: every sequence lives in one KV stream. */
  isSingleStream: boolean;
}

export class LlamaMemory {
  readonly #fns: MemoryFns;
  readonly #mem: MemoryPtr;
  readonly #shape: MemoryShape;
  /** The memory belongs to its context: this throws once the context is freed. */
  readonly #assertAlive: () => unknown;

  constructor(fns: MemoryFns, mem: MemoryPtr, shape: MemoryShape, assertAlive: () => unknown) {
    this.#fns = fns;
    this.#mem = mem;
    this.#shape = shape;
    this.#assertAlive = assertAlive;
  }

  get #ptr(): MemoryPtr {
    this.#assertAlive();
    return this.#mem;
  }

  #checkSeq(seqId: number): void {
    if (!Number.isInteger(seqId) || seqId < 0 || seqId >= this.#shape.nSeqMax) {
      throw new RangeError(`sequence id ${seqId} is outside 0..${this.#shape.nSeqMax - 1}`);
    }
  }

  /** llama_memory_clear: drops every sequence; `data` also zeroes the buffers. */
  clear(data: boolean): void {
    this.#fns.clear(this.#ptr, data);
  }

  /** llama_memory_seq_rm: false when a partial range cannot be removed (never for a whole sequence). seqId < 0 matches all. */
  seqRm(seqId: number, p0: number, p1: number): boolean {
    if (seqId !== -1) this.#checkSeq(seqId);
    return this.#fns.seq_rm(this.#ptr, seqId, p0, p1);
  }

  /** llama_memory_seq_cp: adds `dst` to the cells of `src` in [p0, p1). Partial ranges need kv_unified. */
  seqCp(src: number, dst: number, p0: number, p1: number): void {
    this.#checkSeq(src);
    this.#checkSeq(dst);
    if (!this.#shape.isSingleStream && src !== dst && (p0 > 0 || p1 >= 0)) {
      throw new RangeError(`partial seqCp(${src}, ${dst}, ${p0}, ${p1}) needs a context created with kvUnified`);
    }
    this.#fns.seq_cp(this.#ptr, src, dst, p0, p1);
  }

  /** llama_memory_seq_keep: removes every other sequence. */
  seqKeep(seqId: number): void {
    this.#checkSeq(seqId);
    this.#fns.seq_keep(this.#ptr, seqId);
  }

  /** llama_memory_seq_pos_min: -1 when the sequence is empty. */
  seqPosMin(seqId: number): number {
    this.#checkSeq(seqId);
    return this.#fns.seq_pos_min(this.#ptr, seqId);
  }

  /** llama_memory_seq_pos_max: -1 when the sequence is empty. */
  seqPosMax(seqId: number): number {
    this.#checkSeq(seqId);
    return this.#fns.seq_pos_max(this.#ptr, seqId);
  }
}
