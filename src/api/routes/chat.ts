/**
 * POST /chat/completions (and /beta/chat/completions, DeepSeek's base URL for prefix completion and strict
 * tools: the same handler): DeepSeek's chat API. The prompt comes from the model's own template; output
 * is split into reasoning_content, content and tool_calls, streamed as OpenAI-shaped SSE chunks or
 * returned whole, with DeepSeek's usage (cache hits included).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Usage } from '../../engine/types.ts';
import { chatLogprobsBody, type ChatChoice, type ChoiceDelta } from '../chat-choice.ts';
import { chatChoice, choicePrompt, prepareChat } from '../chat-prompt.ts';
import { ApiError } from '../errors.ts';
import { acquireModel, admitRequest, apiFinishReason, choiceInputs, newId, runChoices, sumUsage, SYSTEM_FINGERPRINT, usageBody } from '../generation.ts';
import { ChatRequest } from '../schemas/chat.ts';
import type { AppContext } from '../server.ts';
import { JsonReply } from '../held-response.ts';
import { SseStream } from '../sse.ts';

function finishReason(choice: ChatChoice, reason: string): string {
  return reason === 'stop' && choice.toolCalls.length > 0 ? 'tool_calls' : apiFinishReason(reason);
}

function deltaBody(delta: ChoiceDelta) {
  return {
    ...(delta.reasoning !== '' && { reasoning_content: delta.reasoning }),
    ...(delta.content !== '' && { content: delta.content }),
    ...(delta.toolCalls.length > 0 && { tool_calls: delta.toolCalls }),
  };
}

export function chatRoutes(app: FastifyInstance, context: AppContext): void {
  const handler = async (request: FastifyRequest<{ Body: ChatRequest }>, reply: FastifyReply) => {
    const body = request.body;
    if (body.top_logprobs !== undefined && !body.logprobs) {
      throw new ApiError('invalid_parameter', 'top_logprobs requires logprobs: true', 'top_logprobs');
    }
    // Held until the response ends: every return below awaits the generation, so `using` disposes after it.
    using lease = await acquireModel(context, request, body.model);
    const { model } = lease;
    const prompt = await prepareChat(lease, body);
    const n = body.n ?? 1;
    const envelope = { id: newId('chatcmpl'), created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: SYSTEM_FINGERPRINT };
    const admitted = await admitRequest(context, request, reply, {
      requestId: envelope.id,
      requestedModel: body.model,
      model,
      prompt: choicePrompt(model.info, prompt),
      userId: body.user_id,
      maxTokensPerChoice: body.max_completion_tokens ?? body.max_tokens ?? model.info.maxSeqLen,
      n,
    });
    const inputs = choiceInputs(body, n, {
      admitted,
      topLogprobs: body.logprobs ? (body.top_logprobs ?? 0) : undefined,
      grammar: prompt.grammar,
      thinkingBudget: prompt.thinkingBudget,
    });
    const choices = inputs.map(() => chatChoice(prompt));
    const usages: Usage[] = [];
    const reasoningTokens = () => choices.reduce((sum, c) => sum + c.numReasoningTokens, 0);
    const usage = () => usageBody(sumUsage(usages), reasoningTokens());
    const run = { metrics: context.metrics, model: model.id, admission: admitted.admission, reasoningTokens };

    if (body.stream) {
      const sse = new SseStream(reply, context.keepAliveMs);
      // With include_usage, every chunk says `usage: null` until the usage chunk, as OpenAI's and DeepSeek's do.
      const noUsage = body.stream_options?.include_usage ? { usage: null } : {};
      const chunk = (index: number, delta: object, finish: string | null, logprobs: object | null = null) =>
        sse.send({ ...envelope, object: 'chat.completion.chunk', choices: [{ index, delta, logprobs, finish_reason: finish }], ...noUsage });
      const started = new Set<number>();
      return await sse.pipe(
        () => runChoices(model.client, inputs, sse.signal, run),
        ({ index, event }) => {
          const choice = choices[index];
          if (!started.has(index)) {
            started.add(index);
            chunk(index, { role: 'assistant', content: '' }, null);
          }
          const pushed = choice.push(event);
          const delta = deltaBody(pushed);
          const logprobs = body.logprobs && event.logprobs ? chatLogprobsBody(pushed.reasoningLogprobs, pushed.logprobs) : null;
          if (Object.keys(delta).length > 0 || logprobs) chunk(index, delta, null, logprobs);
          if (event.usage) usages.push(event.usage);
          if (event.finishReason) chunk(index, {}, finishReason(choice, event.finishReason));
        },
        () => {
          if (body.stream_options?.include_usage) sse.send({ ...envelope, object: 'chat.completion.chunk', choices: [], usage: usage() });
        },
      );
    }

    const finishes: string[] = inputs.map(() => 'stop');
    const held = new JsonReply(reply, context.keepAliveMs);
    return await held.collect(
      () => runChoices(model.client, inputs, held.signal, run),
      ({ index, event }) => {
        choices[index].push(event);
        if (event.usage) usages.push(event.usage);
        if (event.finishReason) finishes[index] = finishReason(choices[index], event.finishReason);
      },
      () => ({
        ...envelope,
        object: 'chat.completion',
        choices: choices.map((choice, index) => ({
          index,
          message: {
            role: 'assistant',
            content: choice.content === '' && choice.toolCalls.length > 0 ? null : choice.content,
            ...(choice.reasoning !== '' && { reasoning_content: choice.reasoning }),
            ...(choice.toolCalls.length > 0 && { tool_calls: choice.toolCalls.map(({ index: _, ...call }) => call) }),
          },
          logprobs: body.logprobs ? chatLogprobsBody(choice.reasoningLogprobs, choice.logprobs) : null,
          finish_reason: finishes[index],
        })),
        usage: usage(),
      }),
    );
  };
  for (const url of ['/chat/completions', '/beta/chat/completions']) app.post<{ Body: ChatRequest }>(url, { schema: { body: ChatRequest } }, handler);
}
