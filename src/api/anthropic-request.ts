/**
 * @module api/anthropic-request
 * An Anthropic Messages request as the chat route's request, so both formats share one path to the
 * engine (prompt, grammar, admission, ledger): system and text blocks → messages, thinking blocks →
 * reasoning_content, tool_use → tool_calls, tool_result → tool messages, a final assistant message →
 * prefix completion (Anthropic's prefill), tool_choice any/tool → required/named, and Claude model names
 * → the DeepSeek names they map to, as DeepSeek's Anthropic API maps them.
 */
import type { ModelRegistry } from '../routing/registry.ts';
import { ApiError } from './errors.ts';
import type { AnthropicContentBlock, AnthropicCountTokensRequest, AnthropicMessage, AnthropicMessagesRequest } from './schemas/anthropic.ts';
import type { ChatMessage, ChatRequest } from './schemas/chat.ts';
import { isUserId } from './schemas/user-id.ts';

/**
 * The name a request is served under: a name served here as it is; a Claude name mapped as DeepSeek maps it
 * (`claude-opus*` → `deepseek-v4-pro`, other `claude*` → `deepseek-v4-flash`; `--alias` points either at
 * any model); any other name stays, for the chat path to refuse.
 */
export function anthropicModelName(models: ModelRegistry, requested: string): string {
  if (models.resolve(requested) || !requested.startsWith('claude')) return requested;
  return requested.startsWith('claude-opus') ? 'deepseek-v4-pro' : 'deepseek-v4-flash';
}

type Block = AnthropicContentBlock;

function refuseMedia(block: Block, param: string): never {
  throw new ApiError('invalid_request', `${param}: ${block.type} blocks are not supported: no model served here reads ${block.type === 'image' ? 'images' : 'documents'}`, param);
}

function textOf(blocks: Block[], param: string): string {
  return blocks
    .map((block, i) => {
      if (block.type === 'image' || block.type === 'document') refuseMedia(block, `${param}[${i}]`);
      return block.type === 'text' ? block.text : '';
    })
    .join('\n\n');
}

/** One Anthropic message → the chat messages it stands for (a user turn with tool results becomes tool messages). */
function toMessages(message: AnthropicMessage, index: number, isLast: boolean): ChatMessage[] {
  const param = `messages[${index}].content`;
  const blocks: Block[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  if (message.role === 'system') {
    const wrong = blocks.findIndex((b) => b.type !== 'text');
    if (wrong >= 0) throw new ApiError('invalid_request', `${param}[${wrong}]: a system message takes text blocks only`, `${param}[${wrong}]`);
    return [{ role: 'system', content: textOf(blocks, param) }];
  }
  if (message.role === 'assistant') {
    const calls = blocks.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: JSON.stringify(b.input) } }] : []));
    const reasoning = blocks.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : [])).join('\n\n');
    const wrong = blocks.findIndex((b) => b.type === 'tool_result');
    if (wrong >= 0) throw new ApiError('invalid_request', `${param}[${wrong}]: tool_result blocks belong in user messages`, `${param}[${wrong}]`);
    return [{
      role: 'assistant',
      content: textOf(blocks.filter((b) => b.type !== 'thinking'), param),
      ...(reasoning !== '' && { reasoning_content: reasoning }),
      ...(calls.length > 0 && { tool_calls: calls }),
      // Anthropic continues a final assistant message (prefill): DeepSeek's prefix completion.
      ...(isLast && calls.length === 0 && { prefix: true }),
    }];
  }
  const out: ChatMessage[] = [];
  let text: Block[] = [];
  const flush = () => {
    if (text.length > 0) out.push({ role: 'user', content: textOf(text, param) });
    text = [];
  };
  blocks.forEach((block, i) => {
    if (block.type === 'tool_result') {
      flush();
      const result = typeof block.content === 'string' ? block.content : textOf(block.content ?? [], `${param}[${i}].content`);
      out.push({ role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error ? `Error: ${result}` : result });
    } else if (block.type === 'tool_use' || block.type === 'thinking' || block.type === 'redacted_thinking') {
      throw new ApiError('invalid_request', `${param}[${i}]: ${block.type} blocks belong in assistant messages`, `${param}[${i}]`);
    } else {
      text.push(block);
    }
  });
  flush();
  return out;
}

