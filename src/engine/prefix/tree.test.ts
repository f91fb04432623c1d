import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CacheKey, SeqId } from '../types.ts';
import { FakeKv } from './fake-kv.ts';
import { PrefixTree } from './tree.ts';

const A = 'tenant-a' as CacheKey;
const B = 'tenant-b' as CacheKey;
const HOLDERS = [10, 11, 12] as SeqId[];
const seq = (n: number) => n as SeqId;

/** Write tokens into a fresh sequence as a decode would. */
function fill(kv: FakeKv, id: SeqId, tokens: number[]): void {
  tokens.forEach((t, pos) => kv.write(id, pos, t));
}

function setup() {
  const kv = new FakeKv(1000);
  return { kv, tree: new PrefixTree(kv, HOLDERS) };
}

describe('PrefixTree', () => {
  it('matches the longest cached prefix and shares its cells without copying', () => {
    const { kv, tree } = setup();
    fill(kv, seq(0), [1, 2, 3, 4, 5]);
    assert.equal(tree.insert(A, [1, 2, 3, 4, 5], seq(0)), 0);
    kv.seqRm(seq(0), 0, -1);
    assert.equal(kv.usedCells, 5);
    const hit = tree.match(A, [1, 2, 3, 9]);
    assert.equal(hit.numCachedTokens, 3);
    tree.copyPrefix(hit.node, 3, seq(1));
    assert.deepEqual(kv.read(seq(1), 3), [1, 2, 3]);
    assert.equal(kv.usedCells, 5, 'seq_cp shares cells');
  });

  it('keeps tenants apart: the same tokens under another key never hit', () => {
    const { kv, tree } = setup();
    fill(kv, seq(0), [1, 2, 3]);
    tree.insert(A, [1, 2, 3], seq(0));
    assert.equal(tree.match(B, [1, 2, 3]).numCachedTokens, 0);
    assert.equal(tree.match(A, [1, 2, 3]).numCachedTokens, 3);
  });

  it('stores a shared prefix once when branches diverge, and each branch reads back whole', () => {
    const { kv, tree } = setup();
    fill(kv, seq(0), [1, 2, 3, 4]);
    tree.insert(A, [1, 2, 3, 4], seq(0));
    kv.seqRm(seq(0), 0, -1);
    // The second request reused [1, 2] from the cache, then computed its own tail.
    const hit = tree.match(A, [1, 2, 7, 8]);
    tree.copyPrefix(hit.node, 2, seq(1));
    kv.write(seq(1), 2, 7);
    kv.write(seq(1), 3, 8);
    assert.equal(tree.insert(A, [1, 2, 7, 8], seq(1)), 2);
    kv.seqRm(seq(1), 0, -1);
    assert.equal(tree.size(), 6);
    assert.equal(kv.usedCells, 6);
    for (const tokens of [[1, 2, 3, 4], [1, 2, 7, 8]]) {
      const m = tree.match(A, tokens);
      assert.equal(m.numCachedTokens, 4);
      tree.copyPrefix(m.node, 4, seq(5));
      assert.deepEqual(kv.read(seq(5), 4), tokens);
      kv.seqRm(seq(5), 0, -1);
    }
  });

  it('extends a leaf in place, reusing its holder', () => {
    const { kv, tree } = setup();
    fill(kv, seq(0), [1, 2, 3, 4, 5, 6]);
    tree.insert(A, [1, 2, 3], seq(0));
    tree.insert(A, [1, 2, 3, 4, 5, 6], seq(0));
    kv.seqRm(seq(0), 0, -1);
    assert.equal(tree.size(), 6);
    assert.equal(kv.usedCells, 6);
    const m = tree.match(A, [1, 2, 3, 4, 5, 6]);
    tree.copyPrefix(m.node, 6, seq(1));
    assert.deepEqual(kv.read(seq(1), 6), [1, 2, 3, 4, 5, 6]);
  });

  it('evicts least recently used leaves first and never a locked path', () => {
    const { kv, tree } = setup();
    const prompts = [[1, 1, 1], [2, 2, 2], [3, 3, 3]];
    prompts.forEach((p, i) => {
      fill(kv, seq(i), p);
      tree.insert(A, p, seq(i));
      kv.seqRm(seq(i), 0, -1);
    });
    const locked = tree.match(A, [1, 1, 1]);
    tree.lock(locked.node);
    tree.match(A, [2, 2, 2]);
    assert.equal(tree.evictableSize(), 6);
    assert.equal(tree.evict(1), 3);
    assert.equal(tree.match(A, [3, 3, 3]).numCachedTokens, 0, 'the least recently used leaf went first');
    assert.equal(tree.evict(100), 3);
    assert.equal(tree.match(A, [1, 1, 1]).numCachedTokens, 3, 'the locked prefix stays');
    assert.equal(kv.usedCells, 3);
    tree.unlock(locked.node);
    tree.evict(100);
    assert.equal(kv.usedCells, 0);
    assert.equal(tree.size(), 0);
  });

  it('evicts to free a holder sequence when all are taken', () => {
    const { kv, tree } = setup();
    for (let i = 0; i < 4; i++) {
      fill(kv, seq(i), [i + 1, 9]);
      tree.insert(A, [i + 1, 9], seq(i));
      kv.seqRm(seq(i), 0, -1);
    }
    assert.equal(tree.size(), 6, 'three holders: the oldest entry made way for the fourth');
    assert.equal(tree.match(A, [1, 9]).numCachedTokens, 0);
    assert.equal(tree.match(A, [4, 9]).numCachedTokens, 2);
    assert.equal(kv.usedCells, 6);
  });

  it('splits a node when an insert diverges inside it and both halves stay readable after eviction', () => {
    const { kv, tree } = setup();
    fill(kv, seq(0), [5, 6, 7, 8]);
    tree.insert(A, [5, 6, 7, 8], seq(0));
    kv.seqRm(seq(0), 0, -1);
    fill(kv, seq(1), [5, 6, 0, 0]);
    tree.insert(A, [5, 6, 0, 0], seq(1));
    kv.seqRm(seq(1), 0, -1);
    tree.match(A, [5, 6, 0, 0]);
    tree.evict(1);
    assert.equal(tree.match(A, [5, 6, 7, 8]).numCachedTokens, 2);
    const m = tree.match(A, [5, 6, 0, 0]);
    assert.equal(m.numCachedTokens, 4);
    tree.copyPrefix(m.node, 4, seq(2));
    assert.deepEqual(kv.read(seq(2), 4), [5, 6, 0, 0]);
    assert.equal(kv.usedCells, 4);
  });

  describe('parking', () => {
    const SCRATCH = seq(99);

    /** A cache of `A`: a shared prefix [1, 2] with branches [3, 4] and [7, 8, 9], and [1, 2, 3, 4] extended to [.., 5, 6]. */
    function parkable(maxParkedBytes = 1e6) {
      const kv = new FakeKv(1000);
      const tree = new PrefixTree(kv, HOLDERS, { scratch: SCRATCH, maxParkedBytes });
      const add = (id: number, tokens: number[], from = 0) => {
        if (from > 0) tree.copyPrefix(tree.match(A, tokens).node, from, seq(id));
        tokens.slice(from).forEach((t, i) => kv.write(seq(id), from + i, t));
        tree.insert(A, tokens, seq(id));
        kv.seqRm(seq(id), 0, -1);
      };
      add(0, [1, 2, 3, 4]);
      add(1, [1, 2, 7, 8, 9], 2);
      add(2, [1, 2, 3, 4, 5, 6], 4);
      return { kv, tree };
    }

    const numFree = (kv: FakeKv) => () => kv.capacity - kv.usedCells;

    function readBack(kv: FakeKv, tree: PrefixTree, tokens: number[]): number[] {
      const m = tree.match(A, tokens);
      assert.equal(m.numCachedTokens, tokens.length, `${tokens} is cached`);
      tree.copyPrefix(m.node, tokens.length, seq(5));
      const read = kv.read(seq(5), tokens.length);
      kv.seqRm(seq(5), 0, -1);
      return read;
    }

    it('moves idle branches out of the cells and brings back the one a prompt leads into, whole', () => {
      const { kv, tree } = parkable();
      assert.equal(kv.usedCells, 9);
      const held = tree.match(A, [1, 2]);
      tree.lock(held.node);
      assert.equal(tree.parkIdle(), 7, 'everything below the locked prefix');
      assert.equal(kv.usedCells, 2);
      assert.equal(tree.size(), 2);
      assert.equal(tree.numParkedTokens(), 7);
      assert.equal(tree.match(A, [1, 2, 3, 4]).numCachedTokens, 2, 'a parked branch is not matched');
      tree.restorePath(A, [1, 2, 3, 4, 5, 6, 0], numFree(kv));
      assert.equal(tree.numParkedTokens(), 3, 'only the branch on the path came back');
      assert.deepEqual(readBack(kv, tree, [1, 2, 3, 4, 5, 6]), [1, 2, 3, 4, 5, 6]);
      tree.restorePath(A, [1, 2, 7, 8, 9], numFree(kv));
      assert.deepEqual(readBack(kv, tree, [1, 2, 7, 8, 9]), [1, 2, 7, 8, 9]);
      assert.equal(tree.numParkedTokens(), 0);
      assert.equal(kv.usedCells, 9, 'the shared prefix is still stored once');
      tree.unlock(held.node);
    });

    it('parks a whole idle tenant, with a branch parked before it, and never the path a request holds', () => {
      const { kv, tree } = parkable();
      const held = tree.match(A, [1, 2, 3, 4, 5, 6]);
      tree.lock(held.node);
      tree.parkIdle();
      assert.equal(tree.numParkedTokens(), 3, 'only the branch [7, 8, 9]');
      assert.deepEqual(readBack(kv, tree, [1, 2, 3, 4, 5, 6]), [1, 2, 3, 4, 5, 6]);
      tree.unlock(held.node);
      assert.equal(tree.parkIdle(), 6);
      assert.equal(kv.usedCells, 0);
      assert.equal(tree.numParkedTokens(), 9);
      tree.restorePath(A, [1, 2, 7, 8, 9], numFree(kv));
      assert.deepEqual(readBack(kv, tree, [1, 2, 7, 8, 9]), [1, 2, 7, 8, 9]);
      assert.deepEqual(readBack(kv, tree, [1, 2, 3, 4, 5, 6]), [1, 2, 3, 4, 5, 6], 'the branch parked with the shared prefix came back with it');
      assert.equal(tree.numParkedTokens(), 0);
      assert.equal(kv.usedCells, 9);
    });

    it('drops a branch that cannot come back, and its holders serve new entries', () => {
      const { kv, tree } = parkable();
      tree.parkIdle();
      tree.restorePath(A, [1, 2, 3, 4], () => 3);
      assert.equal(tree.numParkedTokens(), 0, 'dropped: it needed 9 cells');
      assert.equal(tree.numEvictedTokens(), 9);
      assert.equal(tree.match(A, [1, 2]).numCachedTokens, 0);
      for (let i = 0; i < 3; i++) {
        kv.write(seq(i), 0, 40 + i);
        tree.insert(A, [40 + i], seq(i));
        kv.seqRm(seq(i), 0, -1);
      }
      assert.equal(tree.size(), 3, 'all three holders were free again');
    });

    it('keeps parked memory within its limit, dropping the oldest branches first', () => {
      const { kv, tree } = parkable(50);
      const held = tree.match(A, [1, 2, 3, 4, 5, 6]);
      tree.lock(held.node);
      tree.parkIdle();
      tree.unlock(held.node);
      const first = tree.numParkedTokens();
      assert.equal(first, 3);
      tree.parkIdle();
      assert.equal(tree.numParkedTokens(), 6, 'the limit made room by dropping the first branch');
      assert.equal(kv.usedCells, 0);
    });

    it('leaves a branch in the cache when its cells cannot be copied out', () => {
      const { kv, tree } = parkable();
      kv.getSeqState = () => {
        throw new Error('llama_state_seq_get_data wrote 0 bytes');
      };
      assert.equal(tree.parkIdle(), 0);
      assert.equal(tree.numParkedTokens(), 0);
      assert.equal(kv.usedCells, 9);
      assert.deepEqual(readBack(kv, tree, [1, 2, 7, 8, 9]), [1, 2, 7, 8, 9]);
      assert.equal(FakeKv.prototype.getSeqState.call(kv, SCRATCH).toString(), '[]', 'the scratch sequence was emptied');
    });

    it('gives every holder id back once when reset with branches parked', () => {
      const { kv, tree } = parkable();
      tree.lock(tree.match(A, [1, 2]).node);
      tree.parkIdle();
      for (const holder of HOLDERS) kv.seqRm(holder, 0, -1);
      tree.reset();
      for (let i = 0; i < 3; i++) {
        kv.write(seq(i), 0, 40 + i);
        tree.insert(A, [40 + i], seq(i));
        kv.seqRm(seq(i), 0, -1);
      }
      for (let i = 0; i < 3; i++) assert.deepEqual(readBack(kv, tree, [40 + i]), [40 + i], `entry ${i} has a holder of its own`);
    });

    it('never writes a new entry over a parked branch', () => {
      const { kv, tree } = parkable();
      tree.parkIdle();
      kv.write(seq(3), 0, 1);
      kv.write(seq(3), 1, 2);
      kv.write(seq(3), 2, 3);
      tree.insert(A, [1, 2, 3], seq(3));
      kv.seqRm(seq(3), 0, -1);
      tree.restorePath(A, [1, 2, 7, 8, 9], numFree(kv));
      assert.equal(tree.numParkedTokens(), 0, 'the stale branch was dropped');
      assert.deepEqual(readBack(kv, tree, [1, 2, 3]), [1, 2, 3]);
      assert.equal(tree.match(A, [1, 2, 7]).numCachedTokens, 2);
    });
  });
});
