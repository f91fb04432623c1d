/**
 * /anthropic/v1/messages, /messages/count_tokens and /models: Anthropic's Messages API as DeepSeek serves it
 * (Claude Code and the Anthropic SDKs work by changing only the base URL). A request becomes the chat
 * route's request (anthropic-request.ts) and takes the same path to the engine: the same keys, limits,
 * budget, prefix cache and ledger; only the shapes on the wire differ.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Usage } from '../../engine/types.ts';
import { estimateChatTokens } from '../../routing/model-client.ts';
import { anthropicErrorBody } from '../anthropic-errors.ts';
import { AnthropicBlocks, anthropicUsage, messageContent, stopReason, type StopReason } from '../anthropic-message.ts';
import { anthropicModelName, toChatRequest } from '../anthropic-request.ts';
import { AnthropicSseStream } from '../anthropic-sse.ts';
import type { ChatChoice } from '../chat-choice.ts';
import { chatChoice, choicePrompt, prepareChat, promptInput } from '../chat-prompt.ts';
import { ApiError } from '../errors.ts';
import { acquireModel, admitRequest, choiceInputs, runChoices } from '../generation.ts';
import { JsonReply } from '../held-response.ts';
import { AnthropicCountTokensRequest, AnthropicMessagesRequest } from '../schemas/anthropic.ts';
import type { AppContext } from '../server.ts';
import { visibleModelIds } from './models.ts';

/** Anthropic's ids: a type prefix, an underscore and random characters. */
function anthropicId(prefix: 'msg' | 'toolu'): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

const CREATED_AT = new Date().toISOString();

export function anthropicRoutes(app: FastifyInstance, context: AppContext): void {
  app.post<{ Body: AnthropicMessagesRequest }>('/v1/messages', { schema: { body: AnthropicMessagesRequest } }, async (request: FastifyRequest<{ Body: AnthropicMessagesRequest }>, reply: FastifyReply) => {
    const body = request.body;
    const servedName = anthropicModelName(context.models, body.model);
    const chat = toChatRequest(context.models, body, servedName);
    // Held until the response ends: every return below awaits the generation, so `using` disposes after it.
    using lease = await acquireModel(context, request, servedName);
    const { model } = lease;
    const prompt = await prepareChat(lease, chat);
    const id = anthropicId('msg');
    const admitted = await admitRequest(context, request, reply, {
      requestId: id,
      requestedModel: servedName,
      model,
      prompt: choicePrompt(model.info, prompt),
      maxTokensPerChoice: body.max_tokens,
      n: 1,
      userId: chat.user_id,
      // message_start reports the input tokens before the first output token.
      needsPromptTokens: body.stream === true,
    });
    const inputs = choiceInputs(chat, 1, { admitted, grammar: prompt.grammar, thinkingBudget: prompt.thinkingBudget });
    const choice = chatChoice(prompt, () => anthropicId('toolu'));
    let usage: Usage = { promptTokens: admitted.promptTokens ?? 0, promptCacheHitTokens: 0, completionTokens: 0 };
    let stop: StopReason = { stop_reason: 'end_turn', stop_sequence: null };
    const run = { metrics: context.metrics, model: model.id, admission: admitted.admission, reasoningTokens: () => choice.numReasoningTokens };
    const envelope = { id, type: 'message', role: 'assistant', model: body.model };
    const onEvent = (event: Parameters<ChatChoice['push']>[0]) => {
      const delta = choice.push(event);
      if (event.usage) usage = event.usage;
      if (event.finishReason === 'error') throw new ApiError('internal', `generation failed: ${event.error ?? 'the engine could not finish this request'}`);
      if (event.finishReason) stop = stopReason(choice, event.finishReason, event.stopSequence);
      return delta;
    };

    if (body.stream) {
      const sse = new AnthropicSseStream(reply, context.keepAliveMs);
      const blocks = new AnthropicBlocks((event) => sse.send(event));
      return await sse.pipe(
        async () => {
          const events = await runChoices(model.client, inputs, sse.signal, run);
          sse.send({ type: 'message_start', message: { ...envelope, content: [], stop_reason: null, stop_sequence: null, usage: { ...anthropicUsage(usage), output_tokens: 0 } } });
          return events;
        },
        ({ event }) => blocks.push(onEvent(event)),
        () => {
          blocks.close();
          sse.send({ type: 'message_delta', delta: stop, usage: anthropicUsage(usage) });
          sse.send({ type: 'message_stop' });
        },
      );
    }

    const held = new JsonReply(reply, context.keepAliveMs, anthropicErrorBody);
    return await held.collect(
      () => runChoices(model.client, inputs, held.signal, run),
      ({ event }) => onEvent(event),
      () => ({ ...envelope, content: messageContent(choice), ...stop, usage: anthropicUsage(usage) }),
    );
  });

  app.post<{ Body: AnthropicCountTokensRequest }>('/v1/messages/count_tokens', { schema: { body: AnthropicCountTokensRequest } }, async (request) => {
    const servedName = anthropicModelName(context.models, request.body.model);
    using lease = await acquireModel(context, request, servedName);
    const prompt = await prepareChat(lease, toChatRequest(context.models, request.body, servedName));
    // A chat-only model's tokenizer is its upstream's: the count is the estimate admission uses.
    if ('forwarded' in prompt) return { input_tokens: estimateChatTokens(prompt.forwarded) };
    const input = promptInput(lease.model.info, prompt.rendered);
    const tokens = 'tokens' in input ? input.tokens : await lease.model.client.tokenize(input.text, input.addSpecial);
    return { input_tokens: tokens.length };
  });

  const modelEntry = (id: string) => ({ type: 'model', id, display_name: id, created_at: CREATED_AT });
  app.get('/v1/models', async (request) => {
    const data = visibleModelIds(context, request.caller.key).map(modelEntry);
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  });
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => {
    if (!visibleModelIds(context, request.caller.key).includes(request.params.id)) throw new ApiError('not_found', `the model '${request.params.id}' does not exist`);
    return modelEntry(request.params.id);
  });
}
