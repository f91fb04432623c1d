/** Request fields shared by /chat/completions and /completions, as TypeBox (JSON Schema) values. */
import { MAX_LOGIT_BIAS_ENTRIES } from '../../engine/protocol.ts';
import { Type } from '@sinclair/typebox';
import { extensionFields } from './extensions.ts';
import { USER_ID } from './user-id.ts';

/** More than any context a model here can hold; the engine stops at the context's end anyway. */
export const MAX_TOKENS = 2 ** 31 - 1;

export const Stop = Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 16 })]);

export const SamplingFields = {
  model: Type.String({ minLength: 1 }),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOKENS })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  presence_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
  frequency_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
  stop: Type.Optional(Stop),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Object({ include_usage: Type.Optional(Type.Boolean()) })),
  seed: Type.Optional(Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })),
  n: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  // Bounded: each entry is work for the server, the engine and every sampling step of the request.
  logit_bias: Type.Optional(
    Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Number({ minimum: -100, maximum: 100 }), { maxProperties: MAX_LOGIT_BIAS_ENTRIES }),
  ),
  user: Type.Optional(Type.String({ maxLength: 1024 })),
  user_id: Type.Optional(USER_ID),
  ...extensionFields('openai', 'vllm', 'llamaServer'),
};
