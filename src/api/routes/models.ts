/** GET /models and /models/:id, listing DeepSeek's aliases and every servable model, loaded or not. */
import type { FastifyInstance } from 'fastify';
import { ALIASES } from '../../engine/registry.ts';
import { isModelAllowed } from '../../platform/gate.ts';
import type { KeyRecord } from '../../store/platform-store.ts';
import { ApiError } from '../errors.ts';
import type { AppContext } from '../server.ts';

const CREATED = Math.floor(Date.now() / 1000);

function entry(id: string) {
  return { id, object: 'model', created: CREATED, owned_by: 'seekstack' };
}

/** Only what the caller's key may use is listed or found. */
export function modelRoutes(app: FastifyInstance, { models }: AppContext): void {
  const isVisible = (key: KeyRecord | null, name: string) => {
    const resolved = models.resolve(name);
    return resolved !== null && isModelAllowed(key, name, resolved.model.id);
  };
  const ids = () => [...ALIASES.keys(), ...models.list().map((m) => m.id)];
  app.get('/models', async (request) => ({ object: 'list', data: ids().filter((id) => isVisible(request.caller.key, id)).map(entry) }));
  app.get<{ Params: { id: string } }>('/models/:id', async (request) => {
    if (!isVisible(request.caller.key, request.params.id)) throw new ApiError('model_not_found', `the model '${request.params.id}' does not exist`, 'model');
    return entry(request.params.id);
  });
}
