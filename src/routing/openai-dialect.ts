/**
 * @module routing/openai-dialect
 * Upstreams that speak only OpenAI's chat API (`kind=openai`): the OpenAI API itself, hosted
 * OpenAI-compatible services, LiteLLM, another gateway. They render their own prompts, so the gateway
 * forwards the chat (routing/model-client.ts: ForwardedChat) to /v1/chat/completions, always streamed with
 * usage, and maps the stream back to events: content as the text, reasoning_content (or `reasoning`)
 * and whole tool calls beside it, finish reason and usage (cache hits as DeepSeek or OpenAI report them).
 * Nothing of the tenant travels: such an upstream cannot keep tenants' caches apart (README).
 */
import type { ToolCallDelta } from '../chat/index.ts';
import type { FinishReason, SampledToken, Usage } from '../engine/types.ts';
import { call, chunks, count, endedEarly, finishOf, infoOf, streamed, usageOf, type ListedModel } from './completions-dialect.ts';
import type { ChatDialect, Connection, RemoteModel } from './dialect.ts';
import { estimateChatTokens, estimateTokens, type ChatInput, type ChatStepEvent } from './model-client.ts';

interface ToolCallChunk {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

interface LogprobChunk {
  token?: unknown;
  logprob?: unknown;
  bytes?: unknown;
  top_logprobs?: Array<{ token?: unknown; logprob?: unknown; bytes?: unknown }>;
}

interface Chunk {
  choices?: Array<{
    delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown; tool_calls?: ToolCallChunk[] };
    logprobs?: { content?: LogprobChunk[] | null; reasoning_content?: LogprobChunk[] | null } | null;
    finish_reason?: unknown;
  }>;
  usage?: (Parameters<typeof usageOf>[0] & { completion_tokens_details?: { reasoning_tokens?: unknown } | null }) | null;
  error?: { message?: unknown };
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** What the model wrote of its tool calls, for an estimate of its tokens. */
const spelled = (calls: ToolCallDelta[]) => calls.map((c) => c.function.name + c.function.arguments).join('');

/** A logprob entry as the engine's sampled token: the upstream's token ids are unknown, its bytes are not. */
function sampled(entry: LogprobChunk): SampledToken {
  const bytes = (value: { token?: unknown; bytes?: unknown }) => (Array.isArray(value.bytes) ? (value.bytes as number[]) : [...Buffer.from(text(value.token))]);
  const logprob = (value: { logprob?: unknown }) => (typeof value.logprob === 'number' ? value.logprob : 0);
  return {
    token: 0,
    logprob: { token: 0, logprob: logprob(entry), bytes: bytes(entry) },
    topLogprobs: (entry.top_logprobs ?? []).map((top) => ({ token: 0, logprob: logprob(top), bytes: bytes(top) })),
  };
}

/** Tool calls stream as pieces per index (OpenAI's: id and name first, then the arguments in fragments): a call is whole once the next one starts or the stream ends. */
export class ToolCallPieces {
  readonly #calls: ToolCallDelta[] = [];
  #numDone = 0;

  /** The calls completed by this chunk's pieces. */
  push(pieces: ToolCallChunk[]): ToolCallDelta[] {
    for (const piece of pieces) {
      const index = typeof piece.index === 'number' ? piece.index : this.#calls.length;
      let call = this.#calls.find((c) => c.index === index);
      if (!call) this.#calls.push((call = { index, id: '', type: 'function', function: { name: '', arguments: '' } }));
      call.id ||= text(piece.id);
      call.function.name += text(piece.function?.name);
      call.function.arguments += text(piece.function?.arguments);
    }
    return this.#take(this.#calls.length - 1);
  }

  finish(): ToolCallDelta[] {
    return this.#take(this.#calls.length);
  }

  #take(end: number): ToolCallDelta[] {
    const done = this.#calls.slice(this.#numDone, Math.max(this.#numDone, end));
    this.#numDone += done.length;
    return done;
  }
}

async function* events(connection: Connection, input: ChatInput, stream: AsyncIterable<string>): AsyncGenerator<ChatStepEvent> {
  let step = 0;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  let reasoningTokens: number | undefined;
  let written = '';
  const calls = new ToolCallPieces();
  const event = (fields: Partial<ChatStepEvent>): ChatStepEvent => ({ id: 'remote' as ChatStepEvent['id'], step: step++, tokens: [], text: '', ...fields });
  for await (const chunk of chunks<Chunk>(connection, stream)) {
    if (chunk.usage) {
      usage = usageOf(chunk.usage);
      reasoningTokens = count(chunk.usage.completion_tokens_details?.reasoning_tokens);
    }
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const delta = choice.delta ?? {};
    const reasoning = text(delta.reasoning_content) || text(delta.reasoning);
    const content = text(delta.content);
    const toolCalls = calls.push(delta.tool_calls ?? []);
    const reasoningLogprobs = (choice.logprobs?.reasoning_content ?? []).map(sampled);
    const logprobs = (choice.logprobs?.content ?? []).map(sampled);
    written += reasoning + content + spelled(toolCalls);
    if (reasoning !== '' || content !== '' || toolCalls.length > 0 || reasoningLogprobs.length > 0 || logprobs.length > 0) {
      yield event({ text: content, reasoning, toolCalls, reasoningLogprobs, logprobs });
    }
    finish = finishOf(choice.finish_reason) ?? finish;
  }
  if (!finish) throw endedEarly(connection);
  const toolCalls = calls.finish();
  // An upstream that reports no usage is charged by estimate, never as free.
  usage ??= {
    promptTokens: estimateChatTokens(input.chat),
    promptCacheHitTokens: 0,
    completionTokens: estimateTokens(written + spelled(toolCalls)),
  };
  yield event({ toolCalls, finishReason: finish, usage, reasoningTokens });
}

export const openaiDialect: ChatDialect = {
  level: 'chat',
  // OpenAI's API has no /health; its model list answers with the key, as every compatible server's does.
  healthPath: '/v1/models',

  async discover(connection): Promise<RemoteModel[]> {
    const list = (await call(connection, 'GET', '/v1/models')) as { data?: ListedModel[] } | null;
    return (list?.data ?? []).filter((m): m is ListedModel & { id: string } => typeof m.id === 'string').map((m) => ({ id: m.id, info: infoOf(m.id, m, null, null) }));
  },

  async chat(connection, model, input, signal) {
    const { limitField, maxTokens, ...chat } = input.chat;
    const body = {
      model,
      ...chat,
      ...(maxTokens !== undefined && { [limitField]: maxTokens }),
      ...(input.seed !== undefined && { seed: input.seed }),
      stream: true,
      stream_options: { include_usage: true },
    };
    return events(connection, input, await streamed(connection, '/v1/chat/completions', body, signal));
  },
};
