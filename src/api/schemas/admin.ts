/** Bodies and query strings of the admin API, as TypeBox values. */
import { Type, type Static } from '@sinclair/typebox';

const PositiveInt = Type.Integer({ minimum: 1 });

export const CreateTenant = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
export type CreateTenant = Static<typeof CreateTenant>;

export const CreateKey = Type.Object({
  tenant: Type.String({ minLength: 1 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  rpm: Type.Optional(PositiveInt),
  tpm: Type.Optional(PositiveInt),
  max_concurrency: Type.Optional(PositiveInt),
  budget_tokens: Type.Optional(PositiveInt),
  models: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  /** A lifetime such as `30d`, `12h`, `90m` or `2w`. */
  expires_in: Type.Optional(Type.String({ pattern: '^[0-9]+[mhdw]$' })),
  admin: Type.Optional(Type.Boolean()),
});
export type CreateKey = Static<typeof CreateKey>;

export const UsageQuery = Type.Object({
  tenant: Type.Optional(Type.String()),
  /** `YYYY-MM-DD` or `7d`. */
  since: Type.Optional(Type.String()),
  by: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('model'), Type.Literal('key'), Type.Literal('tenant')])),
});
export type UsageQuery = Static<typeof UsageQuery>;

export const SetPrice = Type.Object({
  currency: Type.Optional(Type.String({ minLength: 1, maxLength: 12 })),
  cache_hit_per_m: Type.Number({ minimum: 0 }),
  cache_miss_per_m: Type.Number({ minimum: 0 }),
  output_per_m: Type.Number({ minimum: 0 }),
});
export type SetPrice = Static<typeof SetPrice>;
