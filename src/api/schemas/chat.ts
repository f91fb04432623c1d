/** POST /chat/completions: DeepSeek's request body, with OpenAI's extra fields accepted. */
import { Type, type Static } from '@sinclair/typebox';
import { MAX_TOKENS, SamplingFields } from './common.ts';

/** A JSON Schema supplied by the client (tool parameters, response_format): any object, read by the grammar converter. */
const JsonSchema = Type.Object({}, { additionalProperties: true });

const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String() });

const ToolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String(), arguments: Type.String() }),
});

/** One object for every role (not a union), so a bad field gets a precise error; roles are checked after. */
const Message = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool'), Type.Literal('developer')]),
  content: Type.Optional(Type.Union([Type.String(), Type.Array(TextPart), Type.Null()])),
  name: Type.Optional(Type.String()),
  reasoning_content: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  tool_calls: Type.Optional(Type.Array(ToolCall)),
  tool_call_id: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.Boolean()),
  /** OpenAI's, on assistant messages a client sends back as it received them. */
  refusal: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

const FunctionTool = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(JsonSchema),
    strict: Type.Optional(Type.Boolean()),
  }),
});

export const ChatRequest = Type.Object({
  ...SamplingFields,
  messages: Type.Array(Message, { minItems: 1 }),
  max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKENS })),
  response_format: Type.Optional(
    Type.Object({
      type: Type.Union([Type.Literal('text'), Type.Literal('json_object'), Type.Literal('json_schema')]),
      json_schema: Type.Optional(
        Type.Object({
          name: Type.String(),
          description: Type.Optional(Type.String()),
          schema: Type.Optional(JsonSchema),
          strict: Type.Optional(Type.Boolean()),
        }),
      ),
    }),
  ),
  tools: Type.Optional(Type.Array(FunctionTool, { maxItems: 128 })),
  tool_choice: Type.Optional(
    Type.Union([
      Type.Union([Type.Literal('none'), Type.Literal('auto'), Type.Literal('required')]),
      Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: Type.String() }) }),
    ]),
  ),
  logprobs: Type.Optional(Type.Boolean()),
  top_logprobs: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  // budget_tokens: Anthropic's cap on the reasoning, taken here too (chat-prompt.ts).
  thinking: Type.Optional(Type.Object({ type: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]), budget_tokens: Type.Optional(Type.Integer({ minimum: 0 })) })),
  reasoning_effort: Type.Optional(
    Type.Union(['minimal', 'low', 'medium', 'high', 'xhigh', 'max', 'ultra'].map((e) => Type.Literal(e))),
  ),
});
export type ChatRequest = Static<typeof ChatRequest>;
export type ChatMessage = Static<typeof Message>;
