/**
 * @module routing/node-dialect
 * A Seekstack node (`serve --role node`) as an upstream: the engine protocol itself over HTTP, so a remote
 * model behaves exactly as a local one (token ids, logprobs, grammars, stop strings, cache-hit usage).
 * Every call carries the node token; the tenant's cache namespace travels in NODE_NAMESPACE_HEADER,
 * which the node trusts only with that token (api/routes/node.ts).
 */
import { Type } from '@sinclair/typebox';
import type { GenerateInput } from '../engine/client.ts';
import type { EmbedInput, Embeddings } from '../engine/embedder.ts';
import { compileParser, ModelInfoSchema, NodeStreamMessageSchema } from '../engine/protocol.ts';
import type { StepEvent } from '../engine/types.ts';
import { authorization, endpoint, type Connection, type Dialect, type RemoteModel } from './dialect.ts';
import { failureOf, UpstreamError } from './errors.ts';
import { drain, lines, readJson, send } from './http.ts';

export const NODE_NAMESPACE_HEADER = 'x-seekstack-cache-namespace';

const parseModels = compileParser(Type.Object({ data: Type.Array(Type.Object({ id: Type.String(), info: ModelInfoSchema })) }), 'model list from a node');
const parseMessage = compileParser(NodeStreamMessageSchema, 'message from a node');
const parseTokens = compileParser(Type.Object({ tokens: Type.Array(Type.Integer({ minimum: 0 })) }), 'tokenization from a node');
const parseText = compileParser(Type.Object({ text: Type.String() }), 'detokenization from a node');
const parseEmbeddings = compileParser(
  Type.Object({ vectors: Type.Array(Type.Array(Type.Number())), tokenCounts: Type.Array(Type.Integer()), pooling: Type.Union([Type.Literal('mean'), Type.Literal('cls'), Type.Literal('last')]) }),
  'embeddings from a node',
);

/** A whole JSON answer from the node, or the UpstreamError its status means. */
async function call(connection: Connection, path: string, body?: unknown): Promise<unknown> {
  const url = endpoint(connection, path);
  let response;
  try {
    response = await send(connection.agent, url, { method: body === undefined ? 'GET' : 'POST', headers: authorization(connection), body, timeoutMs: connection.connectTimeoutMs });
  } catch (error) {
    throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name}: ${(error as Error).message}`);
  }
  const json = await readJson(response.body).catch(() => null);
  if (response.status !== 200) throw failureOf(connection.spec.name, response.status, response.headers, json);
  return json;
}

async function* events(connection: Connection, stream: AsyncGenerator<string>): AsyncGenerator<StepEvent> {
  try {
    for await (const line of stream) {
      if (line === '') continue;
      const message = parseMessage(JSON.parse(line));
      if (message.type === 'step') {
        for (const event of message.events) {
          yield event as StepEvent;
          if (event.finishReason) return await drain(stream);
        }
      } else if (message.type === 'rejected') {
        throw new UpstreamError('unreachable', message.code, `upstream ${connection.spec.name}: ${message.message}`);
      }
    }
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name} broke off the stream: ${(error as Error).message}`);
  }
  throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name} ended the stream before the request finished`);
}

export const nodeDialect: Dialect = {
  level: 'prompt',
  healthPath: '/health',

  async discover(connection): Promise<RemoteModel[]> {
    return parseModels(await call(connection, '/node/models')).data;
  },

  async generate(connection, model, input: GenerateInput, signal) {
    const { cacheKey, ...rest } = input;
    let response;
    try {
      response = await send(connection.agent, endpoint(connection, '/node/generate'), {
        method: 'POST',
        headers: { ...authorization(connection), [NODE_NAMESPACE_HEADER]: cacheKey, accept: 'application/x-ndjson' },
        body: { model, input: rest },
        signal,
        timeoutMs: connection.connectTimeoutMs,
      });
    } catch (error) {
      throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name}: ${(error as Error).message}`);
    }
    if (response.status !== 200) throw failureOf(connection.spec.name, response.status, response.headers, await readJson(response.body).catch(() => null));
    const stream = lines(response.body);
    // The node answers 200 only after its engine accepted the request; its first line says so.
    const isAccepted = await stream
      .next()
      .then((first) => !first.done && parseMessage(JSON.parse(first.value)).type === 'accepted')
      .catch(() => false);
    if (!isAccepted) throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name} did not accept the request`);
    return events(connection, stream);
  },

  async tokenize(connection, model, text, addSpecial) {
    return parseTokens(await call(connection, '/node/tokenize', { model, text, addSpecial })).tokens;
  },

  async detokenize(connection, model, tokens) {
    return parseText(await call(connection, '/node/detokenize', { model, tokens })).text;
  },

  async embed(connection, model, inputs: EmbedInput[], truncate): Promise<Embeddings> {
    const answer = parseEmbeddings(await call(connection, '/node/embed', { model, inputs, truncate }));
    return { ...answer, vectors: answer.vectors.map((v) => Float32Array.from(v)) };
  },
};
