/**
 * @module routing/residency
 * Which models may be resident at once. Given the memory a model needs, the models resident now and the
 * limits, it answers with the idle models to unload first (least recently used first) or why the model
 * cannot be loaded. Plain data in and out, so the policy is tested without loading anything.
 */

export interface Resident {
  readonly id: string;
  /** Its memory estimate, held from the moment its load starts. */
  readonly totalBytes: number;
  /** No request holds it, so it may be unloaded. */
  readonly isIdle: boolean;
  readonly lastUsedAt: number;
}

export interface ResidencyLimits {
  readonly maxLoaded: number;
  readonly memoryLimitBytes: number;
}

export type LoadPlan =
  | { readonly canLoad: true; readonly evictIds: readonly string[] }
  /** `too_large`: more than the whole limit. `busy`: it would fit, but the models in the way are serving requests. */
  | { readonly canLoad: false; readonly reason: 'too_large' | 'busy'; readonly freeBytes: number };

export function usedBytes(residents: readonly Resident[]): number {
  return residents.reduce((sum, r) => sum + r.totalBytes, 0);
}

export function planLoad(needBytes: number, residents: readonly Resident[], limits: ResidencyLimits): LoadPlan {
  const freeBytes = Math.max(0, limits.memoryLimitBytes - usedBytes(residents));
  if (needBytes > limits.memoryLimitBytes) return { canLoad: false, reason: 'too_large', freeBytes };
  const kept = [...residents];
  const idle = residents.filter((r) => r.isIdle).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
  const evictIds: string[] = [];
  while (kept.length >= limits.maxLoaded || usedBytes(kept) + needBytes > limits.memoryLimitBytes) {
    const victim = idle.shift();
    if (!victim) return { canLoad: false, reason: 'busy', freeBytes };
    kept.splice(kept.indexOf(victim), 1);
    evictIds.push(victim.id);
  }
  return { canLoad: true, evictIds };
}
