/** POST /completions and /beta/completions: plain completion and fill-in-the-middle (prompt + suffix). */
import { Type, type Static } from '@sinclair/typebox';
import { SamplingFields } from './common.ts';

export const CompletionRequest = Type.Object({
  ...SamplingFields,
  prompt: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 1 })]),
  suffix: Type.Optional(Type.String()),
  echo: Type.Optional(Type.Boolean()),
  logprobs: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
});
export type CompletionRequest = Static<typeof CompletionRequest>;
