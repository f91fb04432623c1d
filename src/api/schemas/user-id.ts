/**
 * DeepSeek's `user_id` (`metadata.user_id` on /anthropic): the caller's own end user, which isolates the
 * prefix cache and per-user concurrency. Letters, digits, `_` and `-` only, so its UTF-8 length is its
 * character count: at most 512 bytes. Anything else is a 422, as DeepSeek answers.
 */
import { Type } from '@sinclair/typebox';

const PATTERN = '^[a-zA-Z0-9_-]+$';
const MAX_BYTES = 512;

export const USER_ID = Type.String({ pattern: PATTERN, maxLength: MAX_BYTES });

/** The same rule, for a user_id found inside another value. */
export function isUserId(value: string): boolean {
  return value.length <= MAX_BYTES && new RegExp(PATTERN).test(value);
}
