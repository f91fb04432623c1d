/**
 * @module routing/router
 * Which upstream gets a request, as SGLang's cache-aware router decides: the one thought to hold the
 * longest prefix of the prompt in the request's cache namespace, unless it has more than `balanceAbs`
 * requests in flight above the least loaded one, or the prefix is too short a share of the prompt to
 * matter; then the least loaded (fewest cached characters first, so new prefixes go where there is room).
 * Round-robin is there to compare against. Plain data in and out.
 */

export const ROUTING_POLICIES = ['cache', 'round-robin'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];

export interface Candidate {
  name: string;
  inFlight: number;
  /** Characters of the prompt this upstream is thought to hold. */
  matchedChars: number;
  /** Characters the prefix index attributes to it in all. */
  cachedChars: number;
}

export interface RouteOptions {
  policy: RoutingPolicy;
  /** How many more requests in flight than the least loaded the cache's choice may have. */
  balanceAbs: number;
  /** The least share of the prompt a match must cover to route by it. */
  cacheThreshold: number;
}

export interface Route {
  name: string;
  by: 'cache' | 'load' | 'round-robin';
}

/** `turn` counts the router's decisions, for round-robin. Candidates are never empty. */
export function pickUpstream(candidates: readonly Candidate[], promptChars: number, options: RouteOptions, turn: number): Route {
  if (options.policy === 'round-robin') return { name: candidates[turn % candidates.length].name, by: 'round-robin' };
  const minLoad = Math.min(...candidates.map((c) => c.inFlight));
  const best = candidates.reduce((a, b) => (b.matchedChars > a.matchedChars || (b.matchedChars === a.matchedChars && b.inFlight < a.inFlight) ? b : a));
  if (best.matchedChars > 0 && best.matchedChars >= options.cacheThreshold * promptChars && best.inFlight - minLoad <= options.balanceAbs) {
    return { name: best.name, by: 'cache' };
  }
  const idle = candidates.filter((c) => c.inFlight === minLoad);
  const roomiest = idle.reduce((a, b) => (b.cachedChars < a.cachedChars ? b : a));
  return { name: roomiest.name, by: 'load' };
}
