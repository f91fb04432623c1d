/**
 * @module engine/llama/batch
 * llama.h "decoding" area, batch half: one `llama_batch` allocated once with llama_batch_init and refilled
 * every step. The fill runs once per token per step, so it writes through typed-array views over the
 * native arrays instead of making a koffi call per field.
 */
import koffi from 'koffi';
import type { IKoffiLib } from 'koffi';

export const BatchStruct = koffi.struct('llama_batch', {
  n_tokens: 'int32_t',
  token: 'int32_t *',
  embd: 'float *',
  pos: 'int32_t *',
  n_seq_id: 'int32_t *',
  seq_id: 'int32_t **',
  logits: 'int8_t *',
});

/** llama_batch as koffi passes it by value: the array fields are native pointers (Externals). */
export interface BatchValue {
  n_tokens: number;
  token: unknown;
  embd: unknown;
  pos: unknown;
  n_seq_id: unknown;
  seq_id: unknown;
  logits: unknown;
}

export function bindBatch(llama: IKoffiLib) {
  return {
    init: llama.func('llama_batch llama_batch_init(int32_t n_tokens, int32_t embd, int32_t n_seq_max)'),
    free: llama.func('void llama_batch_free(llama_batch batch)'),
  };
}

export type BatchFns = ReturnType<typeof bindBatch>;

export class LlamaBatch {
  readonly #fns: BatchFns;
  readonly capacity: number;
  readonly nSeqMax: number;
  #value: BatchValue | null;
  readonly #token: Int32Array;
  readonly #pos: Int32Array;
  readonly #nSeqId: Int32Array;
  /** One view per token over its own seq-id array: llama_batch_init mallocs each separately. */
  readonly #seqId: Int32Array[];
  readonly #logits: Int8Array;

  /** llama_batch_init(capacity, 0, nSeqMax): token ids, no embeddings. */
  constructor(fns: BatchFns, capacity: number, nSeqMax: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`batch capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(nSeqMax) || nSeqMax < 1) throw new RangeError(`batch nSeqMax must be a positive integer, got ${nSeqMax}`);
    this.#fns = fns;
    this.capacity = capacity;
    this.nSeqMax = nSeqMax;
    const value = fns.init(capacity, 0, nSeqMax) as BatchValue;
    this.#value = value;
    const int32s = (ptr: unknown, length: number) => new Int32Array(koffi.view(ptr, length * 4));
    this.#token = int32s(value.token, capacity);
    this.#pos = int32s(value.pos, capacity);
    this.#nSeqId = int32s(value.n_seq_id, capacity);
    this.#logits = new Int8Array(koffi.view(value.logits, capacity));
    const seqIdPtrs = koffi.decode(value.seq_id, 'int32_t *', capacity) as unknown[];
    this.#seqId = seqIdPtrs.map((ptr) => int32s(ptr, nSeqMax));
  }

  get nTokens(): number {
    return this.#live().n_tokens;
  }

  /** Empties the batch for the next step; the native arrays are kept. */
  clear(): void {
    this.#live().n_tokens = 0;
  }

  /**
   * Appends one token at position `pos` of sequence `seqId` (or of several sequences at once, for a
   * shared prompt), asking for its logits when `logits` is true. Returns the token's index in the
   * batch: the `i` for getLogitsIth and sample after the decode.
   */
  add(token: number, pos: number, seqId: number | readonly number[], logits: boolean): number {
    const value = this.#live();
    const i = value.n_tokens;
    if (i >= this.capacity) throw new RangeError(`batch is full (capacity ${this.capacity})`);
    if (typeof seqId === 'number') {
      this.#seqId[i][0] = seqId;
      this.#nSeqId[i] = 1;
    } else {
      if (seqId.length < 1 || seqId.length > this.nSeqMax) throw new RangeError(`a batch token belongs to 1..${this.nSeqMax} sequences, got ${seqId.length}`);
      this.#seqId[i].set(seqId);
      this.#nSeqId[i] = seqId.length;
    }
    this.#token[i] = token;
    this.#pos[i] = pos;
    this.#logits[i] = logits ? 1 : 0;
    value.n_tokens = i + 1;
    return i;
  }

  /** The struct to pass by value to llama_decode. Do not touch the batch while a decode that uses it runs. */
  get value(): BatchValue {
    return this.#live();
  }

  /** llama_batch_free. */
  free(): void {
    if (!this.#value) return;
    this.#fns.free(this.#value);
    this.#value = null;
  }

  #live(): BatchValue {
    if (!this.#value) throw new Error('batch was freed');
    return this.#value;
  }
}
