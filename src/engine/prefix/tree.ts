/**
 * @module engine/prefix/tree
 * A token radix tree over llama.cpp's unified KV cache, after SGLang's RadixCache.
 *
 * Cached tokens stay resident under "holder" sequence ids that no request runs on. Every node records a
 * holder whose cells cover positions [0, node end), so a request that matches k tokens gets them with one
 * zero-copy `seq_cp(holder, slot, 0, k)`. A leaf that extends its parent reuses the parent's holder;
 * a branch gets a new holder seeded from the parent's cells, so shared prefixes are stored once.
 * Each cache key (the tenant) has its own root: a lookup can never reach another tenant's cells.
 *
 * Branches no request uses can be parked: their cells copied to host memory and freed, as llama-server
 * saves and clears its idle slots. llama.cpp's attention visits every cell up to the highest one in use,
 * so a long prompt computed above a full cache pays for cells it never attends to: a 2,000-token cold
 * prompt after a load test took 1.12–1.22x llama-server's time with the cache in place, 0.88–0.96x
 * with it out of the way (bench model, `npm run bench -- versus`). A parked branch comes back whole
 * when a request's prompt leads into it, so the cache hit is kept at the price of a copy.
 */
import type { CacheKey, SeqId, Token } from '../types.ts';
import type { KvMemory, KvSnapshots } from './kv-memory.ts';

/**
 * Parking copies on the engine's thread, between steps: past this many bytes in one call the remaining
 * branches stay, so the running streams wait at most one such copy (~0.1 s) for a long prompt's sake.
 */
const PARK_BYTES_PER_CALL = 256 * 2 ** 20;

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

/**
 * One holder's own cells in a subtree: positions [start, end). Before `start` it shares the cells of
 * `base`, the holder it was seeded from; in a subtree below the holder's first node, `base` is the holder
 * itself, whose earlier cells belong to the nodes above.
 */
export interface HolderLayout {
  holder: SeqId;
  start: number;
  end: number;
  base: SeqId | null;
}

/** One holder's cells in a parked branch, saved. */
interface ParkedSegment extends HolderLayout {
  data: Buffer;
}

/** A subtree out of the KV cache: its top node (detached from its parent) and its holders' saved cells. */
interface ParkedBranch {
  top: PrefixNode;
  /** In pre-order: a segment's base, when it is in the branch, comes before it. */
  segments: ParkedSegment[];
  numTokens: number;
  numBytes: number;
  parkedAt: number;
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
  readonly #kv: KvMemory & Partial<KvSnapshots>;
  readonly #roots = new Map<CacheKey, PrefixNode>();
  readonly #freeHolders: SeqId[];
  /** How many nodes name each holder: a holder is released when the last one goes. */
  readonly #holderRefs = new Map<SeqId, number>();
  #numTokens = 0;
  #numEvictedTokens = 0;
  #clock = 0;
  /** Parked branches by the node they hang from, then by their first token. */
  readonly #parked = new Map<PrefixNode, Map<Token, ParkedBranch>>();
  #numParkedTokens = 0;
  #numParkedBytes = 0;
  readonly #maxParkedBytes: number;
  /** A sequence id nothing else uses, for copying one holder's cells in and out. */
  readonly #scratch: SeqId | null;

  /** `scratch` and `maxParkedBytes`: parking is off without a scratch sequence. */
  constructor(kv: KvMemory & Partial<KvSnapshots>, holders: readonly SeqId[], options: { scratch?: SeqId; maxParkedBytes?: number } = {}) {
    this.#kv = kv;
    this.#freeHolders = [...holders].reverse();
    this.#scratch = options.scratch ?? null;
    this.#maxParkedBytes = options.maxParkedBytes ?? 0;
  }

  /** Cells held by the tree (each cached token once, however many holders share it). */
  size(): number {
    return this.#numTokens;
  }

  /** Cached tokens evicted since the tree was made (for /metrics). */
  numEvictedTokens(): number {
    return this.#numEvictedTokens;
  }

