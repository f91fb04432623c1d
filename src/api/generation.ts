/**
 * What /chat/completions and /completions share: request fields → engine sampling parameters, `n`
 * choices run side by side (they share the prompt's prefix cache), merged event streams, latency
 * metrics, and DeepSeek's usage object.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GenerateInput, Generation } from '../engine/client.ts';
import { chatOnlyError, estimateChatTokens, hasOutput, type ChatInput, type ForwardedChat, type ModelClient } from '../routing/model-client.ts';
import { EngineError } from '../engine/errors.ts';
import type { ModelLease, ModelMatch, ServedModel } from '../routing/registry.ts';
import type { SamplingParams, StepEvent, Usage } from '../engine/types.ts';
import { isModelAllowed, type Admission } from '../platform/gate.ts';
import { ApiError, fromEngineError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import type { AppContext } from './server.ts';

export interface SamplingFields {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  repetition_penalty?: number;
  seed?: number;
  logit_bias?: Record<string, number>;
  stop?: string | string[];
}

/** Same fingerprint for the life of the process, as OpenAI's changes with the backend configuration. */
export const SYSTEM_FINGERPRINT = `fp_seekstack_${randomBytes(4).toString('hex')}`;

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

/** Choice `index` gets seed + index, so `n` seeded choices differ from each other yet reproduce. */
function toSampling(body: SamplingFields, index: number): SamplingParams {
  const seed = body.seed ?? randomBytes(4).readUInt32LE() >>> 1;
  return {
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    topK: body.top_k ?? 0,
    minP: body.min_p ?? 0,
    // Any integer a client sends maps into llama.cpp's non-negative seed range.
    seed: (((seed + index) % 2 ** 31) + 2 ** 31) % 2 ** 31,
    presencePenalty: body.presence_penalty ?? 0,
    frequencyPenalty: body.frequency_penalty ?? 0,
    repetitionPenalty: body.repetition_penalty ?? 1,
    penaltyLastN: -1,
    logitBias: Object.entries(body.logit_bias ?? {}).map(([token, bias]) => ({ token: Number(token), bias })),
  };
}

/** The engine's finish reason as the API spells it: a failed generation is DeepSeek's insufficient_system_resource. */
export function apiFinishReason(reason: string): string {
  return reason === 'error' ? 'insufficient_system_resource' : reason;
}

/** What the choices run on: a prompt for the model's engine, or a chat-only model's chat (routing/model-client.ts). */
export type ChoicePrompt = GenerateInput['prompt'] | { chat: ForwardedChat };

export interface AdmittedRequest {
  admission: Admission;
  /** The prompt as the engine gets it: already tokens when admission had to count them; a chat with its limit set. */
  prompt: ChoicePrompt;
  /** Its length, when it was counted. */
  promptTokens: number | null;
  /**
   * The prefix-cache namespace: the caller's tenant and the request's user_id, so no tenant, and no end user
   * a tenant names, is ever served from another's cache (requests without a user_id share their tenant's).
   */
  cacheKey: string;
}

export interface AdmissionAsk {
  requestId: string;
  requestedModel: string;
  model: ServedModel;
  prompt: ChoicePrompt;
  maxTokensPerChoice: number;
  n: number;
  /** DeepSeek's user_id: the caller's end user. */
  userId?: string;
  /** Count the prompt's tokens even when the caller's limits do not need them (a response that reports them up front). */
  needsPromptTokens?: boolean;
}

/**
 * Admit a request on the caller's limits and budget. When they need the prompt's token count, the prompt
 * is tokenized here and the engine gets the tokens, so it is still tokenized once. A chat-only model's
 * chat cannot be tokenized here: its count is estimated (estimateTokens), and the upstream's usage settles it.
 */
export async function admitRequest(
  context: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  ask: AdmissionAsk,
): Promise<AdmittedRequest> {
  const { gate } = context.platform;
  let prompt = ask.prompt;
  let promptTokens: number | null = null;
  if ('chat' in prompt) {
    if (ask.needsPromptTokens || gate.needsPromptTokens(request.caller)) promptTokens = estimateChatTokens(prompt.chat);
  } else if (ask.needsPromptTokens || gate.needsPromptTokens(request.caller)) {
    // The engine refuses a prompt longer than the context already here: its 400, not a 500.
    if ('text' in prompt) prompt = { tokens: await ask.model.client.tokenize(prompt.text, prompt.addSpecial).catch((error: unknown) => Promise.reject(toApiError(error))) };
    promptTokens = prompt.tokens.length;
  }
  // The engine stops at the context's end, so no request can use more than that (a chat-only model's context is not known here).
  const contextLeft = promptTokens === null || 'chat' in prompt ? null : ask.model.info.maxSeqLen - promptTokens;
  const admission = await gate.admit(request.caller, {
    requestId: ask.requestId,
    requestedModel: ask.requestedModel,
    modelId: ask.model.id,
    promptTokens,
    maxTokensPerChoice: contextLeft === null ? ask.maxTokensPerChoice : Math.max(1, Math.min(ask.maxTokensPerChoice, contextLeft)),
    choices: ask.n,
    userId: ask.userId,
  });
  void reply.headers(admission.headers);
  if ('chat' in prompt && admission.maxTokensPerChoice < ask.model.info.maxSeqLen) {
    // A limit below the context is the client's or its budget's; else the upstream keeps its own default
    // (OpenAI's API refuses a limit above a model's output limit, which is not known here).
    prompt = { chat: { ...prompt.chat, maxTokens: admission.maxTokensPerChoice } };
  }
  const cacheKey = `tenant:${request.caller.tenantId}${ask.userId === undefined ? '' : `:user:${ask.userId}`}`;
  return { admission, prompt, promptTokens, cacheKey };
}

