/**
 * @module engine/prefix/compaction
 * Packs the prefix cache into the lowest KV cells. llama.cpp's attention spans every cell up to the
 * highest one in use (rounded up to 256), and this release has no defragmentation: after traffic, a few
 * cached prefixes left high in the cache make every later step attend over nearly all of it (measured
 * on the bench model: a 1,024-token prefill cost 1.2–1.6x the CPU with 680 cached cells at the top of
 * 8,192 than with the same cells at the bottom). Rewriting the cache through llama_state_seq_get/set
 * puts each holder's own cells back-to-back from cell 0; cells shared between holders stay shared.
 */
import type { SeqId } from '../types.ts';
import type { KvMemory, KvSnapshots } from './kv-memory.ts';
import type { PrefixTree } from './tree.ts';

export interface KvState extends KvMemory, KvSnapshots {
  clear(): void;
}

export type CompactionResult = { numCells: number } | { skipped: string };

/**
 * Rewrite the cells of every holder of `tree`, packed. Call only while no request runs: nothing but the
 * tree may hold cells, and `scratch` must be a free sequence id. Saves everything before touching the
 * cache, and gives up (cache unchanged) past `maxBytes`. If llama.cpp refuses a restore, the cache and
 * the tree are emptied together, so the tree never names cells that are gone.
 */
export function compactCache(tree: PrefixTree, kv: KvState, scratch: SeqId, maxBytes: number): CompactionResult {
  if (tree.isLocked()) return { skipped: 'a request holds cached cells' };
  const layout = tree.holderLayout();
  const saved: Buffer[] = [];
  let numBytes = 0;
  for (const { holder, start, end } of layout) {
    // Only the holder's own cells: copying them to a scratch sequence leaves the shared ones out.
    kv.seqCp(holder, scratch, start, end);
    const data = kv.getSeqState(scratch);
    kv.seqRm(scratch, 0, -1);
    numBytes += data.length;
    if (numBytes > maxBytes) return { skipped: `the cache holds more than ${maxBytes} bytes` };
    saved.push(data);
  }
  kv.clear();
  for (const [i, { holder, base, start }] of layout.entries()) {
    if (!kv.setSeqState(holder, saved[i])) {
      kv.clear();
      tree.reset();
      return { skipped: `llama.cpp refused to restore cache holder ${holder}; the cache was emptied` };
    }
    if (base !== null) kv.seqCp(base, holder, 0, start);
  }
  return { numCells: tree.size() };
}
