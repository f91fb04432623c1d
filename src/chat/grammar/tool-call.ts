/**
 * The grammar that forces a tool call (`tool_choice: required` or a named function): the model's own
 * tool-call syntax around arguments that follow each tool's JSON Schema. Each tool's argument rules
 * are renamed with a per-tool prefix, so two tools whose schemas share property names cannot clash.
 */
import type { ToolCallSyntax } from '../tool-syntax.ts';
import { jsonGrammar, schemaToGrammar } from './index.ts';
import { gbnfLiteral } from './literal.ts';

export interface GrammarTool {
  name: string;
  parameters?: unknown;
}

/** One call to one of `tools`, nothing before it and nothing after the section ends. */
export function toolCallGrammar(syntax: ToolCallSyntax, tools: readonly GrammarTool[], strict: boolean): string {
  const lines: string[] = [];
  const calls = tools.map((tool, i) => {
    const args = tool.parameters ? schemaToGrammar(tool.parameters, { strict }) : jsonGrammar();
    lines.push(...prefixRules(args, `tool${i}-`));
    const call = `call${i}`;
    lines.push(`${call} ::= ${gbnfLiteral(syntax.callBegin(tool.name) + syntax.argsBegin)} tool${i}-root ${gbnfLiteral(syntax.argsEnd + syntax.callEnd)}`);
    return call;
  });
  return [`root ::= ${gbnfLiteral(syntax.begin)} (${calls.join(' | ')}) ${gbnfLiteral(syntax.end)}`, ...lines].join('\n');
}

/** Rename every rule of a GBNF text, in definitions and references, leaving literals and classes alone. */
function prefixRules(grammar: string, prefix: string): string[] {
  const rules = grammar.split('\n').filter((line) => line.includes('::='));
  const names = new Set(rules.map((line) => line.slice(0, line.indexOf('::=')).trim()));
  return rules.map((line) => {
    const at = line.indexOf('::=');
    return `${prefix}${line.slice(0, at).trim()} ::=${renameReferences(line.slice(at + 3), names, prefix)}`;
  });
}

function renameReferences(body: string, names: ReadonlySet<string>, prefix: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === '"' || c === '[') {
      const close = c === '"' ? '"' : ']';
      let j = i + 1;
      while (j < body.length && body[j] !== close) j += body[j] === '\\' ? 2 : 1;
      out += body.slice(i, j + 1);
      i = j + 1;
    } else if (/[a-zA-Z0-9-]/.test(c)) {
      let j = i;
      while (j < body.length && /[a-zA-Z0-9-]/.test(body[j])) j++;
      const word = body.slice(i, j);
      // Repetition bounds like {0,14} are digits, never rule names, so only listed names change.
      out += names.has(word) ? prefix + word : word;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
