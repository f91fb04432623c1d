/**
 * @module chat/template
 * Messages → prompt text, through the model's own chat template. Client messages are reshaped into
 * what chat templates read (plain-string content, tool-call arguments as the template wants them,
 * `reasoning_content` passed through untouched so each template keeps or drops it by its own rules),
 * tools the template cannot write are described in the system prompt, and chat prefix completion
 * appends the final assistant message after the generation prompt.
 */
import type { ChatTemplate } from './chat-template.ts';
import { templateCapabilities, type TemplateCapabilities } from './capabilities.ts';
import { contentText, type ChatMessage, type ToolDefinition } from './messages.ts';
import { toolPrompt } from './tool-prompt.ts';

export interface RenderChatOptions {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** Undefined leaves the template's default. Sent as both `thinking` and `enable_thinking`. */
  thinking?: boolean;
  /** Sent as `reasoning_effort` (DeepSeek V4's template reads it). */
  reasoningEffort?: string;
  bosToken: string;
  eosToken: string;
  /** Defaults to true; prefix completion always renders it before the prefix. */
  addGenerationPrompt?: boolean;
}

export interface RenderedChat {
  prompt: string;
  /** The prompt ends inside an open `<think>`: the output begins as reasoning. */
  startsInReasoning: boolean;
  /** The prompt ends with text from a `prefix: true` message, which the output continues. */
  continuesPrefix: boolean;
}

const THINK_OPEN = '<think>';
const THINK_CLOSE = '</think>';

/** How a reasoning is ended for the model when its thinking budget runs out: as R1 ends its own. */
export const REASONING_END = { text: `\n${THINK_CLOSE}\n\n`, marker: THINK_CLOSE } as const;

export function renderChat(template: ChatTemplate, options: RenderChatOptions): RenderedChat {
  const capabilities = templateCapabilities(template);
  const last = options.messages.at(-1);
  const prefix = last?.role === 'assistant' && last.prefix === true ? last : undefined;
  const history = prefix ? options.messages.slice(0, -1) : options.messages;
  const tools = options.tools?.length ? options.tools : undefined;

  let messages = history.map((message) => templateMessage(message, capabilities));
  if (tools && !capabilities.tools && capabilities.toolCallFormat !== 'none') {
    messages = withSystemText(messages, toolPrompt(tools, capabilities.toolCallFormat));
  }
  const prompt = template.render({
    messages,
    bos_token: options.bosToken,
    eos_token: options.eosToken,
    add_generation_prompt: prefix ? true : (options.addGenerationPrompt ?? true),
    ...(tools && { tools }),
    ...(options.thinking !== undefined && { thinking: options.thinking, enable_thinking: options.thinking }),
    ...(options.reasoningEffort !== undefined && { reasoning_effort: options.reasoningEffort }),
  });
  const startsInReasoning = prompt.trimEnd().endsWith(THINK_OPEN);
  if (!prefix) return { prompt, startsInReasoning, continuesPrefix: false };

  const content = contentText(prefix.content);
  const reasoning = prefix.reasoning_content ?? '';
  if (!startsInReasoning) {
    return { prompt: prompt + content, startsInReasoning: false, continuesPrefix: content !== '' };
  }
  // Thinking is open: the prefix's reasoning continues it; a content prefix closes it first (as
  // llama-server's continuation does), so the model writes the answer, not more reasoning.
  if (content === '') {
    return { prompt: prompt + reasoning, startsInReasoning: true, continuesPrefix: reasoning !== '' };
  }
  return { prompt: prompt + reasoning + THINK_CLOSE + content, startsInReasoning: false, continuesPrefix: true };
}

type TemplateMessage = Record<string, unknown> & { role: string };

function templateMessage(message: ChatMessage, capabilities: TemplateCapabilities): TemplateMessage {
  const text = contentText(message.content);
  if (message.role !== 'assistant' || !message.tool_calls?.length) return { ...message, content: text };
  return {
    ...message,
    content: text === '' ? capabilities.toolCallContent : text,
    tool_calls: message.tool_calls.map(({ function: { name, arguments: args }, ...call }) => ({
      ...call,
      function: { name, arguments: capabilities.toolArguments === 'object' ? parsedOrRaw(args) : args },
    })),
  };
}

/** Arguments a model once wrote as broken JSON come back as they were rather than failing the request. */
function parsedOrRaw(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/** Appends to the last system message: some templates keep only the last one, others join them all. */
function withSystemText(messages: TemplateMessage[], text: string): TemplateMessage[] {
  let index = messages.length - 1;
  while (index >= 0 && messages[index].role !== 'system') index--;
  if (index < 0) return [{ role: 'system', content: text }, ...messages];
  const system = messages[index];
  const content = system.content === '' ? text : `${system.content as string}\n\n${text}`;
  return messages.map((m, i) => (i === index ? { ...system, content } : m));
}
