import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runStoreContract } from './platform-store.contract.ts';
import { MIGRATIONS } from './migrations.ts';
import { startCheckpointer } from './checkpointer.ts';
import { openSqlite } from './sqlite.ts';
import { createSqlitePlatformStore } from './sqlite-platform-store.ts';
import type { PlatformStore } from './platform-store.ts';
import { until } from '../../test/helpers/until.ts';

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-store-')), 'seekstack.db');

runStoreContract('SQLite', async () => createSqlitePlatformStore(openSqlite(tempFile())));

describe('SQLite database', () => {
  it('runs in WAL mode with the latest schema, and migrates only once', () => {
    const file = tempFile();
    const db = openSqlite(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.at(-1)?.version);
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

describe('background checkpoints', () => {
  /** One ledger row, as a finished request writes it. */
  const recordUsage = (store: PlatformStore, tenantId: number, requestId: string) => store.recordUsage({
    requestId, createdAt: Date.now(), tenantId, keyId: null, requestedModel: 'm', model: 'm', userId: null, promptTokens: 1, cacheHitTokens: 0,
    completionTokens: 1, reasoningTokens: 0, latencyMs: 1, status: 200, finishReason: 'stop',
  }, null);

  it('copy the WAL into the database file from a worker thread, and truncate it at stop', async () => {
    const file = tempFile();
    const db = openSqlite(file);
    const checkpointer = startCheckpointer(db, { intervalMs: 50 });
    const store = createSqlitePlatformStore(db);
    const tenant = await store.createTenant('t', 1);
    const before = fs.statSync(file).size;
    for (let i = 0; i < 2000; i++) await recordUsage(store, tenant.id, `r${i}`);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'commits never checkpoint');
    await until('the worker copied pages into the database file', () => fs.statSync(file).size > before);
    await checkpointer.stop();
    assert.equal(fs.statSync(`${file}-wal`).size, 0);
    assert.equal(await store.ledgerCount(), 2000);
    await store.close();
  });

  it('start a thread only once the WAL has grown, which ends once it has nothing left to copy', async () => {
    const file = tempFile();
    const db = openSqlite(file);
    const checkpointer = startCheckpointer(db, { intervalMs: 50, startAtBytes: 1024 * 1024, idleCheckpoints: 4 });
    const store = createSqlitePlatformStore(db);
    const tenant = await store.createTenant('t', 1);
    const walSize = () => fs.statSync(`${file}-wal`).size;
    for (let i = 0; i < 5; i++) await recordUsage(store, tenant.id, `r${i}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(walSize() < 1024 * 1024);
    assert.equal(checkpointer.isThreadRunning, false, 'a small WAL starts no thread');
    // One commit of ~3 MB, then none: the WAL stays that long after the thread has copied it.
    db.exec('CREATE TABLE filler AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) SELECT randomblob(1000) AS b FROM n');
    await until('a grown WAL starts the thread', () => checkpointer.isThreadRunning);
    await until('the thread ends once everything is copied', () => !checkpointer.isThreadRunning);
    assert.ok(walSize() >= 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(checkpointer.isThreadRunning, false, 'a WAL copied already, however long, starts no thread');
    await recordUsage(store, tenant.id, 'r5');
    assert.ok(walSize() < 1024 * 1024, 'the next commit starts the WAL over, truncated');
    await checkpointer.stop();
    assert.equal(await store.ledgerCount(), 6);
    await store.close();
  });
});
