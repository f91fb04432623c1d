/** Bodies and query strings of the admin API, as TypeBox values. */
import { Type, type Static } from '@sinclair/typebox';

/** Limits and budgets: whole numbers a database column and a JSON number both hold exactly. */
const PositiveInt = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Name = Type.String({ minLength: 1, maxLength: 256 });

export const CreateTenant = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
export type CreateTenant = Static<typeof CreateTenant>;

export const CreateKey = Type.Object({
  tenant: Name,
  name: Type.Optional(Type.String({ maxLength: 200 })),
  rpm: Type.Optional(PositiveInt),
  tpm: Type.Optional(PositiveInt),
  max_concurrency: Type.Optional(PositiveInt),
  /** Concurrent requests per DeepSeek user_id. */
  max_concurrency_per_user: Type.Optional(PositiveInt),
  budget_tokens: Type.Optional(PositiveInt),
  models: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 256 })),
  /** A lifetime such as `30d`, `12h`, `90m` or `2w`, at most 10 years. */
  expires_in: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}[mhdw]$' })),
  admin: Type.Optional(Type.Boolean()),
});
export type CreateKey = Static<typeof CreateKey>;

export const KeysQuery = Type.Object({ tenant: Type.Optional(Name) });
export type KeysQuery = Static<typeof KeysQuery>;

export const KeyId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type KeyId = Static<typeof KeyId>;

export const PriceModel = Type.Object({ model: Name });
export type PriceModel = Static<typeof PriceModel>;

export const UsageQuery = Type.Object({
  tenant: Type.Optional(Name),
  /** `YYYY-MM-DD`, or `7d` up to 36500 days back. */
  since: Type.Optional(Type.String({ maxLength: 16 })),
  by: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('model'), Type.Literal('requested_model'), Type.Literal('key'), Type.Literal('tenant')])),
});
export type UsageQuery = Static<typeof UsageQuery>;

export const SetPrice = Type.Object({
  currency: Type.Optional(Type.String({ minLength: 1, maxLength: 12 })),
  cache_hit_per_m: Type.Number({ minimum: 0, maximum: 1e9 }),
  cache_miss_per_m: Type.Number({ minimum: 0, maximum: 1e9 }),
  output_per_m: Type.Number({ minimum: 0, maximum: 1e9 }),
});
export type SetPrice = Static<typeof SetPrice>;
