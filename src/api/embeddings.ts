/**
 * What /v1/embeddings, /api/embed and /api/embeddings share: the model held for the request, the same
 * key check, limits, budget and ledger as generation (the input tokens are the prompt, nothing is
 * generated), and the engine's pooled vectors, cut to `dimensions` and L2-normalized where asked.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmbedInput } from '../engine/embedder.ts';
import { EngineError } from '../engine/errors.ts';
import { ApiError, fromEngineError } from './errors.ts';
import { acquireModel, newId, refuseChatOnly } from './generation.ts';
import type { AppContext } from './server.ts';

export interface EmbeddingAsk {
  requestedModel: string;
  inputs: EmbedInput[];
  /** Cut an input longer than the context instead of refusing it. */
  truncate: boolean;
  /** Keep the first `dimensions` components (a Matryoshka cut) before normalizing. */
  dimensions?: number;
  /** Unit length, as OpenAI's and Ollama's /api/embed vectors are. */
  normalize: boolean;
  keepAliveMs?: number;
}

export interface EmbeddingResult {
  modelId: string;
  vectors: number[][];
  promptTokens: number;
  /** When the model was ready, in performance.now() milliseconds (Ollama's load_duration). */
  loadedAt: number;
}

export async function runEmbeddings(context: AppContext, request: FastifyRequest, reply: FastifyReply, ask: EmbeddingAsk): Promise<EmbeddingResult> {
  using lease = await acquireModel(context, request, ask.requestedModel, { keepAliveMs: ask.keepAliveMs });
  const loadedAt = performance.now();
  const { model } = lease;
  refuseChatOnly(model, 'an embedding');
  const { gate } = context.platform;
  let inputs = ask.inputs;
  // Limits and budgets count the tokens before admission; the engine then embeds exactly those tokens.
  if (gate.needsPromptTokens(request.caller)) {
    inputs = await Promise.all(inputs.map(async (input) => ('tokens' in input ? input : { tokens: await model.client.tokenize(input.text, true) })));
  }
  const counted = inputs.every((input) => 'tokens' in input) ? inputs.reduce((sum, input) => sum + (input as { tokens: number[] }).tokens.length, 0) : null;
  const admission = await gate.admit(request.caller, { requestId: newId('embd'), requestedModel: ask.requestedModel, modelId: model.id, promptTokens: counted, maxTokensPerChoice: 0, choices: 1 });
  void reply.headers(admission.headers);
  const outcome = { cacheHitTokens: 0, completionTokens: 0, reasoningTokens: 0, finishReason: null };
  let embeddings;
  try {
    embeddings = await model.client.embed(inputs, ask.truncate);
  } catch (error) {
    const apiError = error instanceof EngineError ? fromEngineError(error) : error;
    await admission.settle({ ...outcome, promptTokens: 0, status: apiError instanceof ApiError ? apiError.status : 500 });
    throw apiError;
  }
  const promptTokens = embeddings.tokenCounts.reduce((sum, n) => sum + n, 0);
  await admission.settle({ ...outcome, promptTokens, status: 200 });
  const size = embeddings.vectors[0]?.length ?? 0;
  if (ask.dimensions !== undefined && ask.dimensions > size) {
    throw new ApiError('invalid_parameter', `dimensions must be at most ${size} for the model '${ask.requestedModel}'`, 'dimensions');
  }
  const vectors = embeddings.vectors.map((vector) => {
    const cut = Array.from(vector.subarray(0, ask.dimensions ?? size));
    return ask.normalize ? normalized(cut) : cut;
  });
  return { modelId: model.id, vectors, promptTokens, loadedAt };
}

function normalized(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return norm > 0 ? vector.map((x) => x / norm) : vector;
}

/** OpenAI's `encoding_format: base64`: the float32 values, little-endian, base64-encoded. */
export function base64Floats(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}