/**
 * One engine request per choice; only the seed differs between them. A chat-only model's choices are
 * chats, seeded only where the client gave a seed (its other sampling fields travel in the chat).
 */
export function choiceInputs(
  body: SamplingFields & { ignore_eos?: boolean },
  n: number,
  shape: { admitted: AdmittedRequest; topLogprobs?: number; grammar?: SamplingParams['grammar']; thinkingBudget?: GenerateInput['thinkingBudget'] },
): Array<GenerateInput | ChatInput> {
  const { prompt, cacheKey } = shape.admitted;
  if ('chat' in prompt) return Array.from({ length: n }, (_, index) => ({ cacheKey, chat: prompt.chat, ...(body.seed !== undefined && { seed: body.seed + index }) }));
  return Array.from({ length: n }, (_, index) => ({
    cacheKey,
    prompt,
    sampling: { ...toSampling(body, index), grammar: shape.grammar },
    maxTokens: shape.admitted.admission.maxTokensPerChoice,
    stop: toStops(body.stop),
    topLogprobs: shape.topLogprobs,
    stopOnEog: !body.ignore_eos,
    thinkingBudget: shape.thinkingBudget,
  }));
}

function toStops(stop: string | string[] | undefined): string[] {
  return stop === undefined ? [] : typeof stop === 'string' ? [stop] : stop;
}

export interface ChoiceEvent {
  index: number;
  event: StepEvent;
}

export interface RunOptions {
  metrics: Metrics;
  model: string;
  admission: Admission;
  /** Reasoning tokens so far, for the ledger (chat counts them; plain completions have none). */
  reasoningTokens?: () => number;
}

/** HTTP 499 (nginx's "client closed request"): the ledger's status for a request its client abandoned. */
const CLIENT_CLOSED = 499;

/**
 * Submit one engine request per choice and wait until the engine has accepted all of them, so that a
 * refusal (prompt too long, queue full, a logit_bias id outside the vocabulary) is thrown here, before
 * the caller sends a status line; then the returned generator yields their events in arrival order.
 * Engine errors become ApiErrors; `signal` cancels every choice. However the run ends, the admission is
 * settled (ledger row, budget) before the generator finishes, so a client that saw the end of its
 * response finds it in the ledger.
 */
export async function runChoices(client: ModelClient, inputs: Array<GenerateInput | ChatInput>, signal: AbortSignal, options: RunOptions): Promise<AsyncGenerator<ChoiceEvent>> {
  const start = performance.now();
  const refused = new AbortController();
  const generations = inputs.map((input) => generate(client, input, AbortSignal.any([signal, refused.signal])));
  try {
    await Promise.all(generations.map((g) => g.accepted));
  } catch (error) {
    refused.abort();
    const apiError = toApiError(error);
    await options.admission.settle({ promptTokens: 0, cacheHitTokens: 0, completionTokens: 0, reasoningTokens: 0, status: apiError instanceof ApiError ? apiError.status : 500, finishReason: null });
    throw apiError;
  }
  return choiceEvents(generations, start, options);
}

/** A chat goes to the model's chat client: only a chat-only model's inputs are chats (choiceInputs). */
function generate(client: ModelClient, input: GenerateInput | ChatInput, signal: AbortSignal): Generation {
  if (!('chat' in input)) return client.generate(input, signal);
  if (!client.chat) throw new ApiError('internal', 'a chat was sent to a model that takes prompts');
  return client.chat.generate(input, signal);
}

function toApiError(error: unknown): unknown {
  return error instanceof EngineError ? fromEngineError(error) : error;
}

