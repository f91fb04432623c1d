import type { SeqId } from '../types.ts';

/**
 * The two KV-cache operations the prefix cache and the scheduler need, as llama.cpp defines them on a
 * unified cache: a cell can belong to several sequences, `seqCp` adds a sequence to cells (zero-copy
 * sharing) and `seqRm` removes it; a cell is free again once no sequence holds it.
 * `p1 = -1` means "to the end".
 */
export interface KvMemory {
  seqCp(src: SeqId, dst: SeqId, p0: number, p1: number): void;
  seqRm(seq: SeqId, p0: number, p1: number): void;
}

/**
 * A sequence's cells copied out to host memory and back (llama_state_seq_get_data / set_data): how the
 * prefix cache parks what it is not using (tree.ts) and packs itself (compaction.ts). Setting replaces
 * whatever the sequence held, and fails (false) when the cache has no room for the cells.
 */
export interface KvSnapshots {
  getSeqState(seq: SeqId): Buffer;
  setSeqState(seq: SeqId, data: Buffer): boolean;
}
