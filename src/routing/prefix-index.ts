/**
 * @module routing/prefix-index
 * The router's guess of which upstream holds which prompt prefix in its KV cache, as SGLang's
 * cache-aware router keeps it: one approximate radix tree per cache namespace (tenant, and user_id) over
 * the prompts sent, each node marked with the upstreams it was sent to and when. It sees only what this
 * router sent, not what an upstream evicted, so it is a guess; the bound on each upstream's share keeps
 * the guess near what a real cache of that size would hold (the least recently used leaves go first).
 */

class TreeNode {
  edge: string;
  readonly children = new Map<string, TreeNode>();
  parent: TreeNode | null;
  /** Upstream → when a prompt through this node was last sent there. Every ancestor holds what a node holds. */
  readonly holders = new Map<string, number>();

  constructor(edge: string, parent: TreeNode | null) {
    this.edge = edge;
    this.parent = parent;
  }
}

function commonLength(a: string, b: string, from: number): number {
  const limit = Math.min(a.length, b.length - from);
  let i = 0;
  while (i < limit && a.charCodeAt(i) === b.charCodeAt(from + i)) i++;
  return i;
}

export class PrefixIndex {
  /** Most characters of prompt text the tree attributes to one upstream before evicting its oldest leaves. */
  readonly maxCharsPerUpstream: number;
  readonly #roots = new Map<string, TreeNode>();
  readonly #sizes = new Map<string, number>();
  #clock = 0;

  constructor(maxCharsPerUpstream: number) {
    this.maxCharsPerUpstream = maxCharsPerUpstream;
  }

  /** How many leading characters of `key` each upstream is thought to hold in `namespace`. */
  match(namespace: string, key: string): Map<string, number> {
    const matched = new Map<string, number>();
    let node = this.#roots.get(namespace);
    let depth = 0;
    while (node && depth < key.length) {
      const child: TreeNode | undefined = node.children.get(key[depth]);
      if (!child) break;
      const common = commonLength(child.edge, key, depth);
      for (const upstream of child.holders.keys()) matched.set(upstream, depth + common);
      if (common < child.edge.length) break;
      depth += common;
      node = child;
    }
    return matched;
  }

  /** Records that `key` was sent to `upstream` in `namespace`. */
  insert(namespace: string, key: string, upstream: string): void {
    const now = ++this.#clock;
    let node: TreeNode | undefined = this.#roots.get(namespace);
    if (!node) this.#roots.set(namespace, (node = new TreeNode('', null)));
    let depth = 0;
    let gained = 0;
    while (depth < key.length) {
      let child: TreeNode | undefined = node.children.get(key[depth]);
      if (!child) {
        child = new TreeNode(key.slice(depth), node);
        node.children.set(key[depth], child);
      } else {
        const common = commonLength(child.edge, key, depth);
        if (common < child.edge.length) child = this.#split(child, common);
      }
      if (!child.holders.has(upstream)) gained += child.edge.length;
      child.holders.set(upstream, now);
      depth += child.edge.length;
      node = child;
    }
    this.#sizes.set(upstream, (this.#sizes.get(upstream) ?? 0) + gained);
    if ((this.#sizes.get(upstream) ?? 0) > this.maxCharsPerUpstream) this.#evict(upstream, Math.floor(this.maxCharsPerUpstream * 0.9));
  }

  /** Characters attributed to the upstream now. */
  sizeOf(upstream: string): number {
    return this.#sizes.get(upstream) ?? 0;
  }

  /** Forget everything sent to the upstream (it restarted, so its cache is empty). */
  forget(upstream: string): void {
    this.#evict(upstream, 0);
  }

  // ---------------------------------------------------------------- helpers

  /** Cuts `node`'s edge after `at` characters: the new upper node takes the edge's head and node's holders. */
  #split(node: TreeNode, at: number): TreeNode {
    const parent = node.parent as TreeNode;
    const upper = new TreeNode(node.edge.slice(0, at), parent);
    for (const [upstream, at_] of node.holders) upper.holders.set(upstream, at_);
    parent.children.set(upper.edge[0], upper);
    node.edge = node.edge.slice(at);
    node.parent = upper;
    upper.children.set(node.edge[0], node);
    return upper;
  }

  /** Drops the upstream from its least recently used leaves until it holds at most `targetChars`. */
  #evict(upstream: string, targetChars: number): void {
    const leaves: TreeNode[] = [];
    const visit = (node: TreeNode) => {
      let hasHoldingChild = false;
      for (const child of node.children.values()) {
        if (!child.holders.has(upstream)) continue;
        hasHoldingChild = true;
        visit(child);
      }
      if (!hasHoldingChild && node.holders.has(upstream)) leaves.push(node);
    };
    for (const root of this.#roots.values()) visit(root);
    // Oldest last, so pop() takes the least recently used.
    const byAge = (a: TreeNode, b: TreeNode) => (b.holders.get(upstream) as number) - (a.holders.get(upstream) as number);
    leaves.sort(byAge);
    let size = this.#sizes.get(upstream) ?? 0;
    while (size > targetChars && leaves.length > 0) {
      const leaf = leaves.pop() as TreeNode;
      leaf.holders.delete(upstream);
      size -= leaf.edge.length;
      const parent = leaf.parent;
      if (leaf.holders.size === 0 && leaf.children.size === 0 && parent) parent.children.delete(leaf.edge[0]);
      if (parent?.holders.has(upstream) && ![...parent.children.values()].some((c) => c.holders.has(upstream))) {
        // The parent is now a leaf of this upstream: insert it by age.
        const at = parent.holders.get(upstream) as number;
        let i = leaves.length;
        while (i > 0 && (leaves[i - 1].holders.get(upstream) as number) < at) i--;
        leaves.splice(i, 0, parent);
      }
    }
    this.#sizes.set(upstream, size);
    for (const [namespace, root] of this.#roots) if (root.children.size === 0) this.#roots.delete(namespace);
  }
}