  /** Tokens in parked branches, held in host memory (not cells). */
  numParkedTokens(): number {
    return this.#numParkedTokens;
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
    // A parked branch in the way is stale now: these tokens are computed again, in the cache.
    this.#dropParked(parent, tokens[matched]);
    // A parked branch that continues the parent's holder owns its later positions: the leaf takes a new holder.
    const extendsLeaf = parent.holder !== null && parent.children.size === 0 && !this.#parked.has(parent);
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
    return [...this.#roots.values()].flatMap((root) => this.#layoutOf(root));
  }

  /** Whether a running request holds any cached cells. */
  isLocked(): boolean {
    for (const root of this.#roots.values()) if (root.lockRef > 0) return true;
    return false;
  }

  /** Drop everything (after the engine's KV cache was cleared). */
  reset(): void {
    // Parked branches first: a holder they share with a resident node is counted once more there.
    for (const from of [...this.#parked.keys()]) this.#dropParkedUnder(from);
    for (const root of this.#roots.values()) {
      this.#walk(root, (node) => {
        if (node.holder !== null && this.#holderRefs.delete(node.holder)) this.#freeHolders.push(node.holder);
      });
    }
    this.#roots.clear();
    this.#numTokens = 0;
  }

  /**
   * Park every branch no request holds (see the module comment): each goes to host memory whole, within
   * the parked-memory limit (the least recently parked go first); a branch that cannot fit stays.
   * Returns the cells freed.
   */
  parkIdle(): number {
    if (this.#scratch === null || !this.#kv.getSeqState) return 0;
    const idle: Array<{ from: PrefixNode; top: PrefixNode }> = [];
    const collect = (node: PrefixNode) => {
      for (const child of node.children.values()) {
        if (child.lockRef === 0) idle.push({ from: node, top: child });
        else collect(child);
      }
    };
    for (const root of this.#roots.values()) collect(root);
    let freed = 0;
    let copied = 0;
    for (const { from, top } of idle) {
      if (copied >= PARK_BYTES_PER_CALL) break;
      const branch = this.#park(from, top, this.#scratch);
      freed += branch?.numTokens ?? 0;
      copied += branch?.numBytes ?? 0;
    }
    return freed;
  }

  /**
   * Bring back the parked branches the path of `tokens` leads into, so `match` finds them. A branch
   * goes back only if it fits in free cells (`numFreeCells`, after evicting other unlocked cache);
   * one that does not, or that llama.cpp cannot place, is dropped: the request computes those tokens.
   */
  restorePath(key: CacheKey, tokens: readonly Token[], numFreeCells: () => number): void {
    if (this.#parked.size === 0 || this.#scratch === null) return;
    let node = this.#root(key);
    let matched = 0;
    while (matched < tokens.length) {
      const child = node.children.get(tokens[matched]);
      if (child) {
        const n = commonLength(child.tokens, tokens, matched);
        if (n < child.tokens.length) return;
        node = child;
        matched += n;
        continue;
      }
      const branch = this.#parked.get(node)?.get(tokens[matched]);
      if (!branch) return;
      while (numFreeCells() < branch.numTokens) {
        const leaf = this.#lruLeaf(node);
        if (!leaf) break;
        this.#remove(leaf);
      }
      if (numFreeCells() < branch.numTokens || !this.#unpark(node, branch, this.#scratch)) {
        this.#dropParked(node, tokens[matched]);
        return;
      }
    }
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

  /** The holders' own cells in `top`'s subtree, in pre-order: a holder's base, when in the subtree, comes first. */
  #layoutOf(top: PrefixNode): HolderLayout[] {
    const layout = new Map<SeqId, HolderLayout>();
    this.#walk(top, (node) => {
      if (node.holder === null) return;
      const end = node.start + node.tokens.length;
      const known = layout.get(node.holder);
      if (known) known.end = Math.max(known.end, end);
      // Pre-order: a holder's first node is its topmost one in the subtree.
      else layout.set(node.holder, { holder: node.holder, start: node.start, end, base: node.parent?.holder ?? null });
    });
    return [...layout.values()];
  }

  /** Save `top`'s subtree to host memory and free its cells; null when it stays (past the limit, or the copy failed). */
  #park(from: PrefixNode, top: PrefixNode, scratch: SeqId): ParkedBranch | null {
    const kv = this.#kv as KvMemory & KvSnapshots;
    let numTokens = 0;
    this.#walk(top, (node) => (numTokens += node.tokens.length));
    const saved: ParkedSegment[] = [];
    let numBytes = 0;
    for (const segment of this.#layoutOf(top)) {
      kv.seqCp(segment.holder, scratch, segment.start, segment.end);
      let data: Buffer;
      try {
        data = kv.getSeqState(scratch);
      } catch {
        // Nothing was freed yet: a branch whose cells cannot be copied out stays in the cache.
        return null;
      } finally {
        kv.seqRm(scratch, 0, -1);
      }
      numBytes += data.length;
      saved.push({ ...segment, data });
    }
    if (numBytes > this.#maxParkedBytes) return null;
    while (this.#numParkedBytes + numBytes > this.#maxParkedBytes) this.#dropOldestParked();
    for (const { holder, start, base } of saved) kv.seqRm(holder, base === holder ? start : 0, -1);
    from.children.delete(top.tokens[0]);
    let branches = this.#parked.get(from);
    if (!branches) this.#parked.set(from, (branches = new Map()));
    const branch = { top, segments: saved, numTokens, numBytes, parkedAt: ++this.#clock };
    branches.set(top.tokens[0], branch);
    this.#numTokens -= numTokens;
    this.#numParkedTokens += numTokens;
    this.#numParkedBytes += numBytes;
    return branch;
  }

  /** Put a parked branch's cells back and hang it from `from` again; false (cache unchanged) when llama.cpp cannot place them. */
  #unpark(from: PrefixNode, branch: ParkedBranch, scratch: SeqId): boolean {
    const kv = this.#kv as KvMemory & KvSnapshots;
    const restored: ParkedSegment[] = [];
    for (const segment of branch.segments) {
      const ok = kv.setSeqState(scratch, segment.data);
      if (ok) kv.seqCp(scratch, segment.holder, segment.start, segment.end);
      kv.seqRm(scratch, 0, -1);
      if (!ok) {
        for (const { holder, start, base } of restored) kv.seqRm(holder, base === holder ? start : 0, -1);
        return false;
      }
      if (segment.base !== null && segment.base !== segment.holder) kv.seqCp(segment.base, segment.holder, 0, segment.start);
      restored.push(segment);
    }
    this.#detachParked(from, branch.top.tokens[0]);
    from.children.set(branch.top.tokens[0], branch.top);
    this.#numTokens += branch.numTokens;
    this.#numParkedTokens -= branch.numTokens;
    this.#numParkedBytes -= branch.numBytes;
    return true;
  }

  /** Take the branch parked under `from` at `token` out of the parked set. */
  #detachParked(from: PrefixNode, token: Token): ParkedBranch | undefined {
    const branches = this.#parked.get(from);
    const branch = branches?.get(token);
    if (!branches || !branch) return undefined;
    branches.delete(token);
    if (branches.size === 0) this.#parked.delete(from);
    return branch;
  }

  /** Forget a parked branch (no cells to free: its holders give back their ids). */
  #dropParked(from: PrefixNode, token: Token): void {
    const branch = this.#detachParked(from, token);
    if (!branch) return;
    this.#walk(branch.top, (node) => {
      this.#dropParkedUnder(node);
      this.#releaseHolderRef(node.holder as SeqId, null);
    });
    this.#numParkedTokens -= branch.numTokens;
    this.#numParkedBytes -= branch.numBytes;
    this.#numEvictedTokens += branch.numTokens;
  }

  #dropParkedUnder(node: PrefixNode): void {
    for (const token of [...(this.#parked.get(node)?.keys() ?? [])]) this.#dropParked(node, token);
  }

  #dropOldestParked(): void {
    let oldest: { from: PrefixNode; token: Token; parkedAt: number } | null = null;
    for (const [from, branches] of this.#parked) {
      for (const [token, branch] of branches) if (!oldest || branch.parkedAt < oldest.parkedAt) oldest = { from, token, parkedAt: branch.parkedAt };
    }
    if (oldest) this.#dropParked(oldest.from, oldest.token);
  }

  /**
   * One node fewer names `holder`: the last one frees all its cells and gives the id back; another frees
   * its cells from `freeFrom` on (null: none, a parked node's are gone already).
   */
  #releaseHolderRef(holder: SeqId, freeFrom: number | null): void {
    const refs = (this.#holderRefs.get(holder) ?? 1) - 1;
    if (refs > 0) {
      this.#holderRefs.set(holder, refs);
      if (freeFrom !== null) this.#kv.seqRm(holder, freeFrom, -1);
      return;
    }
    this.#holderRefs.delete(holder);
    this.#kv.seqRm(holder, 0, -1);
    this.#freeHolders.push(holder);
  }

  #remove(leaf: PrefixNode): number {
    this.#dropParkedUnder(leaf);
    this.#releaseHolderRef(leaf.holder as SeqId, leaf.start);
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
