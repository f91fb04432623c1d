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
});
