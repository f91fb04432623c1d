/**
 * @module platform/audit
 * The audit log is a hash chain sealed with the server secret: each row's hash is an HMAC over its own
 * fields and the previous row's hash, and the chain's head (row count + last hash) is sealed the same
 * way. Editing or deleting any row, including the last, breaks one of them; forging a consistent chain
 * needs the secret, which lives outside the database.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditEntry, AuditRecord, AuditSealer, PlatformStore } from '../store/platform-store.ts';

function mac(secret: Buffer, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function rowHash(secret: Buffer, row: Omit<AuditRecord, 'hash'>): string {
  return mac(secret, JSON.stringify([row.id, row.createdAt, row.actor, row.action, row.target, row.details, row.prevHash]));
}

function headSeal(secret: Buffer, count: number, lastHash: string): string {
  return `${count}:${lastHash}:${mac(secret, `head:${count}:${lastHash}`)}`;
}

export function auditSealer(secret: Buffer): AuditSealer {
  return (row) => {
    const hash = rowHash(secret, row);
    return { hash, head: headSeal(secret, row.id, hash) };
  };
}

export async function appendAudit(store: PlatformStore, secret: Buffer, entry: AuditEntry): Promise<AuditRecord> {
  return store.appendAudit(entry, Date.now(), auditSealer(secret));
}

export interface AuditVerdict {
  isValid: boolean;
  rows: number;
  /** What is wrong, row by row; empty when valid. */
  problems: string[];
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function verifyAudit(store: PlatformStore, secret: Buffer): Promise<AuditVerdict> {
  const rows = await store.auditLog();
  const problems: string[] = [];
  let prevHash = '';
  rows.forEach((row, index) => {
    if (row.id !== index + 1) problems.push(`row ${row.id}: expected row ${index + 1} here (a row was deleted or renumbered)`);
    if (row.prevHash !== prevHash) problems.push(`row ${row.id}: does not follow the row before it (a row was deleted, inserted or edited)`);
    if (!same(row.hash, rowHash(secret, row))) problems.push(`row ${row.id}: its contents do not match its hash (the row was edited)`);
    prevHash = row.hash;
  });
  const head = await store.auditHead();
  const expected = rows.length === 0 ? undefined : headSeal(secret, rows.at(-1)!.id, prevHash);
  if (head !== expected && !(head && expected && same(head, expected))) {
    problems.push(`the chain head does not match the last row (rows were removed from the end, or the head was edited)`);
  }
  return { isValid: problems.length === 0, rows: rows.length, problems };
}
