/**
 * POST /api/embed (normalized vectors, many inputs, Ollama's counts and durations) and the older
 * /api/embeddings (one prompt, the raw vector, as Ollama returns it there).
 */
import type { FastifyInstance } from 'fastify';
import { runEmbeddings } from '../embeddings.ts';
import { Timings } from '../ollama/generate.ts';
import { keepAliveMs } from '../ollama/request.ts';
import { OllamaEmbeddingsRequest, OllamaEmbedRequest } from '../schemas/ollama.ts';
import type { AppContext } from '../server.ts';

export function ollamaEmbedRoutes(app: FastifyInstance, context: AppContext): void {
  app.post<{ Body: OllamaEmbedRequest }>('/embed', { schema: { body: OllamaEmbedRequest } }, async (request, reply) => {
    const body = request.body;
    const timings = new Timings();
    const texts = typeof body.input === 'string' ? [body.input] : body.input;
    const result = await runEmbeddings(context, request, reply, {
      requestedModel: body.model,
      inputs: texts.map((text) => ({ text })),
      truncate: body.truncate ?? true,
      dimensions: body.dimensions,
      normalize: true,
      keepAliveMs: keepAliveMs(body.keep_alive),
    });
    timings.loadedAt = result.loadedAt;
    const { total_duration, load_duration, prompt_eval_count } = timings.fields({ promptTokens: result.promptTokens, promptCacheHitTokens: 0, completionTokens: 0 });
    return { model: body.model, embeddings: result.vectors, total_duration, load_duration, prompt_eval_count };
  });

  app.post<{ Body: OllamaEmbeddingsRequest }>('/embeddings', { schema: { body: OllamaEmbeddingsRequest } }, async (request, reply) => {
    const body = request.body;
    // An empty prompt gets an empty vector, as Ollama answers it.
    if (body.prompt === '') return { embedding: [] };
    const result = await runEmbeddings(context, request, reply, {
      requestedModel: body.model,
      inputs: [{ text: body.prompt }],
      truncate: true,
      normalize: false,
      keepAliveMs: keepAliveMs(body.keep_alive),
    });
    return { embedding: result.vectors[0] };
  });
}
