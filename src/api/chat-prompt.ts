/**
 * Request → prompt for one model: the model's own chat template (parsed once per template), the
 * thinking mode (request field, else the DeepSeek alias, else on where the template can think) and the grammar
 * that structured output needs. A constrained answer cannot think first, so a grammar turns thinking off.
 * A chat-only model (served by `kind=openai` upstreams, which render their own prompts) gets no prompt:
 * its chat is checked the same way and forwarded in OpenAI's names (prepareChat).
 */
import { ChatTemplate, ChatTemplateError, contentText, REASONING_END, renderChat, templateCapabilities, type ChatMessage, type RenderedChat, type TemplateCapabilities, type ToolCallFormat } from '../chat/index.ts';
import { jsonGrammar, UnsupportedSchemaError } from '../chat/grammar/index.ts';
import { GrammarCompiler, type GrammarJob } from '../chat/grammar/compiler.ts';
import type { GenerateInput } from '../engine/client.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import type { ForwardedChat } from '../routing/model-client.ts';
import type { ResolvedModel } from '../routing/registry.ts';
import { ChatChoice } from './chat-choice.ts';
import { ApiError } from './errors.ts';
import type { ChoicePrompt } from './generation.ts';
import type { ChatRequest } from './schemas/chat.ts';

/** llama-server's fallback for GGUFs without a template: ChatML. */
const CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const templates = new Map<string, { template: ChatTemplate; capabilities: TemplateCapabilities }>();

function templateFor(source: string) {
  let entry = templates.get(source);
  if (!entry) {
    const template = new ChatTemplate(source);
    entry = { template, capabilities: templateCapabilities(template) };
    templates.set(source, entry);
  }
  return entry;
}

/** What a model's chat template (ChatML when it has none) lets it do; parsed once per template. */
export function chatCapabilities(chatTemplate: string | null | undefined): TemplateCapabilities {
  return templateFor(chatTemplate ?? CHATML).capabilities;
}

export interface RenderedPrompt {
  rendered: RenderedChat;
  grammar?: { text: string; root: string };
  thinkingBudget?: GenerateInput['thinkingBudget'];
  /** The tool-call syntax to parse out of the content, when tools are offered. */
  toolFormat: ToolCallFormat | null;
}

/** A chat-only model's chat, as its upstream takes it. */
export interface ForwardedPrompt {
  forwarded: ForwardedChat;
  grammar?: undefined;
  thinkingBudget?: undefined;
}

export type ChatPrompt = RenderedPrompt | ForwardedPrompt;

/** The request as its model takes it: a rendered prompt, or for a chat-only model the chat to forward. */
export async function prepareChat(resolved: ResolvedModel, body: ChatRequest): Promise<ChatPrompt> {
  return resolved.model.client.chat ? { forwarded: forwardedChat(resolved, body) } : buildChatPrompt(resolved, body);
}

/** What admission counts and the choices run on. */
export function choicePrompt(info: ModelInfo, prompt: ChatPrompt): ChoicePrompt {
  return 'forwarded' in prompt ? { chat: prompt.forwarded } : promptInput(info, prompt.rendered);
}

/** One choice's output splitter: the template's, or none where the upstream splits (`newToolCallId` as ChatChoice's). */
export function chatChoice(prompt: ChatPrompt, newToolCallId?: () => string): ChatChoice {
  return 'forwarded' in prompt ? new ChatChoice(null, null) : new ChatChoice(prompt.rendered, prompt.toolFormat, newToolCallId);
}

function checkToolChoice(body: ChatRequest): boolean {
  const hasTools = body.tools !== undefined && body.tools.length > 0;
  if (!hasTools && body.tool_choice !== undefined && body.tool_choice !== 'auto' && body.tool_choice !== 'none') {
    throw new ApiError('invalid_parameter', "tool_choice 'required' or a named function needs tools: this request has none to call", 'tool_choice');
  }
  return hasTools;
}

export async function buildChatPrompt(resolved: ResolvedModel, body: ChatRequest): Promise<RenderedPrompt> {
  const { info } = resolved.model;
  const { template, capabilities } = templateFor(info.chatTemplate ?? CHATML);
  const hasTools = checkToolChoice(body);
  const toolsOn = hasTools && body.tool_choice !== 'none';
  const toolFormat = toolsOn && capabilities.toolCallFormat !== 'none' ? capabilities.toolCallFormat : null;
  const grammar = toolsOn ? await forcedToolGrammar(body, toolFormat, resolved.model.id) : await responseGrammar(body);
  // A model named by itself thinks when its template can, as llama-server's default enable_thinking does:
  // llama.cpp's copy of the R1 template would otherwise close <think> before the model could open it.
  const thinking = grammar ? false : body.thinking ? body.thinking.type === 'enabled' : (resolved.thinking ?? (capabilities.thinkingToggle || undefined));
  let rendered: RenderedChat;
  try {
    rendered = renderChat(template, {
      messages: toMessages(body.messages),
      tools: toolsOn ? body.tools : undefined,
      thinking,
      reasoningEffort: body.reasoning_effort,
      bosToken: info.bosToken ?? '',
      eosToken: info.eosToken ?? '',
    });
  } catch (error) {
    if (error instanceof ChatTemplateError) throw new ApiError('invalid_request', `the model's chat template rejected these messages: ${error.message}`, 'messages');
    throw error;
  }
  // Only an output that starts inside the reasoning can be cut at a count: elsewhere the model may never open one.
  const budget = body.thinking?.budget_tokens;
  const thinkingBudget = rendered.startsInReasoning && budget !== undefined ? { maxTokens: budget, end: REASONING_END.text, marker: REASONING_END.marker } : undefined;
  return { rendered, grammar, thinkingBudget, toolFormat };
}

