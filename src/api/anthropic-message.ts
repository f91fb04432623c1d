/**
 * @module api/anthropic-message
 * A chat choice in Anthropic's Messages shape: content blocks (thinking with its signature, text,
 * tool_use with parsed input), stop_reason and usage; and, streamed, Anthropic's block events in order
 * (content_block_start, its deltas, content_block_stop), one block open at a time.
 */
import { createHash } from 'node:crypto';
import type { ToolCallDelta } from '../chat/index.ts';
import type { Usage } from '../engine/types.ts';
import type { ChatChoice, ChoiceDelta } from './chat-choice.ts';

/**
 * A thinking block's signature: a digest of its text. Nothing here depends on it (the thinking a client
 * sends back goes to the model's template as it is); clients require the field and send it back.
 */
export function thinkingSignature(thinking: string): string {
  return createHash('sha256').update(thinking).digest('base64');
}

/** Tool arguments as the object Anthropic's `input` is; arguments a model wrote that are not an object give `{}`. */
function toolInput(call: ToolCallDelta): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(call.function.arguments);
    return input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function messageContent(choice: ChatChoice) {
  return [
    ...(choice.reasoning !== '' ? [{ type: 'thinking', thinking: choice.reasoning, signature: thinkingSignature(choice.reasoning) }] : []),
    ...(choice.content !== '' ? [{ type: 'text', text: choice.content }] : []),
    ...choice.toolCalls.map((call) => ({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call) })),
  ];
}

export interface StopReason {
  stop_reason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  stop_sequence: string | null;
}

export function stopReason(choice: ChatChoice, finishReason: string, stopSequence: string | undefined): StopReason {
  if (finishReason === 'length') return { stop_reason: 'max_tokens', stop_sequence: null };
  if (stopSequence !== undefined) return { stop_reason: 'stop_sequence', stop_sequence: stopSequence };
  return { stop_reason: choice.toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null };
}

/** Anthropic's usage: input_tokens are the prompt tokens not read from the cache. */
export function anthropicUsage(usage: Usage) {
  return {
    input_tokens: usage.promptTokens - usage.promptCacheHitTokens,
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: usage.promptCacheHitTokens,
  };
}

type BlockType = 'thinking' | 'text' | 'tool_use';

/** Streams a choice's deltas as Anthropic's content block events, through `send`. */
export class AnthropicBlocks {
  readonly #send: (event: object) => void;
  #index = -1;
  #open: BlockType | null = null;
  #thinking = '';

  constructor(send: (event: object) => void) {
    this.#send = send;
  }

  push(delta: ChoiceDelta): void {
    if (delta.reasoning !== '') {
      this.#start('thinking', { type: 'thinking', thinking: '', signature: '' });
      this.#thinking += delta.reasoning;
      this.#delta({ type: 'thinking_delta', thinking: delta.reasoning });
    }
    if (delta.content !== '') {
      this.#start('text', { type: 'text', text: '' });
      this.#delta({ type: 'text_delta', text: delta.content });
    }
    for (const call of delta.toolCalls) {
      this.#close();
      this.#start('tool_use', { type: 'tool_use', id: call.id, name: call.function.name, input: {} });
      this.#delta({ type: 'input_json_delta', partial_json: JSON.stringify(toolInput(call)) });
      this.#close();
    }
  }

  /** Ends the open block, if any. */
  close(): void {
    this.#close();
  }

  /** Opens a block of `type` unless one is open already. */
  #start(type: BlockType, block: object): void {
    if (this.#open === type) return;
    this.#close();
    this.#open = type;
    this.#index++;
    this.#send({ type: 'content_block_start', index: this.#index, content_block: block });
  }

  #delta(delta: object): void {
    this.#send({ type: 'content_block_delta', index: this.#index, delta });
  }

  #close(): void {
    if (this.#open === null) return;
    if (this.#open === 'thinking') this.#delta({ type: 'signature_delta', signature: thinkingSignature(this.#thinking) });
    this.#send({ type: 'content_block_stop', index: this.#index });
    this.#open = null;
    this.#thinking = '';
  }
}
