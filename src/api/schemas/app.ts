/** Bodies and query strings of the assistant app's API (/app/api), as TypeBox values. */
import { Type, type Static } from '@sinclair/typebox';

const Username = Type.String({ minLength: 1, maxLength: 48 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Days = Type.Union([Type.Integer({ minimum: 1, maximum: 36_500 }), Type.Null()]);

export const Credentials = Type.Object({ username: Username, password: Password });
export type Credentials = Static<typeof Credentials>;

export const PasswordChange = Type.Object({ current_password: Password, new_password: Password });
export type PasswordChange = Static<typeof PasswordChange>;

export const Recovery = Type.Object({ username: Username, recovery_key: Type.String({ maxLength: 200 }), new_password: Password });
export type Recovery = Static<typeof Recovery>;

export const PasswordConfirmation = Type.Object({ password: Password });
export type PasswordConfirmation = Static<typeof PasswordConfirmation>;

export const ConversationId = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) });
export type ConversationId = Static<typeof ConversationId>;

export const SearchQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 500 })) });
export type SearchQuery = Static<typeof SearchQuery>;

const Title = Type.String({ minLength: 1, maxLength: 200 });

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

const Attachment = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  type: Type.String({ maxLength: 200 }),
  size_bytes: Count,
  text: Type.String(),
  tokens: Count,
}, { additionalProperties: false });

const Usage = Type.Object({
  prompt_tokens: Count,
  completion_tokens: Count,
  reasoning_tokens: Type.Optional(Count),
  prompt_cache_hit_tokens: Type.Optional(Count),
}, { additionalProperties: false });

export const Message = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  content: Type.String(),
  reasoning: Type.Optional(Type.String()),
  reasoning_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
  model: Type.Optional(Type.String({ maxLength: 200 })),
  attachments: Type.Optional(Type.Array(Attachment, { maxItems: 32 })),
  stopped: Type.Optional(Type.Boolean()),
  usage: Type.Optional(Usage),
  generation_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
}, { additionalProperties: false });

export const SaveConversation = Type.Object({
  title: Title,
  messages: Type.Array(Message, { maxItems: 10_000 }),
  /** Sent first, as the system message of every request. */
  system_prompt: Type.Optional(Type.String({ maxLength: 100_000 })),
  /** The API's range. */
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
});
export type SaveConversation = Static<typeof SaveConversation>;

export const Rename = Type.Object({ title: Title });
export type Rename = Static<typeof Rename>;

export const UserSettings = Type.Object({ retention_days: Days });
export type UserSettings = Static<typeof UserSettings>;
