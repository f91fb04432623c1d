/**
 * @module routing/model-client
 * What a request needs from whatever runs its model: a local engine process (engine/client.ts) or a set
 * of remote upstreams behind the router (routing/routed-client.ts). The API layer sees only this.
 *
 * Most models take a prompt the gateway renders with their chat template. A model served by upstreams that
 * render their own prompts (`kind=openai`: the OpenAI API, hosted OpenAI-compatible services, LiteLLM,
 * another gateway) takes only chats: its client has a `chat` client beside the prompt-level one, and the
 * prompt-level calls refuse it (chatOnlyError).
 */
import type { ToolCall, ToolCallDelta } from '../chat/index.ts';
import type { EngineHealth, GenerateInput, Generation } from '../engine/client.ts';
import type { EmbedInput, Embeddings } from '../engine/embedder.ts';
import { EngineError } from '../engine/errors.ts';
import type { EngineStartup, EngineStats, ModelInfo } from '../engine/protocol.ts';
import type { SampledToken, StepEvent } from '../engine/types.ts';

export interface ModelClient {
  /** The model as its engine describes it: template, special tokens, context. */
  readonly model: ModelInfo;
  readonly restarts: number;
  /** The engine's counters as of its last heartbeat; null when there are none (a remote model). */
  readonly lastStats: EngineStats | null;
  /** The local engine process; undefined for a remote model. */
  readonly pid: number | undefined;
  /** How long the local engine process took to boot and open the model; null for a remote model. */
  readonly startup: EngineStartup | null;
  /** Set only for a chat-only model: its chats go here, and the calls below refuse it. */
  readonly chat?: ChatClient;
  generate(input: GenerateInput, signal?: AbortSignal): Generation;
  tokenize(text: string, addSpecial: boolean): Promise<number[]>;
  detokenize(tokens: number[]): Promise<string>;
  embed(inputs: EmbedInput[], truncate: boolean): Promise<Embeddings>;
  health(): EngineHealth;
}

export interface ChatClient {
  /** As ModelClient.generate; the events carry the reasoning and tool calls the upstream split off (ChatStepEvent). */
  generate(input: ChatInput, signal?: AbortSignal): Generation;
}

/** A message as OpenAI's chat API takes it (DeepSeek's `prefix` kept for upstreams that read it). */
export interface ForwardedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  prefix?: boolean;
}

/**
 * A chat in OpenAI's field names, checked by the API layer; the dialect adds model, stream and the seed.
 * Fields the API layer validated but only passes on stay `unknown` here.
 */
export interface ForwardedChat {
  messages: ForwardedMessage[];
  tools?: unknown[];
  tool_choice?: unknown;
  response_format?: unknown;
  stop?: string[];
  temperature?: number;
  top_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logit_bias?: Record<string, number>;
  logprobs?: boolean;
  top_logprobs?: number;
  /** DeepSeek's switch, sent only to turn thinking on (see chat-prompt.ts). */
  thinking?: { type: 'enabled' };
  reasoning_effort?: string;
  /** The most tokens to generate, set at admission (the client's, or less where its budget allows less); undefined: the upstream's default. */
  maxTokens?: number;
  /** How the client spelled its limit: OpenAI's reasoning models take only max_completion_tokens. */
  limitField: 'max_tokens' | 'max_completion_tokens';
}

export interface ChatInput {
  /** The tenant's (and user's) cache namespace: the router's, since these upstreams cannot isolate tenants. */
  cacheKey: string;
  chat: ForwardedChat;
  seed?: number;
}

/** A chat-level upstream's event: the text is the answer's content; reasoning and whole tool calls come apart. */
export interface ChatStepEvent extends StepEvent {
  reasoning?: string;
  /** The reasoning's sampled tokens, as the upstream told them apart from the answer's (`logprobs`). */
  reasoningLogprobs?: SampledToken[];
  toolCalls?: ToolCallDelta[];
  /** On the last event, when the upstream reported it. */
  reasoningTokens?: number;
}

/** Whether the event carries anything a client sees (after it, a failed request is never retried). */
export function hasOutput(event: ChatStepEvent): boolean {
  return event.tokens.length > 0 || event.text !== '' || Boolean(event.reasoning) || (event.toolCalls?.length ?? 0) > 0;
}

/**
 * Tokens in a text whose model's tokenizer is not here: one per three UTF-8 bytes, a little above DeepSeek's
 * published rates (0.3 token per English character, 0.6 per Chinese one, i.e. 0.2 per byte), so
 * admission reserves at least what the upstream will count.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

/** A chat's prompt tokens, estimated over its messages and tools as JSON (more text than a template renders of them). */
export function estimateChatTokens(chat: ForwardedChat): number {
  return estimateTokens(JSON.stringify([chat.messages, chat.tools ?? []]));
}

/** What every prompt-level call answers for a chat-only model. */
export function chatOnlyError(model: string, what: string): EngineError {
  return new EngineError('invalid_request', `the model '${model}' is served by a chat-only upstream (kind=openai), which renders its own prompts: ${what} needs a prompt rendered here; use /chat/completions, /anthropic/v1/messages or /api/chat`);
}
