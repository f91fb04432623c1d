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
