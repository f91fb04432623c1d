/**
 * @module api/routes/node
 * What a Seekstack node (`serve --role node`) offers the gateway in front of it, under /node: its loaded
 * models with what the gateway needs to render their prompts, and the engine protocol itself over HTTP
 * (a submit in, newline-delimited engine messages out: `accepted`, then `step`s, or `rejected`), plus
 * tokenize, detokenize and embed. Only the node token opens these routes, and only through them does a
 * caller name the prefix-cache namespace (NODE_NAMESPACE_HEADER): a client of the node's own API cannot.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EngineError } from '../../engine/errors.ts';
import { SubmitSchema, type NodeStreamMessage } from '../../engine/protocol.ts';
import type { StepEvent } from '../../engine/types.ts';
import { NODE_NAMESPACE_HEADER } from '../../routing/node-dialect.ts';
import type { ModelLease } from '../../routing/registry.ts';
import { ApiError, fromEngineError } from '../errors.ts';
import { isBearer } from '../probe-access.ts';
import type { AppContext } from '../server.ts';

const Model = Type.String({ minLength: 1, maxLength: 1024 });
const Tokens = Type.Array(Type.Integer({ minimum: 0 }));

const GenerateBody = Type.Object({ model: Model, input: Type.Omit(SubmitSchema, ['type', 'id', 'cacheKey']) });
const TokenizeBody = Type.Object({ model: Model, text: Type.String(), addSpecial: Type.Boolean() });
const DetokenizeBody = Type.Object({ model: Model, tokens: Tokens });
const EmbedBody = Type.Object({
  model: Model,
  inputs: Type.Array(Type.Union([Type.Object({ text: Type.String() }), Type.Object({ tokens: Tokens })]), { minItems: 1 }),
  truncate: Type.Boolean(),
});

/** Namespaces the gateway names live apart from this node's own tenants' (`tenant:…`). */
export function gatewayCacheKey(namespace: string): string {
  return `gateway:${namespace}`;
}

export function nodeRoutes(app: FastifyInstance, context: AppContext, nodeToken: string): void {
  app.addHook('onRequest', async (request) => {
    if (!isBearer(request.headers.authorization, nodeToken)) throw new ApiError('authentication_failed', 'Authentication Fails (the /node routes need the node token, --node-token)');
  });

  /** The model by its id here (the gateway names models by the ids /node/models gave), held for the request. */
  const acquire = async (name: string): Promise<ModelLease> => {
    const match = context.models.resolve(name);
    if (!match || match.model.isRemote) throw new ApiError('model_not_found', `the model '${name}' is not served by this node`, 'model');
    try {
      return await context.models.acquire({ model: match.model });
    } catch (error) {
      throw error instanceof EngineError ? fromEngineError(error) : error;
    }
  };
  const rpc = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw error instanceof EngineError ? fromEngineError(error) : error;
    }
  };

  app.get('/models', async () => ({
    data: context.models.list().flatMap((m) => (m.isRemote || !m.client ? [] : [{ id: m.id, info: m.client.model }])),
  }));

  app.post<{ Body: Static<typeof GenerateBody> }>('/generate', { schema: { body: GenerateBody } }, async (request, reply) => {
    const namespace = request.headers[NODE_NAMESPACE_HEADER];
    if (typeof namespace !== 'string' || namespace === '') throw new ApiError('invalid_request', `the ${NODE_NAMESPACE_HEADER} header is required`);
    using lease = await acquire(request.body.model);
    const cancel = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) cancel.abort();
    });
    const generation = lease.model.client.generate({ ...request.body.input, cacheKey: gatewayCacheKey(namespace) }, cancel.signal);
    // Refusals (queue full, prompt too long) are statuses, so the gateway can retry elsewhere or pass them on.
    await rpc(() => generation.accepted);
    await streamMessages(reply, generation, cancel.signal);
  });

  app.post<{ Body: Static<typeof TokenizeBody> }>('/tokenize', { schema: { body: TokenizeBody } }, async (request) => {
    using lease = await acquire(request.body.model);
    return { tokens: await rpc(() => lease.model.client.tokenize(request.body.text, request.body.addSpecial)) };
  });

  app.post<{ Body: Static<typeof DetokenizeBody> }>('/detokenize', { schema: { body: DetokenizeBody } }, async (request) => {
    using lease = await acquire(request.body.model);
    return { text: await rpc(() => lease.model.client.detokenize(request.body.tokens)) };
  });

  app.post<{ Body: Static<typeof EmbedBody> }>('/embed', { schema: { body: EmbedBody } }, async (request) => {
    using lease = await acquire(request.body.model);
    const embeddings = await rpc(() => lease.model.client.embed(request.body.inputs, request.body.truncate));
    return { ...embeddings, vectors: embeddings.vectors.map((v) => Array.from(v)) };
  });
}

/** The accepted generation's events as engine messages, one JSON line each; a failure mid-stream is a `rejected` line. */
async function streamMessages(reply: FastifyReply, generation: AsyncIterable<StepEvent>, signal: AbortSignal): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const write = (message: NodeStreamMessage) => raw.write(`${JSON.stringify(message)}\n`);
  write({ type: 'accepted', id: '' });
  try {
    for await (const event of generation) {
      if (signal.aborted) break;
      write({ type: 'step', events: [event] });
    }
  } catch (error) {
    const engineError = error instanceof EngineError ? error : new EngineError('internal', String(error));
    write({ type: 'rejected', id: '', code: engineError.code, message: engineError.message });
  }
  raw.end();
}
