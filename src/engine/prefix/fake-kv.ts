/**
 * A model of llama.cpp's unified KV cache for tests of the scheduler and the prefix tree: cells hold a
 * token and the set of sequences that share it, exactly the semantics of seq_cp / seq_rm. Tests check
 * both the scheduler's cell accounting and what each sequence "sees" through it.
 */
import type { SeqId, Token } from '../types.ts';
import type { KvMemory, KvSnapshots } from './kv-memory.ts';

interface Cell {
  token: Token;
  seqs: Set<SeqId>;
}

export class FakeKv implements KvMemory, KvSnapshots {
  readonly capacity: number;
  readonly #cells = new Map<number, Cell>();
  /** Per sequence: position → cell id. */
  readonly #seqs = new Map<SeqId, Map<number, number>>();
  #nextCell = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get usedCells(): number {
    return this.#cells.size;
  }

  seqCp(src: SeqId, dst: SeqId, p0: number, p1: number): void {
    for (const [pos, cellId] of this.#positions(src)) {
      if (pos < p0 || (p1 >= 0 && pos >= p1)) continue;
      this.#positions(dst).set(pos, cellId);
      (this.#cells.get(cellId) as Cell).seqs.add(dst);
    }
  }

  seqRm(seq: SeqId, p0: number, p1: number): void {
    const positions = this.#positions(seq);
    for (const [pos, cellId] of [...positions]) {
      if (pos < p0 || (p1 >= 0 && pos >= p1)) continue;
      positions.delete(pos);
      const cell = this.#cells.get(cellId) as Cell;
      cell.seqs.delete(seq);
      if (cell.seqs.size === 0) this.#cells.delete(cellId);
    }
  }

  /** The sequence's cells as llama_state_seq_get_data gives them: a copy, positions and contents. */
  getSeqState(seq: SeqId): Buffer {
    const cells = [...this.#positions(seq)].map(([pos, cellId]) => [pos, (this.#cells.get(cellId) as Cell).token]);
    return Buffer.from(JSON.stringify(cells));
  }

  /** As llama_state_seq_set_data: the sequence's cells are replaced by new ones; false when they do not fit. */
  setSeqState(seq: SeqId, data: Buffer): boolean {
    this.seqRm(seq, 0, -1);
    const cells = JSON.parse(data.toString()) as Array<[number, Token]>;
    if (this.#cells.size + cells.length > this.capacity) return false;
    for (const [pos, token] of cells) this.write(seq, pos, token);
    return true;
  }

  /** What a decode does to the cache: one new cell per token. Throws when full, as llama_decode fails. */
  write(seq: SeqId, pos: number, token: Token): void {
    if (this.#cells.size >= this.capacity) throw new Error('KV cache full');
    if (this.#positions(seq).has(pos)) throw new Error(`seq ${seq} already has position ${pos}`);
    const id = this.#nextCell++;
    this.#cells.set(id, { token, seqs: new Set([seq]) });
    this.#positions(seq).set(pos, id);
  }

  /** The tokens a sequence sees at positions 0..n-1; throws on a hole (a wrong seq_cp would leave one). */
  read(seq: SeqId, n: number): Token[] {
    const positions = this.#positions(seq);
    return Array.from({ length: n }, (_, pos) => {
      const cellId = positions.get(pos);
      if (cellId === undefined) throw new Error(`seq ${seq} has no cell at position ${pos}`);
      return (this.#cells.get(cellId) as Cell).token;
    });
  }

  #positions(seq: SeqId): Map<number, number> {
    let positions = this.#seqs.get(seq);
    if (!positions) {
      positions = new Map();
      this.#seqs.set(seq, positions);
    }
    return positions;
  }
}