/**
 * A chat-only model's chat. Thinking is sent only to turn it on (DeepSeek's `thinking`, which Seekstack,
 * DeepSeek and vLLM's DeepSeek templates read): off is every such API's default, and a strict API (OpenAI's)
 * refuses the field it does not know, which would fail every Anthropic request (they carry thinking off).
 * Nothing of the caller travels (no `user`, no `prompt_cache_key`): see the README on isolation.
 */
function forwardedChat(resolved: ResolvedModel, body: ChatRequest): ForwardedChat {
  const hasTools = checkToolChoice(body);
  const thinking = body.thinking ? body.thinking.type === 'enabled' : resolved.thinking;
  return {
    messages: toMessages(body.messages).map((m) => ({
      role: m.role,
      content: m.content === null || m.content === undefined ? null : contentText(m.content),
      ...(m.role === 'assistant' && m.tool_calls && { tool_calls: m.tool_calls }),
      ...(m.role === 'assistant' && m.prefix && { prefix: true }),
      ...(m.role === 'tool' && { tool_call_id: m.tool_call_id }),
    })),
    ...(hasTools && { tools: body.tools, tool_choice: body.tool_choice }),
    ...(body.response_format && { response_format: body.response_format }),
    ...(body.stop !== undefined && { stop: typeof body.stop === 'string' ? [body.stop] : body.stop }),
    temperature: body.temperature,
    top_p: body.top_p,
    presence_penalty: body.presence_penalty,
    frequency_penalty: body.frequency_penalty,
    logit_bias: body.logit_bias,
    logprobs: body.logprobs,
    top_logprobs: body.top_logprobs,
    ...(thinking === true && { thinking: { type: 'enabled' } }),
    reasoning_effort: body.reasoning_effort,
    limitField: body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens',
  };
}

/**
 * The rendered prompt as the engine tokenizes it. A model whose metadata asks for BOS
 * (`tokenizer.ggml.add_bos_token`) gets exactly one, whether or not its template wrote it (the ChatML
 * fallback does not), as llama-server tokenizes chat prompts; any other model gets the text as rendered.
 */
export function promptInput(info: ModelInfo, rendered: RenderedChat): GenerateInput['prompt'] {
  if (!info.addBos) return { text: rendered.prompt, addSpecial: false };
  const bos = info.bosToken ?? '';
  return { text: bos !== '' && rendered.prompt.startsWith(bos) ? rendered.prompt.slice(bos.length) : rendered.prompt, addSpecial: true };
}

type Grammar = { text: string; root: string };

/** One for the server: schemas compile on its worker thread, never on the event loop. */
const compiler = new GrammarCompiler();

async function compiled(param: string, job: GrammarJob): Promise<Grammar> {
  try {
    return { text: await compiler.compile(job), root: 'root' };
  } catch (error) {
    if (error instanceof UnsupportedSchemaError) throw new ApiError('invalid_parameter', error.message, param);
    throw error;
  }
}

/** `tool_choice: required` or a named function: the model must answer with that call, in its own syntax. */
async function forcedToolGrammar(body: ChatRequest, format: ToolCallFormat | null, modelId: string): Promise<Grammar | undefined> {
  const choice = body.tool_choice;
  if (choice === undefined || choice === 'auto' || choice === 'none') return undefined;
  if (!format) throw new ApiError('invalid_request', `the model '${modelId}' has no tool-call format in its chat template, so it cannot be made to call a tool`, 'tool_choice');
  const tools = (body.tools ?? []).filter((t) => choice === 'required' || t.function.name === choice.function.name);
  if (tools.length === 0) throw new ApiError('invalid_parameter', `tool_choice names a function that is not in tools`, 'tool_choice');
  const strict = tools.every((t) => t.function.strict === true);
  return compiled('tools', { kind: 'tool-call', format, tools: tools.map((t) => ({ name: t.function.name, parameters: t.function.parameters })), strict });
}

/** The grammar `response_format` asks for (JSON, or a JSON Schema compiled off the event loop), if any. */
export async function responseGrammar(body: Pick<ChatRequest, 'response_format'>): Promise<Grammar | undefined> {
  const format = body.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { text: jsonGrammar(), root: 'root' };
  const schema = format.json_schema?.schema;
  if (!schema) throw new ApiError('invalid_parameter', "response_format.json_schema.schema is required for type 'json_schema'", 'response_format.json_schema.schema');
  return compiled('response_format.json_schema.schema', { kind: 'schema', schema, strict: format.json_schema?.strict ?? false });
}

/** Wire messages → chat messages; checks what one schema for every role cannot. */
function toMessages(messages: ChatRequest['messages']): ChatMessage[] {
  return messages.map((m, i) => {
    const param = `messages[${i}]`;
    const isLast = i === messages.length - 1;
    if (m.prefix && (m.role !== 'assistant' || !isLast)) {
      throw new ApiError('invalid_parameter', `${param}.prefix is only allowed on the last message, an assistant message`, `${param}.prefix`);
    }
    switch (m.role) {
      case 'tool':
        if (!m.tool_call_id) throw new ApiError('invalid_parameter', `${param}.tool_call_id is required for tool messages`, `${param}.tool_call_id`);
        return { role: 'tool', content: m.content ?? '', tool_call_id: m.tool_call_id };
      case 'assistant':
        return { role: 'assistant', content: m.content ?? null, reasoning_content: m.reasoning_content ?? undefined, tool_calls: m.tool_calls, prefix: m.prefix };
      case 'developer':
        return { role: 'system', content: m.content ?? '' };
      default:
        if (m.content === undefined || m.content === null) throw new ApiError('invalid_parameter', `${param}.content is required`, `${param}.content`);
        return { role: m.role, content: m.content };
    }
  }) as ChatMessage[];
}
