/**
 * @module chat/tool-prompt
 * Tool definitions for models whose template never writes them (DeepSeek V3.1's and R1's official
 * templates only render past calls). V3.1's model card documents the text to put after the system
 * prompt; R1-format models get the same text with their own call syntax.
 */
import type { ToolDefinition } from './messages.ts';
import { toolCallSyntax, type ToolCallFormat } from './tool-syntax.ts';

export function toolPrompt(tools: ToolDefinition[], format: ToolCallFormat): string {
  const syntax = toolCallSyntax(format);
  const example =
    syntax.begin +
    syntax.callBegin('tool_call_name') +
    syntax.argsBegin +
    'tool_call_arguments' +
    syntax.argsEnd +
    syntax.callEnd +
    '{{additional_tool_calls}}' +
    syntax.end;
  const chaining =
    syntax.separator === ''
      ? 'For multiple tool calls, chain them directly without separators or spaces'
      : 'For multiple tool calls, separate them with a single newline';
  const definitions = tools.map(
    ({ function: f }) =>
      `### ${f.name}\nDescription: ${f.description ?? ''}\n\nParameters: ${pythonJson(f.parameters ?? {})}`,
  );
  return [
    '## Tools',
    'You have access to the following tools:',
    '',
    definitions.join('\n\n'),
    '',
    'IMPORTANT: ALWAYS adhere to this exact format for tool use:',
    example,
    '',
    'Where:',
    '- `tool_call_name` must be an exact match to one of the available tools',
    "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema",
    `- ${chaining}`,
  ].join('\n');
}

/** JSON as Python's `json.dumps` writes it (the model card's own code): ", " and ": " separators. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
