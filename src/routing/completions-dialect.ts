/**
 * @module routing/completions-dialect
 * vLLM, SGLang and llama-server as upstreams: the gateway renders the prompt and sends it as raw text (or
 * token ids) to their OpenAI-compatible /v1/completions, streamed, so the chat template, reasoning and tool
 * parsing, limits and budgets stay the gateway's and behave the same for every API dialect. The tenant's
 * cache namespace goes to vLLM as `cache_salt` (its prefix cache then never shares blocks across salts);
 * SGLang and llama-server have no such field, so their caches are shared across tenants (README).
 * Chat templates: llama-server's /props gives its own; for vLLM and SGLang the operator names the file.
 */
import type { GenerateInput } from '../engine/client.ts';
import type { EmbedInput, Embeddings } from '../engine/embedder.ts';
import { EngineError } from '../engine/errors.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { FinishReason, StepEvent, Usage } from '../engine/types.ts';
import { authorization, endpoint, type Connection, type Dialect, type RemoteModel } from './dialect.ts';
import { failureOf, UpstreamError } from './errors.ts';
import { lines, readJson, send } from './http.ts';

/** Used when an upstream does not say its context length. */
const DEFAULT_CONTEXT = 32_768;

export interface ListedModel {
  id?: unknown;
  max_model_len?: unknown;
  meta?: { n_ctx_train?: unknown };
}

export async function call(connection: Connection, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let response;
  try {
    response = await send(connection.agent, endpoint(connection, path), { method, headers: authorization(connection), body, timeoutMs: connection.connectTimeoutMs });
  } catch (error) {
    throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name}: ${(error as Error).message}`);
  }
  const json = await readJson(response.body).catch(() => null);
  if (response.status !== 200) throw failureOf(connection.spec.name, response.status, response.headers, json);
  return json;
}

export function infoOf(id: string, listed: ListedModel, props: { chat_template?: unknown; bos_token?: unknown; eos_token?: unknown } | null, template: string | null): ModelInfo {
  const context = [listed.max_model_len, listed.meta?.n_ctx_train].find((n): n is number => typeof n === 'number' && n > 0) ?? DEFAULT_CONTEXT;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    path: id, name: id, architecture: 'remote', description: '', numParams: 0, sizeBytes: 0, trainContextLength: context, maxSeqLen: context, vocabSize: 0,
    chatTemplate: template ?? text(props?.chat_template),
    bosToken: text(props?.bos_token),
    eosToken: text(props?.eos_token),
    // The rendered prompt carries the template's own BOS; the upstream adds none for raw text (vLLM, SGLang) or its own (llama-server).
    addBos: false,
    fim: null,
    gpuLayers: 0, threads: 0, numSlots: 0, totalCells: context,
  };
}

/** The request body: sampling as vLLM and SGLang name it (llama-server reads the same names on /v1/completions). */
function completionBody(connection: Connection, model: string, input: GenerateInput): Record<string, unknown> {
  const { sampling } = input;
  const kind = connection.spec.kind;
  const body: Record<string, unknown> = {
    model,
    prompt: 'text' in input.prompt ? input.prompt.text : input.prompt.tokens,
    max_tokens: input.maxTokens,
    temperature: sampling.temperature,
    top_p: sampling.topP,
    seed: sampling.seed,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (sampling.topK > 0) body.top_k = sampling.topK;
  if (sampling.minP > 0) body.min_p = sampling.minP;
  if (sampling.presencePenalty !== 0) body.presence_penalty = sampling.presencePenalty;
  if (sampling.frequencyPenalty !== 0) body.frequency_penalty = sampling.frequencyPenalty;
  if (sampling.repetitionPenalty !== 1) body.repetition_penalty = sampling.repetitionPenalty;
  if (sampling.logitBias.length > 0) body.logit_bias = Object.fromEntries(sampling.logitBias.map(({ token, bias }) => [String(token), bias]));
  if (input.stop.length > 0) body.stop = input.stop;
  if (!input.stopOnEog) body.ignore_eos = true;
  if (sampling.grammar) {
    // GBNF: llama-server's `grammar`, vLLM's `guided_grammar`, SGLang's `ebnf`.
    body[kind === 'llama-server' ? 'grammar' : kind === 'vllm' ? 'guided_grammar' : 'ebnf'] = sampling.grammar.text;
  }
  if (kind === 'vllm') body.cache_salt = input.cacheKey;
  return body;
}

interface Chunk {
  choices?: Array<{ text?: unknown; finish_reason?: unknown }>;
  usage?: UsageBody | null;
  error?: { message?: unknown };
}

type UsageBody = { prompt_tokens?: unknown; completion_tokens?: unknown; prompt_cache_hit_tokens?: unknown; prompt_tokens_details?: { cached_tokens?: unknown } | null };

export const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0);

/** OpenAI's usage object; cache hits as DeepSeek (prompt_cache_hit_tokens) or OpenAI (cached_tokens) report them. */
export function usageOf(usage: UsageBody): Usage {
  const cached = usage.prompt_cache_hit_tokens ?? usage.prompt_tokens_details?.cached_tokens;
  return { promptTokens: count(usage.prompt_tokens), promptCacheHitTokens: count(cached), completionTokens: count(usage.completion_tokens) };
}

/** A choice's finish_reason as the engine's: DeepSeek's failure is an error, every other end a stop. */
export function finishOf(reason: unknown): FinishReason | undefined {
  if (typeof reason !== 'string') return undefined;
  return reason === 'length' ? 'length' : reason === 'insufficient_system_resource' ? 'error' : 'stop';
}

/** The JSON chunks of an OpenAI-style event stream, until [DONE]; an error chunk or a broken stream throws an UpstreamError. */
export async function* chunks<T extends { error?: { message?: unknown } }>(connection: Connection, stream: AsyncIterable<string>): AsyncGenerator<T> {
  try {
    for await (const line of stream) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data) as T;
      if (chunk.error) throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name}: ${String(chunk.error.message)}`);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name} broke off the stream: ${(error as Error).message}`);
  }
}

/** POSTs a streamed request; resolves with the event stream's lines once the upstream accepted it, or rejects with its refusal. */
export async function streamed(connection: Connection, path: string, body: unknown, signal: AbortSignal): Promise<AsyncIterable<string>> {
  let response;
  try {
    response = await send(connection.agent, endpoint(connection, path), {
      method: 'POST',
      headers: { ...authorization(connection), accept: 'text/event-stream' },
      body,
      signal,
      timeoutMs: connection.connectTimeoutMs,
    });
  } catch (error) {
    throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name}: ${(error as Error).message}`);
  }
  if (response.status !== 200) throw failureOf(connection.spec.name, response.status, response.headers, await readJson(response.body).catch(() => null));
  return lines(response.body);
}

