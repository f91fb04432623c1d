/**
 * DeepSeek's `user_id` (`metadata.user_id` on /anthropic): the caller's own end user, which isolates the
 * prefix cache and per-user concurrency. Letters, digits, `_` and `-` only, so its UTF-8 length is its
 * character count: at most 512 bytes. Anything else is a 422, as DeepSeek answers.
 */
import { Type } from '@sinclair/typebox';

export const USER_ID = Type.String({ pattern: '^[a-zA-Z0-9_-]+$', maxLength: 512 });
