import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runStoreContract } from './platform-store.contract.ts';
import { openSqlite } from './sqlite.ts';
import { createSqlitePlatformStore } from './sqlite-platform-store.ts';

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-store-')), 'seekstack.db');

runStoreContract('SQLite', async () => createSqlitePlatformStore(openSqlite(tempFile())));

describe('SQLite database', () => {
  it('runs in WAL mode with the latest schema, and migrates only once', () => {
    const file = tempFile();
    const db = openSqlite(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    db.close();
    openSqlite(file).close();
  });

  it('refuses a database from a newer Seekstack instead of guessing', () => {
    const file = tempFile();
    const db = openSqlite(file);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => openSqlite(file), /schema version 99, newer than this Seekstack/);
  });

  it('says which file it cannot open', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-store-'));
    fs.writeFileSync(path.join(dir, 'seekstack.db'), 'this is not a database, just some text that is long enough to be read');
    assert.throws(() => openSqlite(path.join(dir, 'seekstack.db')), /cannot open the database .*seekstack\.db/);
  });
});