export function endedEarly(connection: Connection): UpstreamError {
  return new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name} ended the stream before the request finished`);
}

async function* events(connection: Connection, stream: AsyncIterable<string>): AsyncGenerator<StepEvent> {
  let step = 0;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  const event = (text: string): StepEvent => ({ id: 'remote' as StepEvent['id'], step: step++, tokens: [], text });
  for await (const chunk of chunks<Chunk>(connection, stream)) {
    if (chunk.usage) usage = usageOf(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    if (typeof choice.text === 'string' && choice.text !== '') yield event(choice.text);
    finish = finishOf(choice.finish_reason) ?? finish;
  }
  if (!finish) throw endedEarly(connection);
  yield { ...event(''), finishReason: finish, usage: usage ?? { promptTokens: 0, promptCacheHitTokens: 0, completionTokens: 0 } };
}

export const completionsDialect: Dialect = {
  level: 'prompt',
  healthPath: '/health',

  async discover(connection): Promise<RemoteModel[]> {
    const list = (await call(connection, 'GET', '/v1/models')) as { data?: ListedModel[] } | null;
    const props = connection.spec.kind === 'llama-server' ? ((await call(connection, 'GET', '/props').catch(() => null)) as Record<string, unknown> | null) : null;
    return (list?.data ?? []).filter((m): m is ListedModel & { id: string } => typeof m.id === 'string').map((m) => ({ id: m.id, info: infoOf(m.id, m, props, connection.template) }));
  },

  async generate(connection, model, input, signal) {
    return events(connection, await streamed(connection, '/v1/completions', completionBody(connection, model, input), signal));
  },

  async tokenize(connection, model, text, addSpecial) {
    // llama-server: {content, add_special}; vLLM: {model, prompt, add_special_tokens}.
    const body = connection.spec.kind === 'llama-server' ? { content: text, add_special: addSpecial } : { model, prompt: text, add_special_tokens: addSpecial };
    const answer = (await call(connection, 'POST', '/tokenize', body)) as { tokens?: unknown } | null;
    if (!Array.isArray(answer?.tokens) || !answer.tokens.every((t) => Number.isInteger(t))) {
      throw new EngineError('invalid_request', `upstream ${connection.spec.name} (${connection.spec.kind}) cannot tokenize, which this request needs`);
    }
    return answer.tokens as number[];
  },

  async detokenize(connection, model, tokens) {
    const answer = (await call(connection, 'POST', '/detokenize', { model, tokens })) as { content?: unknown; prompt?: unknown } | null;
    const text = answer?.content ?? answer?.prompt;
    if (typeof text !== 'string') throw new EngineError('invalid_request', `upstream ${connection.spec.name} (${connection.spec.kind}) cannot detokenize`);
    return text;
  },

  async embed(connection, model, inputs: EmbedInput[]): Promise<Embeddings> {
    const input = inputs.map((i) => ('text' in i ? i.text : i.tokens));
    const answer = (await call(connection, 'POST', '/v1/embeddings', { model, input })) as { data?: Array<{ embedding?: unknown }>; usage?: { prompt_tokens?: unknown } } | null;
    const vectors = (answer?.data ?? []).map((d) => (Array.isArray(d.embedding) ? Float32Array.from(d.embedding as number[]) : new Float32Array()));
    if (vectors.length !== inputs.length) throw new UpstreamError('unreachable', 'engine_unavailable', `upstream ${connection.spec.name} answered ${vectors.length} embeddings for ${inputs.length} inputs`);
    // Per-input counts are not reported; the total is split evenly so budgets still see it.
    const total = count(answer?.usage?.prompt_tokens);
    return { vectors, tokenCounts: inputs.map((_, i) => Math.floor(total / inputs.length) + (i < total % inputs.length ? 1 : 0)), pooling: 'mean' };
  },
};
