/**
 * @module chat/capabilities
 * What a chat template can do, learnt by rendering probe conversations through it (as llama.cpp's
 * template caps do) rather than by searching its source, so a template that spells things its own
 * way is still read correctly. Computed once per template.
 */
import type { ChatTemplate } from './chat-template.ts';
import { TOOL_CALL_BEGIN, TOOL_SEP, type ToolCallFormat } from './tool-syntax.ts';

export interface TemplateCapabilities {
  /** Rendering with thinking on and off differs (`thinking` / `enable_thinking`). */
  thinkingToggle: boolean;
  /** The template writes tool definitions into the prompt itself. */
  tools: boolean;
  /** `deepseek-r1`: reasoning sits between `<think>` and `</think>`. */
  reasoningFormat: 'deepseek-r1' | 'none';
  /** How the template writes past tool calls, which is how the model writes new ones. */
  toolCallFormat: ToolCallFormat | 'none';
  /** What the template expects in `tool_calls[].function.arguments`. */
  toolArguments: 'object' | 'string';
  /**
   * The content of an assistant turn that only calls tools. Some templates test `content is none`
   * to spot such a turn (R1); others fail on a null content (Qwen3) and need an empty string.
   */
  toolCallContent: null | '';
}

const PROBE_USER = 'probe-user-text';
const PROBE_TOOL = 'probe_tool_definition';
const PROBE_CALL = 'probe_called_function';
const PROBE_ARG_VALUE = 'probe-argument-value';

const cache = new WeakMap<ChatTemplate, TemplateCapabilities>();

export function templateCapabilities(template: ChatTemplate): TemplateCapabilities {
  let capabilities = cache.get(template);
  if (!capabilities) {
    capabilities = probe(template);
    cache.set(template, capabilities);
  }
  return capabilities;
}

function probe(template: ChatTemplate): TemplateCapabilities {
  // A template may reject a probe's shape (roles, a tool turn); that only means it lacks the feature.
  const render = (messages: unknown[], extra: Record<string, unknown> = {}): string => {
    try {
      return template.render({ messages, bos_token: '', eos_token: '', add_generation_prompt: true, ...extra });
    } catch {
      return '';
    }
  };
  const user = { role: 'user', content: PROBE_USER };
  const thinkingOn = render([user], { thinking: true, enable_thinking: true });
  const thinkingOff = render([user], { thinking: false, enable_thinking: false });

  const generationPrompts = [thinkingOn, thinkingOff].map((p) => p.slice(p.lastIndexOf(PROBE_USER)));
  const history = render(
    [user, { role: 'assistant', content: '<think>probe-reasoning</think>probe-answer' }, user],
    { add_generation_prompt: false },
  );
  const dropsReasoning = history.includes('probe-answer') && !history.includes('probe-reasoning');
  const usesThinkTags = generationPrompts.some((p) => p.includes('<think>') || p.includes('</think>'));

  const tool = { type: 'function', function: { name: PROBE_TOOL, description: 'probe', parameters: {} } };
  const rendersTools = render([user], { tools: [tool] }).includes(PROBE_TOOL);

  const callTurn = (args: unknown, content: null | '') => [
    user,
    {
      role: 'assistant',
      content,
      tool_calls: [{ id: 'call_probe', type: 'function', function: { name: PROBE_CALL, arguments: args } }],
    },
    { role: 'tool', content: 'probe-result', tool_call_id: 'call_probe' },
  ];
  const objectArgs = { probe_arg: PROBE_ARG_VALUE };
  const failsOnNull = render(callTurn(objectArgs, null)) === '' && render(callTurn(objectArgs, '')) !== '';
  const toolCallContent = failsOnNull ? '' : null;
  const withObject = render(callTurn(objectArgs, toolCallContent));
  // Concatenating an object into a string gives "[object Map]" in @huggingface/jinja: the template
  // wanted the JSON string.
  const toolArguments = withObject.includes(PROBE_ARG_VALUE) && !withObject.includes('[object ') ? 'object' : 'string';
  const withCalls =
    toolArguments === 'object' ? withObject : render(callTurn(JSON.stringify(objectArgs), toolCallContent));

  return {
    thinkingToggle: thinkingOn !== thinkingOff,
    tools: rendersTools,
    reasoningFormat: usesThinkTags || dropsReasoning ? 'deepseek-r1' : 'none',
    toolCallFormat: toolCallFormatIn(withCalls),
    toolArguments,
    toolCallContent,
  };
}

function toolCallFormatIn(rendered: string): ToolCallFormat | 'none' {
  if (rendered.includes(`${TOOL_CALL_BEGIN}function${TOOL_SEP}${PROBE_CALL}`)) return 'deepseek-r1';
  if (rendered.includes(`${TOOL_CALL_BEGIN}${PROBE_CALL}${TOOL_SEP}`)) return 'deepseek-v3.1';
  return 'none';
}
