/**
 * @module chat
 * Messages → prompt with the model's own chat template; generated text → reasoning, content and tool
 * calls. The API renders with `renderChat`, then streams the output through a `ReasoningSplitter` and
 * (for the content) a `ToolCallParser` chosen by `templateCapabilities`.
 */
export type {
  AssistantMessage,
  ChatMessage,
  MessageContent,
  SystemMessage,
  TextPart,
  ToolCall,
  ToolDefinition,
  ToolMessage,
  UserMessage,
} from './messages.ts';
export { contentText } from './messages.ts';
export { ChatTemplate, ChatTemplateError } from './chat-template.ts';
export { templateCapabilities, type TemplateCapabilities } from './capabilities.ts';
export { REASONING_END, renderChat, type RenderChatOptions, type RenderedChat } from './template.ts';
export { ReasoningSplitter, type ReasoningSplit, type ReasoningSplitterOptions } from './reasoning.ts';
export {
  parseToolCalls,
  ToolCallParser,
  type ToolCallDelta,
  type ToolCallParserOptions,
  type ToolCallParserOutput,
} from './tool-calls.ts';
export { toolCallSyntax, type ToolCallFormat, type ToolCallSyntax } from './tool-syntax.ts';
