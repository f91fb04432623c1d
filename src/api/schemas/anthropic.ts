/**
 * POST /anthropic/v1/messages and /messages/count_tokens: Anthropic's Messages request body, as DeepSeek's
 * Anthropic API takes it. Fields Anthropic defines that change nothing here are in extensions.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MAX_TOKENS } from './common.ts';
import { extensionFields } from './extensions.ts';
import { USER_ID } from './user-id.ts';

/** A client's JSON Schema (a tool's input_schema, output_format.schema): any object, read by the grammar converter. */
const JsonSchema = Type.Object({}, { additionalProperties: true });

/** Prompt caching is automatic here: breakpoints are accepted and change nothing. */
const CacheControl = Type.Optional(Type.Object({ type: Type.Literal('ephemeral'), ttl: Type.Optional(Type.String({ maxLength: 16 })) }));

const TextBlock = Type.Object({
  type: Type.Literal('text'),
  text: Type.String(),
  cache_control: CacheControl,
  citations: Type.Optional(Type.Union([Type.Array(Type.Object({}, { additionalProperties: true })), Type.Null()])),
});

/** Images and documents: validated as blocks, then refused by the route, since no model served here can read them. */
const MediaBlock = Type.Object(
  { type: Type.Union([Type.Literal('image'), Type.Literal('document')]), source: Type.Object({}, { additionalProperties: true }), cache_control: CacheControl },
  { additionalProperties: true },
);

const ToolResultBlock = Type.Object({
  type: Type.Literal('tool_result'),
  tool_use_id: Type.String({ minLength: 1 }),
  content: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Union([TextBlock, MediaBlock]))])),
  is_error: Type.Optional(Type.Boolean()),
  cache_control: CacheControl,
});

const ToolUseBlock = Type.Object({
  type: Type.Literal('tool_use'),
  id: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  input: Type.Object({}, { additionalProperties: true }),
  cache_control: CacheControl,
});

const ThinkingBlock = Type.Object({ type: Type.Literal('thinking'), thinking: Type.String(), signature: Type.Optional(Type.String()), cache_control: CacheControl });

/** Thinking another server encrypted: nothing here can read it, so it is dropped from the prompt. */
const RedactedThinkingBlock = Type.Object({ type: Type.Literal('redacted_thinking'), data: Type.String() });

const ContentBlock = Type.Union([TextBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock, RedactedThinkingBlock, MediaBlock]);

/** A `system` message mid-conversation (Claude Code sends one) joins the system prompt, as the model's template places it. */
const Message = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]),
  content: Type.Union([Type.String(), Type.Array(ContentBlock)]),
});

/**
 * A client tool (`input_schema`), or one of Anthropic's server tools (a `type` such as `web_search_20250305`),
 * which only Anthropic runs: those are accepted and left out of the prompt.
 */
const Tool = Type.Object(
  {
    name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,128}$' }),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    description: Type.Optional(Type.String()),
    input_schema: Type.Optional(JsonSchema),
    cache_control: CacheControl,
  },
  { additionalProperties: true },
);

const ToolChoice = Type.Union([
  Type.Object({ type: Type.Union([Type.Literal('auto'), Type.Literal('any')]), disable_parallel_tool_use: Type.Optional(Type.Boolean()) }),
  Type.Object({ type: Type.Literal('tool'), name: Type.String(), disable_parallel_tool_use: Type.Optional(Type.Boolean()) }),
  Type.Object({ type: Type.Literal('none') }),
]);

/**
 * `budget_tokens` caps the reasoning where the output starts inside it (the reasoning's end is then written
 * for the model once it is spent); max_tokens bounds reasoning and answer together, as Anthropic's does.
 * `adaptive` (the model decides) thinks; `display` is accepted and the thinking is always returned.
 */
const Display = Type.Optional(Type.Union([Type.Literal('summarized'), Type.Literal('omitted'), Type.Literal('full')]));
const Thinking = Type.Union([
  Type.Object({ type: Type.Literal('enabled'), budget_tokens: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TOKENS })), display: Display }),
  Type.Object({ type: Type.Union([Type.Literal('disabled'), Type.Literal('adaptive')]), display: Display }),
]);

/**
 * metadata.user_id: DeepSeek's user_id, or the JSON object Claude Code sends there (its `device_id` is then the
 * user), so Claude Code works unchanged.
 */
const MetadataUserId = Type.Union([USER_ID, Type.String({ pattern: '^\\{[\\s\\S]*\\}$', maxLength: 4096 }), Type.Null()]);

const PromptFields = {
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(Message, { minItems: 1 }),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(TextBlock)])),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 128 })),
  tool_choice: Type.Optional(ToolChoice),
  thinking: Type.Optional(Thinking),
  /** Anthropic's effort control (output_config.effort), DeepSeek's reasoning_effort. */
  output_config: Type.Optional(
    Type.Object({ effort: Type.Optional(Type.Union(['low', 'medium', 'high', 'max'].map((e) => Type.Literal(e)))) }, { additionalProperties: true }),
  ),
  /** Structured outputs: the answer follows this JSON Schema. */
  output_format: Type.Optional(Type.Object({ type: Type.Literal('json_schema'), schema: JsonSchema })),
  ...extensionFields('anthropic'),
};

export const AnthropicMessagesRequest = Type.Object({
  ...PromptFields,
  max_tokens: Type.Integer({ minimum: 1, maximum: MAX_TOKENS }),
  stop_sequences: Type.Optional(Type.Array(Type.String(), { maxItems: 16 })),
  stream: Type.Optional(Type.Boolean()),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  // vLLM's and llama-server's sampling extensions (top_k is Anthropic's own too), as on /v1.
  ...extensionFields('vllm'),
  metadata: Type.Optional(Type.Object({ user_id: Type.Optional(MetadataUserId) })),
});
export type AnthropicMessagesRequest = Static<typeof AnthropicMessagesRequest>;

export const AnthropicCountTokensRequest = Type.Object(PromptFields);
export type AnthropicCountTokensRequest = Static<typeof AnthropicCountTokensRequest>;

export type AnthropicMessage = Static<typeof Message>;
export type AnthropicContentBlock = Static<typeof ContentBlock>;
