/**
 * @module platform/vault
 * The assistant app's cryptography, all from node:crypto. Each user has a random 256-bit data key that
 * encrypts their conversations (AES-256-GCM, bound by associated data to the row and field, so a
 * ciphertext moved to another row or user fails to open). The data key is stored only sealed: under a
 * key derived with scrypt from the password, under the recovery key, and per session under a secret that
 * lives only in the session cookie. The database and the server's files alone therefore never open it.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// 2^15 × 8 × 128 bytes = 32 MiB and ~0.1 s per derivation: costly to guess offline, cheap at sign-in.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export const randomKey = (): Buffer => randomBytes(KEY_BYTES);

export interface PasswordKeys {
  /** Stored, and compared at sign-in. */
  verifier: Buffer;
  /** Never stored: seals the data key. */
  sealingKey: Buffer;
}

/** One scrypt run gives both halves, so checking a password costs the same as opening the data key. */
export function derivePasswordKeys(password: string, salt: Buffer): Promise<PasswordKeys> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, 2 * KEY_BYTES, SCRYPT, (error, derived) => {
      if (error) reject(error);
      else resolve({ verifier: derived.subarray(0, KEY_BYTES), sealingKey: derived.subarray(KEY_BYTES) });
    });
  });
}

export const isSameSecret = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** For secrets that are already uniformly random (the recovery key, a session secret): no stretching needed. */
export function expandKey(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `seekstack ${purpose}`, KEY_BYTES));
}

export const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** iv ‖ tag ‖ ciphertext. */
export function seal(key: Buffer, plaintext: Buffer, associatedData: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Null when the key is wrong or the data was altered or moved. */
export function open(key: Buffer, sealed: Buffer, associatedData: string): Buffer | null {
  if (sealed.length < IV_BYTES + TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

export const sealText = (key: Buffer, text: string, associatedData: string): Buffer => seal(key, Buffer.from(text, 'utf8'), associatedData);

export function openText(key: Buffer, sealed: Buffer, associatedData: string): string {
  const plain = open(key, sealed, associatedData);
  if (!plain) throw new Error(`cannot decrypt ${associatedData}: wrong key or altered data`);
  return plain.toString('utf8');
}
