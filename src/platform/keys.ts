/**
 * @module platform/keys
 * API key material: `sk-` + 32 random bytes (base64url), shown once; the store keeps an HMAC of it
 * under the server secret and a short prefix for display.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface GeneratedKey {
  /** The secret the client sends as `Authorization: Bearer …`. */
  secret: string;
  /** Public id, safe to log and show. */
  id: string;
  prefix: string;
}

export function generateKey(): GeneratedKey {
  const secret = `sk-${randomBytes(32).toString('base64url')}`;
  return { secret, id: `key_${randomBytes(8).toString('hex')}`, prefix: secret.slice(0, 10) };
}

export function hashKey(serverSecret: Buffer, key: string): Buffer {
  return createHmac('sha256', serverSecret).update(key).digest();
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest lifetime a key may be given: past it, a date would not survive being stored and listed. */
export const MAX_KEY_LIFETIME_MS = 3650 * UNIT_MS.d;

/** `30d`, `12h`, `90m`, `2w` → milliseconds; null when the text is not such a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)([mhdw])$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]] : null;
}
