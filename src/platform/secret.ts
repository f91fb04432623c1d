/**
 * @module platform/secret
 * The server's own secret, kept in the data directory beside (not inside) the database: API keys are
 * stored as HMACs under it and the audit chain is sealed with it, so someone holding only the database
 * can neither test guessed keys offline nor rewrite the audit log undetected.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SECRET_BYTES = 32;

export function loadSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': of two processes starting at once, exactly one creates the file; the other reads it.
    fs.writeFileSync(file, randomBytes(SECRET_BYTES).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  if (secret.length !== SECRET_BYTES) throw new Error(`${file} is damaged: expected ${SECRET_BYTES} hex-encoded bytes`);
  return secret;
}
