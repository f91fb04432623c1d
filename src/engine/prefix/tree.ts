/**
 * @module engine/prefix/tree
 * A token radix tree over llama.cpp's unified KV cache, after SGLang's RadixCache.
 *
 * Cached tokens stay resident under "holder" sequence ids that no request runs on. Every node records a
 * holder whose cells cover positions [0, node end), so a request that matches k tokens gets them with one
 * zero-copy `seq_cp(holder, slot, 0, k)`. A leaf that extends its parent reuses the parent's holder;
 * a branch gets a new holder seeded from the parent's cells, so shared prefixes are stored once.
 * Each cache key (the tenant) has its own root: a lookup can never reach another tenant's cells.
 */
import type { CacheKey, SeqId, Token } from '../types.ts';
import type { KvMemory } from './kv-memory.ts';

export interface PrefixNode {
  readonly parent: PrefixNode | null;
  readonly children: Map<Token, PrefixNode>;
  tokens: Token[];
  /** Position of this node's first token in the sequence. */
  start: number;
  holder: SeqId | null;
  lockRef: number;
  lastAccess: number;
}

/** The cells one holder sequence has that no other holder shares: positions [baseLength, end). */
export interface HolderLayout {
  holder: SeqId;
  end: number;
  /** The holder it was seeded from, whose cells it shares for positions [0, baseLength). */
  base: SeqId | null;
  baseLength: number;
}

export interface MatchResult {
  numCachedTokens: number;
  /** Deepest node touched; its holder covers the matched tokens. Lock it while the match is in use. */
  node: PrefixNode;
}

/** How many tokens of `a` equal those of `b` from `bOffset` on, from the start. */
export function commonLength(a: readonly Token[], b: readonly Token[], bOffset = 0): number {
  const n = Math.min(a.length, b.length - bOffset);
  let i = 0;
  while (i < n && a[i] === b[bOffset + i]) i++;
  return i;
}

function newNode(parent: PrefixNode | null, tokens: Token[], start: number, holder: SeqId | null): PrefixNode {
  return { parent, children: new Map(), tokens, start, holder, lockRef: 0, lastAccess: 0 };
}

export class PrefixTree {
  readonly #kv: KvMemory;
  readonly #roots = new Map<CacheKey, PrefixNode>();
  readonly #freeHolders: SeqId[];
  /** How many nodes name each holder: a holder is released when the last one goes. */
  readonly #holderRefs = new Map<SeqId, number>();
  #numTokens = 0;
  #numEvictedTokens = 0;
  #clock = 0;

  constructor(kv: KvMemory, holders: readonly SeqId[]) {
    this.#kv = kv;
    this.#freeHolders = [...holders].reverse();
  }

  /** Cells held by the tree (each cached token once, however many holders share it). */
  size(): number {
    return this.#numTokens;
  }

  /** Cached tokens evicted since the tree was made (for /metrics). */
  numEvictedTokens(): number {
    return this.#numEvictedTokens;
  }