function toolChoice(choice: AnthropicCountTokensRequest['tool_choice']): ChatRequest['tool_choice'] {
  if (choice === undefined) return undefined;
  switch (choice.type) {
    case 'any':
      return 'required';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      return choice.type;
  }
}

/** The end user a metadata.user_id names: itself, or the `device_id` of Claude Code's JSON object. */
function userIdOf(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || !value.startsWith('{')) return value ?? undefined;
  let deviceId: unknown;
  try {
    deviceId = (JSON.parse(value) as { device_id?: unknown }).device_id;
  } catch {
    deviceId = undefined;
  }
  if (typeof deviceId === 'string' && isUserId(deviceId)) return deviceId;
  throw new ApiError('invalid_parameter', 'metadata.user_id takes letters, digits, _ and - (at most 512 bytes), or a JSON object whose device_id does', 'metadata.user_id');
}

const EFFORT: Record<string, ChatRequest['reasoning_effort']> = { low: 'low', medium: 'medium', high: 'high', max: 'max' };

/** `adaptive` thinks as the model decides; `enabled` with a budget caps the reasoning at it. */
function thinkingOf(thinking: NonNullable<AnthropicMessagesRequest['thinking']>): NonNullable<ChatRequest['thinking']> {
  if (thinking.type === 'disabled') return { type: 'disabled' };
  return { type: 'enabled', ...(thinking.type === 'enabled' && thinking.budget_tokens !== undefined && { budget_tokens: thinking.budget_tokens }) };
}

/**
 * The chat request an Anthropic one stands for (top_k, min_p, repetition_penalty and ignore_eos are vLLM's extensions there); `model` is the name it is
 * served under. Without a `thinking` field the model does not think, as Anthropic's API defines, unless
 * the name itself asks for thinking (`deepseek-reasoner`).
 */
export function toChatRequest(
  models: ModelRegistry,
  body: AnthropicCountTokensRequest & Partial<AnthropicMessagesRequest>,
  model: string,
): ChatRequest & Pick<AnthropicMessagesRequest, 'top_k' | 'min_p' | 'repetition_penalty' | 'ignore_eos'> {
  const system = body.system === undefined ? [] : [{ role: 'system' as const, content: typeof body.system === 'string' ? body.system : textOf(body.system, 'system') }];
  const messages = body.messages.flatMap((m, i) => toMessages(m, i, i === body.messages.length - 1));
  // Server tools (web search, code execution…) run only at Anthropic; a client tool has an input_schema.
  const tools = (body.tools ?? []).filter((t) => t.input_schema !== undefined && (t.type === undefined || t.type === 'custom'));
  const effort = body.output_config?.effort;
  return {
    model,
    messages: [...system, ...messages],
    ...(tools.length > 0 && { tools: tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.input_schema } })) }),
    tool_choice: tools.length > 0 || body.tool_choice?.type === 'none' ? toolChoice(body.tool_choice) : undefined,
    ...(body.thinking ? { thinking: thinkingOf(body.thinking) } : models.resolve(model)?.thinking === undefined && { thinking: { type: 'disabled' } }),
    ...(effort !== undefined && { reasoning_effort: EFFORT[effort] }),
    ...(body.output_format && { response_format: { type: 'json_schema', json_schema: { name: 'output', schema: body.output_format.schema, strict: true } } }),
    max_tokens: body.max_tokens,
    stop: body.stop_sequences,
    temperature: body.temperature,
    top_p: body.top_p,
    top_k: body.top_k,
    min_p: body.min_p,
    repetition_penalty: body.repetition_penalty,
    ignore_eos: body.ignore_eos,
    user_id: userIdOf(body.metadata?.user_id),
  };
}
