/** GET /models (also /beta/models) and /models/:id, listing DeepSeek's names, the operator's aliases and every servable model, loaded or not. */
import type { FastifyInstance } from 'fastify';
import { isModelAllowed } from '../../platform/gate.ts';
import type { KeyRecord } from '../../store/platform-store.ts';
import { ApiError } from '../errors.ts';
import type { AppContext } from '../server.ts';

const CREATED = Math.floor(Date.now() / 1000);

function entry(id: string) {
  return { id, object: 'model', created: CREATED, owned_by: 'seekstack' };
}

function isVisible({ models }: AppContext, key: KeyRecord | null, name: string): boolean {
  const resolved = models.resolve(name);
  return resolved !== null && isModelAllowed(key, name, resolved.model.id);
}

/** Every name the caller's key may use: aliases first, then the models' own ids. */
export function visibleModelIds(context: AppContext, key: KeyRecord | null): string[] {
  return [...context.models.aliasNames(), ...context.models.list().map((m) => m.id)].filter((id) => isVisible(context, key, id));
}

/** Only what the caller's key may use is listed or found. */
export function modelRoutes(app: FastifyInstance, context: AppContext): void {
  for (const url of ['/models', '/beta/models']) app.get(url, async (request) => ({ object: 'list', data: visibleModelIds(context, request.caller.key).map(entry) }));
  app.get<{ Params: { id: string } }>('/models/:id', async (request) => {
    if (!isVisible(context, request.caller.key, request.params.id)) throw new ApiError('model_not_found', `the model '${request.params.id}' does not exist`, 'model');
    return entry(request.params.id);
  });
}
