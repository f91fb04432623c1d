/** `seekstack audit verify` over the CLI: intact after real changes, failing after any direct edit of the database. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { databaseFile } from '../../src/platform/platform.ts';
import { scratchDir } from '../helpers/models.ts';
import { BIN } from '../helpers/serve-process.ts';

function seekstack(dataDir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A data directory whose audit log holds a tenant, a key and its revocation (three rows). */
function auditedDataDir(): string {
  const dataDir = scratchDir();
  assert.equal(seekstack(dataDir, 'tenants', 'create', 'acme').code, 0);
  const created = seekstack(dataDir, 'keys', 'create', '--tenant', 'acme', '--rpm', '60');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout.trim(), /^sk-[A-Za-z0-9_-]{43}$/, 'only the key itself goes to stdout');
  const keyId = /created key (key_[0-9a-f]+)/.exec(created.stderr)![1];
  assert.equal(seekstack(dataDir, 'keys', 'revoke', keyId).code, 0);
  return dataDir;
}

function tamper(dataDir: string, sql: string): void {
  const db = new Database(databaseFile(dataDir));
  db.exec(sql);
  db.close();
}

describe('seekstack audit verify', () => {
  it('passes on an untouched log and fails after a row is edited, deleted, or cut from the end', () => {
    const dataDir = auditedDataDir();
    const intact = seekstack(dataDir, 'audit', 'verify');
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(intact.stdout, /intact: 3 rows/);
    const list = seekstack(dataDir, 'audit', 'list');
    assert.match(list.stdout, /tenant\.create[\s\S]*key\.create[\s\S]*key\.revoke/);

    const edited = auditedDataDir();
    tamper(edited, `UPDATE audit_log SET details = '{"rpm":1000000}' WHERE action = 'key.create'`);
    const afterEdit = seekstack(edited, 'audit', 'verify');
    assert.equal(afterEdit.code, 1);
    assert.match(afterEdit.stderr, /TAMPERED[\s\S]*row 2: its contents do not match its hash/);

    const deleted = auditedDataDir();
    tamper(deleted, `DELETE FROM audit_log WHERE id = 2`);
    assert.match(seekstack(deleted, 'audit', 'verify').stderr, /row 3: expected row 2 here/);

    const truncated = auditedDataDir();
    tamper(truncated, `DELETE FROM audit_log WHERE id = 3`);
    const afterCut = seekstack(truncated, 'audit', 'verify');
    assert.equal(afterCut.code, 1);
    assert.match(afterCut.stderr, /chain head does not match/);

    const rehashed = auditedDataDir();
    tamper(rehashed, `UPDATE audit_log SET hash = 'abc' WHERE id = 3; UPDATE meta SET value = '3:abc:0' WHERE key = 'audit_head'`);
    assert.equal(seekstack(rehashed, 'audit', 'verify').code, 1, 'a forged hash needs the server secret');
  });
});
