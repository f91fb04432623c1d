/**
 * POST /api/chat and /api/generate: Ollama's generation API over the same models, keys, limits and
 * ledger as /v1. Chat goes through the model's own template; generate does too unless `raw`, and with
 * `suffix` it fills in the middle. A request with no prompt loads the model (`done_reason: load`), or
 * with `keep_alive: 0` unloads it (`unload`), as Ollama's clients use it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RenderedChat, ToolCallDelta } from '../../chat/index.ts';
import { prepareChat, responseGrammar, type ChatPrompt } from '../chat-prompt.ts';
import { ApiError } from '../errors.ts';
import { acquireModel, allowedModel, refuseChatOnly, type ChoicePrompt } from '../generation.ts';
import { runOllamaGeneration, Timings, type OllamaDelta } from '../ollama/generate.ts';
import { chatMessages, keepAliveMs, maxTokens, refuseImages, responseFormat, samplingFields, thinkingFields } from '../ollama/request.ts';
import type { ChatRequest } from '../schemas/chat.ts';
import { OllamaChatRequest, OllamaGenerateRequest } from '../schemas/ollama.ts';
import type { AppContext } from '../server.ts';
import { infillTokens } from './completions.ts';

/** Output that continues the prompt as it is: no template opened a reasoning block. */
const CONTINUATION: RenderedChat = { prompt: '', startsInReasoning: false, continuesPrefix: true };

/** Ollama's tool call: arguments as an object (the raw text when the model wrote no valid JSON). */
function toolCall(call: ToolCallDelta) {
  let args: unknown;
  try {
    args = JSON.parse(call.function.arguments);
  } catch {
    args = call.function.arguments;
  }
  return { id: call.id, function: { index: call.index, name: call.function.name, arguments: args } };
}

function chatBody(delta: OllamaDelta) {
  return {
    message: {
      role: 'assistant',
      content: delta.content,
      ...(delta.reasoning !== '' && { thinking: delta.reasoning }),
      ...(delta.toolCalls.length > 0 && { tool_calls: delta.toolCalls.map(toolCall) }),
    },
  };
}

function generateBody(delta: OllamaDelta) {
  return { response: delta.content, ...(delta.reasoning !== '' && { thinking: delta.reasoning }) };
}

/**
 * A request without a prompt: load the model and keep it for `keep_alive`, or unload it when that is 0
 * (a model that is not loaded stays so).
 */
async function loadOrUnload(context: AppContext, request: FastifyRequest, name: string, keepAlive: number | undefined, empty: object) {
  const match = allowedModel(context, request, name);
  const isUnload = keepAlive === 0;
  if (!isUnload || match.model.state !== 'unloaded') (await acquireModel(context, request, name, { keepAliveMs: keepAlive })).release();
  return { model: name, created_at: new Date().toISOString(), ...empty, done: true, done_reason: isUnload ? 'unload' : 'load' };
}

export function ollamaGenerateRoutes(app: FastifyInstance, context: AppContext): void {
  app.post<{ Body: OllamaChatRequest }>('/chat', { schema: { body: OllamaChatRequest } }, async (request: FastifyRequest<{ Body: OllamaChatRequest }>, reply: FastifyReply) => {
    const body = request.body;
    const timings = new Timings();
    const keepAlive = keepAliveMs(body.keep_alive);
    const messages = body.messages ?? [];
    if (messages.length === 0) return loadOrUnload(context, request, body.model, keepAlive, chatBody({ reasoning: '', content: '', toolCalls: [] }));
    refuseImages(body.model, messages.map((m) => m.images));
    // Held until the response ends: the return awaits the generation, so `using` disposes after it.
    using lease = await acquireModel(context, request, body.model, { keepAliveMs: keepAlive });
    timings.loaded();
    const chat: ChatRequest = { model: body.model, messages: chatMessages(messages), tools: body.tools, response_format: responseFormat(body.format), ...thinkingFields(body.think) };
    const prompt = await prepareChat(lease, chat);
    return await runOllamaGeneration(context, request, reply, {
      lease,
      requestedModel: body.model,
      prompt: 'forwarded' in prompt ? { chat: prompt.forwarded } : { text: prompt.rendered.prompt, addSpecial: false },
      chat: prompt,
      sampling: samplingFields(body.options),
      maxTokens: maxTokens(body.options, lease.model.info.maxSeqLen),
      topLogprobs: body.logprobs ? (body.top_logprobs ?? 0) : undefined,
      isStreamed: body.stream ?? true,
      timings,
      body: chatBody,
    });
  });

  app.post<{ Body: OllamaGenerateRequest }>('/generate', { schema: { body: OllamaGenerateRequest } }, async (request: FastifyRequest<{ Body: OllamaGenerateRequest }>, reply: FastifyReply) => {
    const body = request.body;
    const timings = new Timings();
    const keepAlive = keepAliveMs(body.keep_alive);
    if (body.template) {
      throw new ApiError('invalid_parameter', "'template' (an Ollama Go template) is not supported: the model's own chat template is used, or send raw: true with a prompt you formatted yourself", 'template');
    }
    const text = body.prompt ?? '';
    const history = body.context ?? [];
    if (text === '' && history.length === 0 && !body.suffix) return loadOrUnload(context, request, body.model, keepAlive, generateBody({ reasoning: '', content: '', toolCalls: [] }));
    refuseImages(body.model, [body.images]);
    using lease = await acquireModel(context, request, body.model, { keepAliveMs: keepAlive });
    timings.loaded();
    const { model } = lease;
    const isRaw = body.raw === true || Boolean(body.suffix);
    if (isRaw || history.length > 0) refuseChatOnly(model, 'raw, suffix (fill-in-the-middle) or context');
    let chat: ChatPrompt;
    let prompt: ChoicePrompt;
    if (isRaw) {
      prompt = { tokens: body.suffix ? await infillTokens(model, text, body.suffix) : [...history, ...(await model.client.tokenize(text, history.length === 0))] };
      chat = { rendered: CONTINUATION, toolFormat: null, grammar: await responseGrammar({ response_format: responseFormat(body.format) }) };
    } else {
      const messages: ChatRequest['messages'] = [...(body.system !== undefined ? [{ role: 'system' as const, content: body.system }] : []), { role: 'user', content: text }];
      chat = await prepareChat(lease, { model: body.model, messages, response_format: responseFormat(body.format), ...thinkingFields(body.think) });
      prompt = 'forwarded' in chat ? { chat: chat.forwarded } : { tokens: [...history, ...(await model.client.tokenize(chat.rendered.prompt, false))] };
    }
    const tokens = 'tokens' in prompt ? prompt.tokens : null;
    return await runOllamaGeneration(context, request, reply, {
      lease,
      requestedModel: body.model,
      prompt,
      chat,
      sampling: samplingFields(body.options),
      maxTokens: maxTokens(body.options, model.info.maxSeqLen),
      topLogprobs: body.logprobs ? (body.top_logprobs ?? 0) : undefined,
      isStreamed: body.stream ?? true,
      timings,
      body: generateBody,
      // The conversation so far, for the next request's `context` (Ollama returns it unless raw).
      last: isRaw || !tokens ? undefined : (generated) => ({ context: [...tokens, ...generated] }),
    });
  });
}
