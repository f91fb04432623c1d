/**
 * Ollama's model management: GET /api/tags (every servable model), POST /api/show, GET /api/ps (the
 * loaded ones), POST /api/pull (the existing pull, its progress streamed as Ollama's status lines, the
 * model served as soon as it is complete) and DELETE /api/delete. Pull and delete change what the
 * server holds, so with keys they need an admin key. /api/version is registered open, beside /health.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServableModel } from '../../routing/registry.ts';
import type { PullEvent } from '../../models/download.ts';
import { ModelError, type ModelErrorCode } from '../../models/errors.ts';
import { removeModel } from '../../models/library.ts';
import { pullModel } from '../../models/pull.ts';
import { isModelAllowed } from '../../platform/gate.ts';
import { ApiError, type ApiErrorCode } from '../errors.ts';
import { allowedModel } from '../generation.ts';
import { modelCapabilities, modelDetails, modelInfo, servedModelFacts } from '../ollama/model-facts.ts';
import { NdjsonStream } from '../ollama/stream.ts';
import { OllamaModelRequest } from '../schemas/ollama.ts';
import type { AppContext } from '../server.ts';

/** Far enough ahead to read as "never" (Ollama shows a model kept for good with a date centuries away). */
const NEVER = new Date('2318-01-01T00:00:00Z').toISOString();

const FROM_MODEL_ERROR: Record<ModelErrorCode, ApiErrorCode> = {
  model_not_found: 'not_found',
  remote_not_found: 'not_found',
  ambiguous: 'invalid_request',
  gated: 'permission_denied',
  bundled: 'invalid_request',
  disk_full: 'insufficient_storage',
  checksum_mismatch: 'upstream_failed',
  download_failed: 'upstream_failed',
};

function toApiError(error: unknown): unknown {
  return error instanceof ModelError ? new ApiError(FROM_MODEL_ERROR[error.code], error.message, 'model') : error;
}

function nameOf(body: OllamaModelRequest): string {
  const name = body.model ?? body.name;
  if (name === undefined) throw new ApiError('invalid_request', "missing required parameter 'model'", 'model');
  return name;
}

/** Pulling and deleting change the models every tenant sees. */
function requireAdmin(request: FastifyRequest): void {
  const { key } = request.caller;
  if (key && !key.isAdmin) throw new ApiError('permission_denied', 'pulling and deleting models needs an admin key (seekstack keys create --tenant <t> --admin)');
}

function tagEntry(model: ServableModel) {
  const facts = servedModelFacts(model);
  return { name: model.id, model: model.id, modified_at: facts.modifiedAt, size: facts.sizeBytes, digest: facts.digest, details: modelDetails(facts) };
}

/** Ollama's status line for one pull event. */
function progressLine(event: PullEvent) {
  switch (event.kind) {
    case 'waiting':
      return { status: `waiting for another pull of ${event.file}` };
    case 'retry':
      return { status: `retrying ${event.file} (attempt ${event.attempt}): ${event.reason}` };
    case 'progress':
      return { status: `pulling ${event.file}`, digest: event.file, total: event.totalBytes, completed: event.receivedBytes };
    case 'done':
      return { status: event.verified ? `verified sha256 digest of ${event.file}` : `pulled ${event.file}`, digest: event.file, total: event.sizeBytes, completed: event.sizeBytes };
  }
}

export function ollamaVersionRoute(app: FastifyInstance, version: string): void {
  app.get('/api/version', async () => ({ version }));
}

export function ollamaModelRoutes(app: FastifyInstance, context: AppContext): void {
  const { models } = context;
  const isVisible = (request: FastifyRequest, model: ServableModel) => isModelAllowed(request.caller.key, model.id, model.id);

  app.get('/tags', async (request) => ({ models: models.list().filter((m) => isVisible(request, m)).map(tagEntry) }));

  app.post<{ Body: OllamaModelRequest }>('/show', { schema: { body: OllamaModelRequest } }, async (request) => {
    const { model } = allowedModel(context, request, nameOf(request.body));
    const facts = servedModelFacts(model);
    return {
      modelfile: `# Served by Seekstack\nFROM ${model.path}\n`,
      parameters: '',
      template: facts.summary.chatTemplate ?? '',
      details: modelDetails(facts),
      model_info: modelInfo(facts, request.body.verbose === true),
      capabilities: modelCapabilities(facts),
      modified_at: facts.modifiedAt,
    };
  });

  app.get('/ps', async (request) => {
    const now = Date.now();
    return {
      models: models
        .list()
        .filter((m) => m.state !== 'unloaded' && isVisible(request, m))
        .map((m) => {
          const keepAliveMs = models.keepAliveOf(m);
          const expiresAt = keepAliveMs < 0 ? NEVER : new Date((m.numLeases > 0 ? now : m.lastUsedAt) + keepAliveMs).toISOString();
          // The server cannot see device memory (as with --memory-limit), so nothing is reported as in VRAM.
          return { ...tagEntry(m), size: m.memory.totalBytes, expires_at: expiresAt, size_vram: 0, context_length: m.memory.contextTokens };
        }),
    };
  });

  app.post<{ Body: OllamaModelRequest }>('/pull', { schema: { body: OllamaModelRequest } }, async (request, reply: FastifyReply) => {
    requireAdmin(request);
    const name = nameOf(request.body);
    const library = context.library;
    if (!library) throw new ApiError('invalid_request', 'this server has no model library to pull into (it serves only the models it was started with)');
    const pull = async (onEvent?: (event: PullEvent) => void) => {
      const pulled = await pullModel(name, { dataDir: library.dataDir, onEvent });
      models.add({ config: library.configFor(pulled.path), name: pulled.name });
    };
    if (request.body.stream === false) {
      try {
        await pull();
      } catch (error) {
        throw toApiError(error);
      }
      return { status: 'success' };
    }
    const out = new NdjsonStream(reply, context.keepAliveMs);
    out.send({ status: 'pulling manifest' });
    try {
      await pull((event) => out.send(progressLine(event)));
    } catch (error) {
      out.fail(toApiError(error));
      return reply;
    }
    out.send({ status: 'success' });
    out.done();
    return reply;
  });

  app.delete<{ Body: OllamaModelRequest }>('/delete', { schema: { body: OllamaModelRequest } }, async (request, reply) => {
    requireAdmin(request);
    const name = nameOf(request.body);
    const library = context.library;
    if (!library) throw new ApiError('invalid_request', 'this server has no model library to delete from');
    let removed;
    try {
      removed = removeModel(library.dataDir, name);
    } catch (error) {
      throw toApiError(error);
    }
    const served = models.list().find((m) => m.path === removed.path);
    if (served) models.remove(served.id);
    return reply.code(200).send();
  });
}
