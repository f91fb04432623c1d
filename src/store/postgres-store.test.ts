/**
 * Both store contracts on PostgreSQL (each test in a schema of its own), and what only a shared database
 * must show: two processes' stores (two pools) on one schema never overspend a budget or fork the audit chain.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ownersIn, runAssistantStoreContract } from './assistant-store.contract.ts';
import { runStoreContract } from './platform-store.contract.ts';
import { PostgresDatabase } from './postgres.ts';
import { createPostgresAssistantStore } from './postgres-assistant-store.ts';
import { createPostgresPlatformStore } from './postgres-platform-store.ts';
import type { AuditSealer, PlatformStore } from './platform-store.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import { createTestSchema, sharedStateSkip, type TestSchema } from '../../test/helpers/shared-state.ts';

const skip = await sharedStateSkip({ postgres: true });
const schemas: TestSchema[] = [];
after(async () => {
  for (const schema of schemas) await schema.drop();
});

async function freshDatabase(): Promise<PostgresDatabase> {
  const schema = await createTestSchema();
  schemas.push(schema);
  return PostgresDatabase.open(schema.url);
}

if (!skip) {
  runStoreContract('PostgreSQL', async () => createPostgresPlatformStore(await freshDatabase()));

  runAssistantStoreContract('PostgreSQL', async () => {
    const db = await freshDatabase();
    return { store: createPostgresAssistantStore(db), newOwner: ownersIn(createPostgresPlatformStore(db)) };
  });
}

describe('PostgreSQL database', { skip }, () => {
  it('migrates once, even when several replicas open it at the same moment, and refuses a newer schema', async () => {
    const schema = await createTestSchema();
    schemas.push(schema);
    const opened = await Promise.all(Array.from({ length: 4 }, () => PostgresDatabase.open(schema.url)));
    const versions = await opened[0].query<{ version: number }>('SELECT version FROM seekstack_schema ORDER BY version');
    assert.deepEqual(versions.rows.map((r) => r.version), POSTGRES_MIGRATIONS.map((m) => m.version));
    await opened[0].query('INSERT INTO seekstack_schema (version, name, applied_at) VALUES (99, $1, 0)', ['from the future']);
    for (const db of opened) await db.close();
    await assert.rejects(PostgresDatabase.open(schema.url), /schema version 99, newer than this Seekstack/);
  });

  it('says which database it cannot reach, without its password', async () => {
    await assert.rejects(PostgresDatabase.open('postgres://someone:hunter2@127.0.0.1:1/nowhere'), (error: Error) => {
      assert.match(error.message, /cannot open the database postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  });
});

describe('two replicas on one PostgreSQL', { skip }, () => {
  const sealer: AuditSealer = (row) => ({ hash: `h${row.id}<${row.prevHash}>`, head: `head${row.id}` });

  async function twoStores(): Promise<[PlatformStore, PlatformStore]> {
    const schema = await createTestSchema();
    schemas.push(schema);
    return [createPostgresPlatformStore(await PostgresDatabase.open(schema.url)), createPostgresPlatformStore(await PostgresDatabase.open(schema.url))];
  }

  it('never reserve past a budget, however their reservations interleave', async () => {
    const [a, b] = await twoStores();
    const tenant = await a.createTenant('t', 1);
    const key = await a.createKey({
      id: 'key_shared', tenantId: tenant.id, name: null, hash: Buffer.from('h'), prefix: 'sk-test', isAdmin: false, isSessionOnly: false, createdAt: 1,
      rpm: null, tpm: null, maxConcurrency: null, budgetTokens: 1000, models: null, expiresAt: null,
    });
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      (i % 2 === 0 ? a : b).reserveBudget({ id: `r${i}`, keyId: key.id, tokens: 70, holder: i % 2 === 0 ? 'a' : 'b', createdAt: 1 }, Number.MAX_SAFE_INTEGER)));
    assert.equal(results.filter(Boolean).length, 14, '14 × 70 = 980 fit in 1000; the 15th does not');
    await Promise.all(results.map((ok, i) => ok
      ? (i % 2 === 0 ? a : b).recordUsage({
        requestId: `r${i}`, createdAt: 1, tenantId: tenant.id, keyId: key.id, requestedModel: 'm', model: 'm', userId: null, promptTokens: 30, cacheHitTokens: 0,
        completionTokens: 30, reasoningTokens: 0, latencyMs: 1, status: 200, finishReason: 'stop',
      }, { keyId: key.id, reservationId: `r${i}`, spentTokens: 60 })
      : undefined));
    const settled = await b.key(key.id);
    assert.deepEqual([settled?.spentTokens, settled?.reservedTokens], [14 * 60, 0]);
    assert.equal(await a.ledgerCount(), 14);
    await a.close();
    await b.close();
  });

  it('append to one audit chain, and both sweep lapsed reservations without releasing one twice', async () => {
    const [a, b] = await twoStores();
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).appendAudit({ actor: 'x', action: `a${i}`, target: 't', details: {} }, i, sealer)));
    const log = await a.auditLog();
    assert.deepEqual(log.map((r) => r.id), Array.from({ length: 40 }, (_, i) => i + 1));
    log.forEach((row, i) => assert.equal(row.prevHash, i === 0 ? '' : log[i - 1].hash, `row ${row.id} follows row ${i}`));
    assert.equal(await b.auditHead(), 'head40');

    const tenant = await a.createTenant('t', 1);
    const key = await a.createKey({
      id: 'key_sweep', tenantId: tenant.id, name: null, hash: Buffer.from('h2'), prefix: 'sk-test', isAdmin: false, isSessionOnly: false, createdAt: 1,
      rpm: null, tpm: null, maxConcurrency: null, budgetTokens: 10_000, models: null, expiresAt: null,
    });
    for (let i = 0; i < 20; i++) await a.reserveBudget({ id: `dead${i}`, keyId: key.id, tokens: 10, holder: 'dead', createdAt: 1 }, 100);
    const released = await Promise.all([a.reclaimExpiredReservations(1000), b.reclaimExpiredReservations(1000), a.reclaimExpiredReservations(1000)]);
    assert.equal(released.reduce((sum, n) => sum + n, 0), 200);
    assert.equal((await b.key(key.id))?.reservedTokens, 0);
    await a.close();
    await b.close();
  });
});
