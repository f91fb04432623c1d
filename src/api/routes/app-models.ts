/**
 * @module api/routes/app-models
 * What the assistant app needs to know about the models, beyond /models' names: each served model once,
 * with the aliases that reach it (DeepSeek's names and the operator's), its capabilities and context
 * size; and the token count of a text under a model's own tokenizer, so the app can tell before sending
 * whether an attached file fits (a text longer than the whole context is answered context_length_exceeded). Authenticated like the public API (the session, or a key).
 */
import type { FastifyInstance } from 'fastify';
import { EngineError } from '../../engine/errors.ts';
import { DEEPSEEK_NAMES } from '../../routing/registry.ts';
import { isModelAllowed } from '../../platform/gate.ts';
import { fromEngineError } from '../errors.ts';
import { acquireModel } from '../generation.ts';
import { modelCapabilities, servedModelFacts } from '../ollama/model-facts.ts';
import { TokenCount } from '../schemas/app-models.ts';
import type { AppContext } from '../server.ts';

export function appModelRoutes(app: FastifyInstance, context: AppContext): void {
  const { models } = context;

  app.get('/models', async (request) => {
    const key = request.caller.key;
    const aliases = new Map<string, Array<{ name: string; thinking: boolean | null }>>();
    for (const name of models.aliasNames()) {
      const match = models.resolve(name);
      if (!match || !isModelAllowed(key, name, match.model.id)) continue;
      const thinking = DEEPSEEK_NAMES.get(name);
      aliases.set(match.model.id, [...(aliases.get(match.model.id) ?? []), { name, thinking: thinking ?? null }]);
    }
    const data = models.list()
      .filter((model) => isModelAllowed(key, model.id, model.id) || aliases.has(model.id))
      .map((model) => {
        const capabilities = modelCapabilities(servedModelFacts(model));
        return {
          id: model.id,
          // A model the key reaches only through an alias is asked for by that alias.
          request_name: isModelAllowed(key, model.id, model.id) ? model.id : aliases.get(model.id)![0].name,
          aliases: aliases.get(model.id) ?? [],
          thinking: capabilities.includes('thinking'),
          tools: capabilities.includes('tools'),
          // Exact once loaded; before, the context the server plans for it (its own limit may be lower).
          context_length: model.client?.model.maxSeqLen ?? model.memory.contextTokens,
          state: model.state,
        };
      });
    return { data };
  });

  app.post<{ Body: TokenCount }>('/tokens', { schema: { body: TokenCount } }, async (request) => {
    using lease = await acquireModel(context, request, request.body.model);
    // A text far past the context is refused by the engine without tokenizing all of it: context_length_exceeded.
    const tokens = await lease.model.client.tokenize(request.body.text, false).catch((error: unknown) =>
      Promise.reject(error instanceof EngineError ? fromEngineError(error) : error));
    return { model: lease.model.id, tokens: tokens.length, context_length: lease.model.info.maxSeqLen };
  });
}
