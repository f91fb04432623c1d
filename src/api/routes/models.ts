/** GET /models and /models/:id, listing DeepSeek's aliases and every served model. */
import type { FastifyInstance } from 'fastify';
import { ALIASES } from '../../engine/registry.ts';
import { ApiError } from '../errors.ts';
import type { AppContext } from '../server.ts';

const CREATED = Math.floor(Date.now() / 1000);

function entry(id: string) {
  return { id, object: 'model', created: CREATED, owned_by: 'seekstack' };
}

export function modelRoutes(app: FastifyInstance, { models }: AppContext): void {
  const ids = () => [...Object.keys(ALIASES), ...models.list().map((m) => m.id)];
  app.get('/models', async () => ({ object: 'list', data: ids().map(entry) }));
  app.get<{ Params: { id: string } }>('/models/:id', async (request) => {
    if (!models.resolve(request.params.id)) throw new ApiError('model_not_found', `the model '${request.params.id}' does not exist`, 'model');
    return entry(request.params.id);
  });
}