  evictableSize(): number {
    let total = 0;
    for (const root of this.#roots.values()) {
      this.#walk(root, (node) => {
        if (node.lockRef === 0) total += node.tokens.length;
      });
    }
    return total;
  }

  // ---------------------------------------------------------------- public API

  /**
   * The longest cached prefix of `tokens`. A match that ends inside a node splits it there, as SGLang's
   * does, so the returned node ends exactly at the match: locking it pins only the cells the caller
   * shares, never the rest of a longer cached sequence.
   */
  match(key: CacheKey, tokens: readonly Token[]): MatchResult {
    const now = ++this.#clock;
    let node = this.#root(key);
    node.lastAccess = now;
    let matched = 0;
    while (matched < tokens.length) {
      const child = node.children.get(tokens[matched]);
      if (!child) break;
      const n = commonLength(child.tokens, tokens, matched);
      child.lastAccess = now;
      node = n < child.tokens.length ? this.#split(child, n) : child;
      matched += n;
      if (n < child.tokens.length) break;
    }
    return { numCachedTokens: matched, node };
  }

  /** Share the first `numTokens` cached tokens of `node`'s path into sequence `dst`. */
  copyPrefix(node: PrefixNode, numTokens: number, dst: SeqId): void {
    if (numTokens === 0 || node.holder === null) return;
    this.#kv.seqCp(node.holder, dst, 0, numTokens);
  }

  lock(node: PrefixNode): void {
    for (let n: PrefixNode | null = node; n; n = n.parent) n.lockRef++;
  }

  unlock(node: PrefixNode): void {
    for (let n: PrefixNode | null = node; n; n = n.parent) n.lockRef--;
  }

  /**
   * Take the first `tokens.length` cells of sequence `src` into the cache. Returns how many of them were
   * already cached (the caller's copies of those are duplicates it should free with the sequence).
   * Returns the matched length unchanged when no holder sequence can be found even after eviction.
   */
  insert(key: CacheKey, tokens: readonly Token[], src: SeqId): number {
    const { numCachedTokens: matched, node: parent } = this.match(key, tokens);
    if (matched === tokens.length) return matched;
    const extendsLeaf = parent.holder !== null && parent.children.size === 0;
    let holder: SeqId;
    if (extendsLeaf) {
      holder = parent.holder as SeqId;
    } else {
      const free = this.#takeHolder(parent);
      if (free === null) return matched;
      holder = free;
      if (parent.holder !== null) this.#kv.seqCp(parent.holder, holder, 0, matched);
    }
    this.#kv.seqCp(src, holder, matched, tokens.length);
    const leaf = newNode(parent, tokens.slice(matched), matched, holder);
    leaf.lastAccess = ++this.#clock;
    parent.children.set(leaf.tokens[0], leaf);
    this.#holderRefs.set(holder, (this.#holderRefs.get(holder) ?? 0) + 1);
    this.#numTokens += leaf.tokens.length;
    return matched;
  }

  /** Evict least-recently-used unlocked leaves until `numTokens` cells are freed or nothing is left. */
  evict(numTokens: number): number {
    let freed = 0;
    while (freed < numTokens) {
      const leaf = this.#lruLeaf(null);
      if (!leaf) break;
      freed += this.#remove(leaf);
    }
    return freed;
  }

  /** Every holder's own cells, each after the holder it shares a prefix with. */
  holderLayout(): HolderLayout[] {
    const layout = new Map<SeqId, HolderLayout>();
    for (const root of this.#roots.values()) {
      // Pre-order: a holder's first node is its topmost, and its parent's holder is already listed.
      this.#walk(root, (node) => {
        if (node.holder === null) return;
        const end = node.start + node.tokens.length;
        const known = layout.get(node.holder);
        if (known) {
          known.end = Math.max(known.end, end);
          return;
        }
        const base = node.parent?.holder ?? null;
        layout.set(node.holder, { holder: node.holder, end, base, baseLength: base === null ? 0 : node.start });
      });
    }
    return [...layout.values()];
  }

  /** Whether a running request holds any cached cells. */
  isLocked(): boolean {
    for (const root of this.#roots.values()) if (root.lockRef > 0) return true;
    return false;
  }

  /** Drop everything (after the engine's KV cache was cleared). */
  reset(): void {
    for (const root of this.#roots.values()) {
      this.#walk(root, (node) => {
        if (node.holder !== null && this.#holderRefs.delete(node.holder)) this.#freeHolders.push(node.holder);
      });
    }
    this.#roots.clear();
    this.#numTokens = 0;
  }

  // ---------------------------------------------------------------- helpers

  #root(key: CacheKey): PrefixNode {
    let root = this.#roots.get(key);
    if (!root) {
      root = newNode(null, [], 0, null);
      this.#roots.set(key, root);
    }
    return root;
  }

  /** Split `node` after `offset` tokens; the new upper part shares the node's holder (its cells are a prefix). */
  #split(node: PrefixNode, offset: number): PrefixNode {
    const parent = node.parent as PrefixNode;
    const upper = newNode(parent, node.tokens.slice(0, offset), node.start, node.holder);
    upper.lockRef = node.lockRef;
    upper.lastAccess = node.lastAccess;
    parent.children.set(upper.tokens[0], upper);
    (node as { parent: PrefixNode }).parent = upper;
    node.tokens = node.tokens.slice(offset);
    node.start += offset;
    upper.children.set(node.tokens[0], node);
    if (node.holder !== null) this.#holderRefs.set(node.holder, (this.#holderRefs.get(node.holder) ?? 0) + 1);
    return upper;
  }

  #takeHolder(keep: PrefixNode): SeqId | null {
    while (this.#freeHolders.length === 0) {
      const leaf = this.#lruLeaf(keep);
      if (!leaf) return null;
      this.#remove(leaf);
    }
    return this.#freeHolders.pop() as SeqId;
  }

  /** The least recently used unlocked leaf, never `keep` or one of its ancestors. */
  #lruLeaf(keep: PrefixNode | null): PrefixNode | null {
    const protectedNodes = new Set<PrefixNode>();
    for (let n = keep; n; n = n.parent) protectedNodes.add(n);
    let best: PrefixNode | null = null;
    for (const root of this.#roots.values()) {
      this.#walk(root, (node) => {
        if (node === root || node.children.size > 0 || node.lockRef > 0 || protectedNodes.has(node)) return;
        if (!best || node.lastAccess < best.lastAccess) best = node;
      });
    }
    return best;
  }

  #remove(leaf: PrefixNode): number {
    const holder = leaf.holder as SeqId;
    const refs = (this.#holderRefs.get(holder) ?? 1) - 1;
    if (refs === 0) {
      this.#holderRefs.delete(holder);
      this.#kv.seqRm(holder, 0, -1);
      this.#freeHolders.push(holder);
    } else {
      this.#holderRefs.set(holder, refs);
      this.#kv.seqRm(holder, leaf.start, -1);
    }
    const parent = leaf.parent as PrefixNode;
    parent.children.delete(leaf.tokens[0]);
    this.#numTokens -= leaf.tokens.length;
    this.#numEvictedTokens += leaf.tokens.length;
    return leaf.tokens.length;
  }

  #walk(node: PrefixNode, visit: (node: PrefixNode) => void): void {
    visit(node);
    for (const child of node.children.values()) this.#walk(child, visit);
  }
}
