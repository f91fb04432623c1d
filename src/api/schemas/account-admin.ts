/** Bodies and parameters of the administrator's account routes (/app/api/admin/… and /admin/app/…), as TypeBox values. */
import { Type, type Static } from '@sinclair/typebox';

/** A limit, or null for none. */
const Limit = Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]);

/** Requests and tokens per minute, concurrent requests, and the tokens the account may ever use; a field left out is unchanged. */
export const Limits = Type.Object({
  rpm: Type.Optional(Limit),
  tpm: Type.Optional(Limit),
  max_concurrency: Type.Optional(Limit),
  budget_tokens: Type.Optional(Limit),
});
export type Limits = Static<typeof Limits>;

export const AccountName = Type.Object({ username: Type.String({ minLength: 1, maxLength: 48 }) });
export type AccountName = Static<typeof AccountName>;

export const AppSettingsChange = Type.Object({
  /** True or false as the administrator decides; null follows the server (open on loopback without keys, else closed). */
  is_sign_up_open: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  /** Days after which any conversation is deleted, whatever its owner chose; null for no maximum. */
  max_retention_days: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 36_500 }), Type.Null()])),
  /** The limits a new account starts with. */
  default_limits: Type.Optional(Limits),
});
export type AppSettingsChange = Static<typeof AppSettingsChange>;
