/**
 * GET /ps: the models loaded (or loading) now, as `ollama ps` shows them: memory estimate, slots, requests
 * holding the model, idle time and when keep-alive unloads it. Only models the caller's key may use.
 */
import type { FastifyInstance } from 'fastify';
import { isModelAllowed } from '../../platform/gate.ts';
import type { AppContext } from '../server.ts';

export function psRoutes(app: FastifyInstance, { models }: AppContext): void {
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
    };
  });
}
