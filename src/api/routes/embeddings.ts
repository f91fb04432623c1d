/** POST /embeddings: OpenAI's embeddings API (string, strings, token array or token arrays; float or base64). */
import type { FastifyInstance } from 'fastify';
import type { EmbedInput } from '../../engine/embedder.ts';
import { base64Floats, runEmbeddings } from '../embeddings.ts';
import { EmbeddingRequest } from '../schemas/embeddings.ts';
import type { AppContext } from '../server.ts';

function inputsOf(input: EmbeddingRequest['input']): EmbedInput[] {
  if (typeof input === 'string') return [{ text: input }];
  if (input.every((item): item is number => typeof item === 'number')) return [{ tokens: input }];
  return (input as Array<string | number[]>).map((item) => (typeof item === 'string' ? { text: item } : { tokens: item }));
}

export function embeddingRoutes(app: FastifyInstance, context: AppContext): void {
  app.post<{ Body: EmbeddingRequest }>('/embeddings', { schema: { body: EmbeddingRequest } }, async (request, reply) => {
    const body = request.body;
    // An input longer than the context is refused, as OpenAI does, never cut silently.
    const result = await runEmbeddings(context, request, reply, { requestedModel: body.model, inputs: inputsOf(body.input), truncate: false, dimensions: body.dimensions, normalize: true });
    const encode = body.encoding_format === 'base64' ? base64Floats : (vector: number[]) => vector;
    return {
      object: 'list',
      data: result.vectors.map((vector, index) => ({ object: 'embedding', index, embedding: encode(vector) })),
      model: body.model,
      usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
    };
  });
}
