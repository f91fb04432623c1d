/** Bodies of the assistant app's model routes (/app/api/models, /app/api/tokens), as TypeBox values. */
import { Type, type Static } from '@sinclair/typebox';

/** A text to count under a model's tokenizer; 8 MiB of text is far past any context. */
export const TokenCount = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 200 }),
  text: Type.String({ maxLength: 8 * 1024 * 1024 }),
});
export type TokenCount = Static<typeof TokenCount>;