async function* choiceEvents(generations: Generation[], start: number, options: RunOptions): AsyncGenerator<ChoiceEvent> {
  const nextArrival = arrivals(generations);
  // Children bound to the model's label once, not hashed again for every token.
  const timeToFirstToken = options.metrics.timeToFirstToken.labels(options.model);
  const interTokenLatency = options.metrics.interTokenLatency.labels(options.model);
  const lastTokenAt = generations.map(() => 0);
  const usages: Usage[] = [];
  const finishes: string[] = [];
  let generatedTokens = 0;
  let status = 200;
  try {
    for (let arrival = await nextArrival(); arrival !== null; arrival = await nextArrival()) {
      const { index, event } = arrival;
      generatedTokens += event.tokens.length;
      if (hasOutput(event)) {
        const now = performance.now();
        if (lastTokenAt[index] === 0) timeToFirstToken.observe((now - start) / 1000);
        else interTokenLatency.observe((now - lastTokenAt[index]) / 1000);
        lastTokenAt[index] = now;
      }
      if (event.usage) {
        options.metrics.recordUsage(options.model, event.usage);
        usages.push(event.usage);
      }
      if (event.finishReason) finishes.push(apiFinishReason(event.finishReason));
      yield arrival;
    }
    if (finishes.length > 0 && finishes.every((reason) => reason === 'cancelled')) status = CLIENT_CLOSED;
  } catch (error) {
    const apiError = toApiError(error);
    status = apiError instanceof ApiError ? apiError.status : 500;
    throw apiError;
  } finally {
    // A choice that never finished (engine crash) reports no usage: count what it streamed.
    const usage = usages.length === generations.length ? sumUsage(usages) : { ...sumUsage(usages), completionTokens: generatedTokens };
    await options.admission.settle({
      promptTokens: usage.promptTokens,
      cacheHitTokens: usage.promptCacheHitTokens,
      completionTokens: usage.completionTokens,
      reasoningTokens: options.reasoningTokens?.() ?? 0,
      status,
      finishReason: finishes[0] ?? null,
    });
  }
}

/**
 * The generations' events in arrival order, one per call, with their choice's index; null once all have
 * ended. Several choices race: each one's next event is asked for as soon as its last one is taken. A
 * single choice (the usual request) reads its generation when called, which buffers what arrives
 * meanwhile: racing one promise would cost a Map entry, a race and a wrapping promise per token.
 */
function arrivals(generations: Generation[]): () => Promise<ChoiceEvent | null> {
  const iterators = generations.map((g) => g[Symbol.asyncIterator]());
  if (iterators.length === 1) {
    return async () => {
      const result = await iterators[0].next();
      return result.done ? null : { index: 0, event: result.value };
    };
  }
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<StepEvent> }>>();
  const next = (index: number) => pending.set(index, iterators[index].next().then((result) => ({ index, result })));
  iterators.forEach((_, i) => next(i));
  return async () => {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      next(index);
      return { index, event: result.value };
    }
    return null;
  };
}

export function sumUsage(usages: Usage[]): Usage {
  return usages.reduce(
    (sum, u) => ({
      // Every choice shares one prompt; count it once, as OpenAI does for n > 1.
      promptTokens: u.promptTokens,
      promptCacheHitTokens: Math.max(sum.promptCacheHitTokens, u.promptCacheHitTokens),
      completionTokens: sum.completionTokens + u.completionTokens,
    }),
    { promptTokens: 0, promptCacheHitTokens: 0, completionTokens: 0 },
  );
}

/** DeepSeek's usage object (also OpenAI's prompt/completion token details). */
export function usageBody(usage: Usage, reasoningTokens = 0) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_cache_hit_tokens: usage.promptCacheHitTokens,
    prompt_cache_miss_tokens: usage.promptTokens - usage.promptCacheHitTokens,
    prompt_tokens_details: { cached_tokens: usage.promptCacheHitTokens },
    completion_tokens_details: { reasoning_tokens: reasoningTokens },
  };
}

/**
 * The model a request names, loaded and held for it until the lease is released (`using` in the route).
 * A key that may not use the model is refused before the model is loaded, so it cannot unload another.
 */
export async function acquireModel(context: AppContext, request: FastifyRequest, name: string, options: { keepAliveMs?: number } = {}): Promise<ModelLease> {
  const match = allowedModel(context, request, name);
  try {
    return await context.models.acquire(match, options);
  } catch (error) {
    throw error instanceof EngineError ? fromEngineError(error) : error;
  }
}

/** Refuses a chat-only model (served by `kind=openai` upstreams) where `what` needs a prompt rendered or tokenized here. */
export function refuseChatOnly(model: ServedModel, what: string): void {
  if (model.client.chat) throw new ApiError('invalid_request', chatOnlyError(model.id, what).message);
}

/** The model a request names, if it exists and the caller's key may use it; nothing is loaded. */
export function allowedModel(context: AppContext, request: FastifyRequest, name: string): ModelMatch {
  const match = context.models.resolve(name);
  if (!match) throw new ApiError('model_not_found', `the model '${name}' does not exist; GET /models lists the models served here`, 'model');
  if (!isModelAllowed(request.caller.key, name, match.model.id)) throw new ApiError('model_not_allowed', `this API key may not use the model '${name}'`, 'model');
  return match;
}

/** The token text OpenAI puts in logprobs entries: the token's bytes, decoded leniently. */
export function tokenText(bytes: number[]): string {
  return Buffer.from(bytes).toString('utf8');
}
