/**
 * @module chat/messages
 * The chat messages and tools as the API hands them over after validation. Field names keep the wire
 * spelling (`tool_calls`, `reasoning_content`) because chat templates read exactly those names.
 */

export interface TextPart {
  type: 'text';
  text: string;
}

export type MessageContent = string | TextPart[];

/** OpenAI's shape: `arguments` is a JSON string, as the client received it. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface SystemMessage {
  role: 'system';
  content: MessageContent;
  name?: string;
}

export interface UserMessage {
  role: 'user';
  content: MessageContent;
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content?: MessageContent | null;
  /** Sent back by clients from earlier rounds; templates decide whether it reaches the prompt. */
  reasoning_content?: string | null;
  tool_calls?: ToolCall[];
  /** DeepSeek chat prefix completion: the model continues this (final) message. */
  prefix?: boolean;
  name?: string;
}

export interface ToolMessage {
  role: 'tool';
  content: MessageContent;
  tool_call_id: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface ToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

/**
 * The text of a message's content. Parts are separated by a blank line, as llama-server does, so
 * two parts never run into one word.
 */
export function contentText(content: MessageContent | null | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('\n\n');
}
