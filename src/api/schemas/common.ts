/** Request fields shared by /chat/completions and /completions, as TypeBox (JSON Schema) values. */
import { MAX_LOGIT_BIAS_ENTRIES } from '../../engine/protocol.ts';
import { Type } from '@sinclair/typebox';

export const Stop = Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 16 })]);

export const SamplingFields = {
  model: Type.String({ minLength: 1 }),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  presence_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
  frequency_penalty: Type.Optional(Type.Number({ minimum: -2, maximum: 2 })),
  stop: Type.Optional(Stop),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Object({ include_usage: Type.Optional(Type.Boolean()) })),
  seed: Type.Optional(Type.Integer()),
  n: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  // Bounded: each entry is work for the server, the engine and every sampling step of the request.
  logit_bias: Type.Optional(
    Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Number({ minimum: -100, maximum: 100 }), { maxProperties: MAX_LOGIT_BIAS_ENTRIES }),
  ),
  user: Type.Optional(Type.String()),
  // Extensions that vLLM and llama-server accept too.
  top_k: Type.Optional(Type.Integer({ minimum: 0 })),
  min_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  repetition_penalty: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  /** vLLM's: keep generating past end-of-generation tokens (benchmarks). */
  ignore_eos: Type.Optional(Type.Boolean()),
};
