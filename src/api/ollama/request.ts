/**
 * Ollama's request fields in Seekstack's terms: `options` → sampling fields and a token limit, `format`
 * → structured output, `think` → the thinking mode, `keep_alive` → milliseconds, and Ollama's messages
 * (tool calls with object arguments, tool results by `tool_name`) → the chat messages the template takes.
 */
import { parseDuration } from '../../models/units.ts';
import { ApiError } from '../errors.ts';
import type { SamplingFields } from '../generation.ts';
import type { ChatRequest } from '../schemas/chat.ts';
import type { OllamaMessage, Options } from '../schemas/ollama.ts';

/** Ollama's own defaults when a Modelfile sets none. */
const DEFAULTS = { temperature: 0.8, top_p: 0.9, top_k: 40 } as const;

export function samplingFields(options: Options | undefined): SamplingFields {
  const o = options ?? {};
  return {
    temperature: o.temperature ?? DEFAULTS.temperature,
    top_p: o.top_p ?? DEFAULTS.top_p,
    top_k: o.top_k ?? DEFAULTS.top_k,
    min_p: o.min_p,
    seed: o.seed,
    stop: o.stop,
    presence_penalty: o.presence_penalty,
    frequency_penalty: o.frequency_penalty,
    repetition_penalty: o.repeat_penalty,
  };
}

/**
 * `num_predict` as a token limit: a positive number is the limit, -1 (Ollama's default) and -2 run until
 * the model stops or the context is full. `num_ctx` caps it too: the model's context is the server's
 * (--ctx-size), so a smaller num_ctx can only shorten the answer, never grow the context.
 */
export function maxTokens(options: Options | undefined, contextTokens: number): number {
  const predict = options?.num_predict ?? -1;
  const limit = predict > 0 ? predict : contextTokens;
  return Math.min(limit, options?.num_ctx ?? contextTokens);
}

/** Milliseconds, negative for "keep it loaded", or undefined for the server's default. */
export function keepAliveMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? Math.round(value * 1000) : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new ApiError('invalid_parameter', `keep_alive must be a duration such as "5m", "30s", "-1" or a number of seconds, got ${JSON.stringify(value)}`, 'keep_alive');
  }
  return ms;
}

export function responseFormat(format: string | Record<string, unknown> | undefined): ChatRequest['response_format'] {
  if (format === undefined || format === '') return undefined;
  if (format === 'json') return { type: 'json_object' };
  return { type: 'json_schema', json_schema: { name: 'format', schema: format as Record<string, unknown>, strict: true } };
}

/** `think: true|false`, or a level (which only a model with reasoning effort would use): thinking on, at that effort. */
export function thinkingFields(think: boolean | string | undefined): Pick<ChatRequest, 'thinking' | 'reasoning_effort'> {
  if (think === undefined) return {};
  if (typeof think === 'boolean') return { thinking: { type: think ? 'enabled' : 'disabled' } };
  return { thinking: { type: 'enabled' }, reasoning_effort: think as ChatRequest['reasoning_effort'] };
}

/** Seekstack serves text models: a request with images is refused, never answered as if the images were not there. */
export function refuseImages(modelId: string, images: Array<string[] | undefined>): void {
  if (images.some((list) => list !== undefined && list.length > 0)) {
    throw new ApiError('invalid_request', `the model '${modelId}' cannot read images: Seekstack serves text-only models, so send the request without 'images'`, 'images');
  }
}

/**
 * Ollama's messages → chat messages. Tool calls get ids (Ollama's carry none, or their own), and a tool
 * result without `tool_call_id` answers the earliest unanswered call of the same `tool_name`, else the
 * earliest unanswered call.
 */
export function chatMessages(messages: OllamaMessage[]): ChatRequest['messages'] {
  const unanswered: Array<{ id: string; name: string }> = [];
  let numCalls = 0;
  return messages.map((m, i) => {
    switch (m.role) {
      case 'assistant': {
        const toolCalls = m.tool_calls?.map((call) => {
          const id = call.id ?? `call_${numCalls}`;
          numCalls++;
          unanswered.push({ id, name: call.function.name });
          const args = call.function.arguments;
          return { id, type: 'function' as const, function: { name: call.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) } };
        });
        return { role: 'assistant', content: m.content ?? '', reasoning_content: m.thinking, ...(toolCalls && toolCalls.length > 0 && { tool_calls: toolCalls }) };
      }
      case 'tool': {
        const at = m.tool_call_id !== undefined ? unanswered.findIndex((c) => c.id === m.tool_call_id) : unanswered.findIndex((c) => c.name === m.tool_name);
        const [answered] = unanswered.splice(at >= 0 ? at : 0, 1);
        const id = m.tool_call_id ?? answered?.id;
        if (id === undefined) throw new ApiError('invalid_parameter', `messages[${i}] is a tool result, but no earlier assistant message called a tool`, `messages[${i}]`);
        return { role: 'tool', content: m.content ?? '', tool_call_id: id };
      }
      default:
        return { role: m.role, content: m.content ?? '' };
    }
  });
}
