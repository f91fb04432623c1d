/**
 * Request bodies of Ollama's API (`/api/*`), as its clients send them. `options` lists the sampling
 * options Seekstack applies; Ollama's runner options (num_gpu, num_thread, mirostat…) are accepted and
 * left to the server's configuration, as Ollama itself ignores the ones a runner does not know.
 */
import { Type, type Static } from '@sinclair/typebox';

const JsonSchema = Type.Object({}, { additionalProperties: true });

/** `5m`, `1h30m`, `-1` (for good), `0` (unload now), or a number of seconds. */
export const KeepAlive = Type.Union([Type.String({ maxLength: 32 }), Type.Number()]);

export const Options = Type.Object(
  {
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_k: Type.Optional(Type.Integer({ minimum: 0 })),
    min_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    seed: Type.Optional(Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })),
    /** -1: until the model stops or the context is full; -2: fill the context. */
    num_predict: Type.Optional(Type.Integer({ minimum: -2, maximum: 2 ** 31 - 1 })),
    num_ctx: Type.Optional(Type.Integer({ minimum: 1 })),
    stop: Type.Optional(Type.Array(Type.String(), { maxItems: 16 })),
    repeat_penalty: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
    presence_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
    frequency_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
  },
  { additionalProperties: true },
);
export type Options = Static<typeof Options>;

/** `json`, or a JSON Schema the answer must follow. */
const Format = Type.Union([Type.Literal('json'), Type.Literal(''), JsonSchema]);
/** true/false, or a level (`low`, `medium`, `high`) for models that take one. */
const Think = Type.Union([Type.Boolean(), Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
const Images = Type.Array(Type.String());

const Common = {
  model: Type.String({ minLength: 1 }),
  format: Type.Optional(Format),
  options: Type.Optional(Options),
  stream: Type.Optional(Type.Boolean()),
  keep_alive: Type.Optional(KeepAlive),
  think: Type.Optional(Think),
  logprobs: Type.Optional(Type.Boolean()),
  top_logprobs: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
};

const ToolCall = Type.Object({
  id: Type.Optional(Type.String()),
  function: Type.Object({
    index: Type.Optional(Type.Integer({ minimum: 0 })),
    name: Type.String(),
    arguments: Type.Union([JsonSchema, Type.String()]),
  }),
});

const Message = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')]),
  content: Type.Optional(Type.String()),
  thinking: Type.Optional(Type.String()),
  images: Type.Optional(Images),
  tool_calls: Type.Optional(Type.Array(ToolCall)),
  tool_name: Type.Optional(Type.String()),
  tool_call_id: Type.Optional(Type.String()),
});
export type OllamaMessage = Static<typeof Message>;

const Tool = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(JsonSchema),
  }),
});

export const OllamaChatRequest = Type.Object({
  ...Common,
  messages: Type.Optional(Type.Array(Message)),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 128 })),
});
export type OllamaChatRequest = Static<typeof OllamaChatRequest>;

export const OllamaGenerateRequest = Type.Object({
  ...Common,
  prompt: Type.Optional(Type.String()),
  suffix: Type.Optional(Type.String()),
  system: Type.Optional(Type.String()),
  template: Type.Optional(Type.String()),
  /** The `context` a previous /api/generate answer returned: its tokens come before this prompt's. */
  context: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 1_048_576 })),
  raw: Type.Optional(Type.Boolean()),
  images: Type.Optional(Images),
});
export type OllamaGenerateRequest = Static<typeof OllamaGenerateRequest>;

export const OllamaEmbedRequest = Type.Object({
  model: Type.String({ minLength: 1 }),
  input: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 2048 })]),
  /** Cut inputs longer than the context (Ollama's default) rather than refuse them. */
  truncate: Type.Optional(Type.Boolean()),
  dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
  options: Type.Optional(Options),
  keep_alive: Type.Optional(KeepAlive),
});
export type OllamaEmbedRequest = Static<typeof OllamaEmbedRequest>;

/** The older single-text endpoint. */
export const OllamaEmbeddingsRequest = Type.Object({
  model: Type.String({ minLength: 1 }),
  prompt: Type.String(),
  options: Type.Optional(Options),
  keep_alive: Type.Optional(KeepAlive),
});
export type OllamaEmbeddingsRequest = Static<typeof OllamaEmbeddingsRequest>;

export const OllamaModelRequest = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1 })),
  /** Ollama's older spelling of `model`. */
  name: Type.Optional(Type.String({ minLength: 1 })),
  verbose: Type.Optional(Type.Boolean()),
  insecure: Type.Optional(Type.Boolean()),
  stream: Type.Optional(Type.Boolean()),
});
export type OllamaModelRequest = Static<typeof OllamaModelRequest>;
