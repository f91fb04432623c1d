/**
 * GET /ps: the models loaded (or loading) now, as `ollama ps` shows them: memory estimate, slots, requests
 * holding the model, idle time and when keep-alive unloads it. Only models the caller's key may use.
 * Then the upstreams: health, breaker, requests in flight and the models each serves.
 */
import type { FastifyInstance } from 'fastify';
import { isModelAllowed } from '../../platform/gate.ts';
import type { AppContext } from '../server.ts';

export function psRoutes(app: FastifyInstance, { models, upstreams }: AppContext): void {
  app.get('/ps', async (request) => {
    const now = Date.now();
    const { maxLoaded, memoryLimitBytes } = models.options;
    const resident = models.list().filter((m) => m.state !== 'unloaded');
    return {
      object: 'list',
      max_loaded: maxLoaded,
      memory_limit_bytes: memoryLimitBytes,
      memory_used_bytes: resident.reduce((sum, m) => sum + m.memory.totalBytes, 0),
      data: resident
        .filter((m) => isModelAllowed(request.caller.key, m.id, m.id))
        .map((m) => ({
          id: m.id,
          object: 'model.process',
          path: m.path,
          state: m.state,
          pid: m.client?.pid ?? null,
          memory: {
            total_bytes: m.memory.totalBytes,
            weights_bytes: m.memory.weightsBytes,
            kv_cache_bytes: m.memory.kvCacheBytes,
            overhead_bytes: m.memory.overheadBytes,
            context_tokens: m.memory.contextTokens,
          },
          slots: m.client?.model.numSlots ?? null,
          active_requests: m.numLeases,
          idle_seconds: m.numLeases === 0 ? (now - m.lastUsedAt) / 1000 : 0,
          // Null while requests hold it, or when keep-alive never unloads.
          expires_in_seconds: m.numLeases === 0 && models.keepAliveOf(m) >= 0 ? Math.max(0, m.lastUsedAt + models.keepAliveOf(m) - now) / 1000 : null,
        })),
      // The servers remote models are routed to; only an admin key sees their addresses.
      upstreams: (upstreams?.snapshot() ?? []).map((u) => ({
        name: u.name,
        url: request.caller.key === null || request.caller.key.isAdmin ? u.url : null,
        kind: u.kind,
        healthy: u.isHealthy,
        breaker: u.breaker,
        in_flight: u.inFlight,
        max_in_flight: u.maxInFlight,
        models: u.models.filter((id) => isModelAllowed(request.caller.key, id, id)),
        cached_chars: u.cachedChars,
        last_error: u.lastError,
      })),
    };
  });
}
