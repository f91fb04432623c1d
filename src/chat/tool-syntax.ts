/**
 * @module chat/tool-syntax
 * The literal text DeepSeek models write around tool calls, per format, as the templates render past
 * calls (and llama.cpp's parsers read them). A section holds one or more calls:
 *
 *   begin · callBegin(name) · argsBegin · ARGS-JSON · argsEnd · callEnd · [separator · next call…] · end
 *
 * `deepseek-r1` (R1, V3, V3-0324, the R1 distills): the call names its type, then the function, then a
 * fenced JSON block; calls are separated by a newline.
 * `deepseek-v3.1` (V3.1, V3.1-Terminus): the function name, then bare JSON; calls are chained directly.
 */

export type ToolCallFormat = 'deepseek-r1' | 'deepseek-v3.1';

export const TOOL_CALLS_BEGIN = '<｜tool▁calls▁begin｜>';
export const TOOL_CALLS_END = '<｜tool▁calls▁end｜>';
export const TOOL_CALL_BEGIN = '<｜tool▁call▁begin｜>';
export const TOOL_CALL_END = '<｜tool▁call▁end｜>';
export const TOOL_SEP = '<｜tool▁sep｜>';

export interface ToolCallSyntax {
  begin: string;
  callBegin(name: string): string;
  argsBegin: string;
  argsEnd: string;
  callEnd: string;
  /** Between two calls of one section. */
  separator: string;
  end: string;
}

const SYNTAX: Record<ToolCallFormat, ToolCallSyntax> = {
  'deepseek-r1': {
    begin: TOOL_CALLS_BEGIN,
    callBegin: (name) => `${TOOL_CALL_BEGIN}function${TOOL_SEP}${name}`,
    argsBegin: '\n```json\n',
    argsEnd: '\n```',
    callEnd: TOOL_CALL_END,
    separator: '\n',
    end: TOOL_CALLS_END,
  },
  'deepseek-v3.1': {
    begin: TOOL_CALLS_BEGIN,
    callBegin: (name) => `${TOOL_CALL_BEGIN}${name}`,
    argsBegin: TOOL_SEP,
    argsEnd: '',
    callEnd: TOOL_CALL_END,
    separator: '',
    end: TOOL_CALLS_END,
  },
};

export function toolCallSyntax(format: ToolCallFormat): ToolCallSyntax {
  return SYNTAX[format];
}
