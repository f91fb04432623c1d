/** POST /embeddings: OpenAI's request body. */
import { Type, type Static } from '@sinclair/typebox';

/** OpenAI's own limit on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const Text = Type.String({ minLength: 1 });
const Tokens = Type.Array(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }), { minItems: 1 });

export const EmbeddingRequest = Type.Object({
  model: Type.String({ minLength: 1 }),
  input: Type.Union([Text, Type.Array(Text, { minItems: 1, maxItems: MAX_EMBEDDING_INPUTS }), Tokens, Type.Array(Tokens, { minItems: 1, maxItems: MAX_EMBEDDING_INPUTS })]),
  encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
  dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
  user: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type EmbeddingRequest = Static<typeof EmbeddingRequest>;
