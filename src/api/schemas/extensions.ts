/**
 * @module api/schemas/extensions
 * Every field the inference routes accept beyond their own API's definition, in this one place, by the
 * family that defines it. Request bodies are strict everywhere (an unknown field is a 422 naming it), so a
 * field a client library sends must be listed here to pass. A route family that brings its own clients
 * (Anthropic, Ollama) adds its entry here and spreads it into its body schema, as chat.ts does.
 */
import { Type, type TProperties } from '@sinclair/typebox';

export const EXTENSIONS = {
  /**
   * OpenAI's chat fields that change nothing about the answer here: accepted and ignored, so an OpenAI
   * client configured for OpenAI keeps working (storage, billing tier, cache routing and safety ids are
   * OpenAI's services, not the model's).
   */
  openai: {
    parallel_tool_calls: Type.Optional(Type.Boolean()),
    service_tier: Type.Optional(Type.String({ maxLength: 64 })),
    store: Type.Optional(Type.Boolean()),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), { maxProperties: 16 })),
    prompt_cache_key: Type.Optional(Type.String({ maxLength: 1024 })),
    safety_identifier: Type.Optional(Type.String({ maxLength: 1024 })),
    verbosity: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')])),
  },
  /** vLLM's and llama-server's sampling extensions: honoured. */
  vllm: {
    top_k: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    min_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    repetition_penalty: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    /** Keep generating past end-of-generation tokens (benchmarks). */
    ignore_eos: Type.Optional(Type.Boolean()),
  },
  /**
   * Anthropic's Messages fields for Anthropic's own services (code-execution containers, remote MCP servers,
   * priority tiers, server-side context editing): accepted and ignored, as DeepSeek's Anthropic API does.
   */
  anthropic: {
    container: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Object({}, { additionalProperties: true }), Type.Null()])),
    mcp_servers: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 32 })),
    service_tier: Type.Optional(Type.String({ maxLength: 64 })),
    context_management: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  },
  /** llama-server's: the prefix cache is always on here, so `cache_prompt` is accepted and has nothing to change. */
  llamaServer: {
    cache_prompt: Type.Optional(Type.Boolean()),
  },
} as const satisfies Record<string, TProperties>;

/** The extra fields of the named families, to spread into a body schema. */
export function extensionFields<const F extends keyof typeof EXTENSIONS>(...families: F[]): (typeof EXTENSIONS)[F] {
  return Object.assign({}, ...families.map((family) => EXTENSIONS[family]));
}
