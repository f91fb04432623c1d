/**
 * The PlatformStore contract as one suite, run against every store implementation (SQLite now; a
 * PostgreSQL store must pass the same suite).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditSealer, NewKey, PlatformStore, UsageRecord } from './platform-store.ts';

const NO_LIMITS = { rpm: null, tpm: null, maxConcurrency: null, budgetTokens: null, models: null, expiresAt: null };

let nextKey = 0;
function newKey(tenantId: number, overrides: Partial<NewKey> = {}): NewKey {
  nextKey++;
  return {
    id: `key_${nextKey}`, tenantId, name: null, hash: Buffer.from(`hash-${nextKey}`), prefix: 'sk-test', isAdmin: false, isSessionOnly: false, createdAt: 1,
    ...NO_LIMITS, ...overrides,
  };
}

function usage(requestId: string, tenantId: number, keyId: string | null, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId, createdAt: Date.UTC(2026, 10, 28, 12), tenantId, keyId, requestedModel: 'm', model: 'm', userId: null, promptTokens: 10, cacheHitTokens: 4,
    completionTokens: 5, reasoningTokens: 2, latencyMs: 3, status: 200, finishReason: 'stop', ...overrides,
  };
}

/** A lease expiry far in the future: the holder is alive for the whole test. */
const LIVE = Number.MAX_SAFE_INTEGER;

const sealer: AuditSealer = (row) => ({ hash: `h${row.id}<${row.prevHash}>`, head: `head${row.id}` });

export function runStoreContract(name: string, newStore: () => Promise<PlatformStore>): void {
  describe(`PlatformStore contract: ${name}`, () => {
    it('creates and lists tenants; a duplicate name is a conflict', async () => {
      const store = await newStore();
      const acme = await store.createTenant('acme', 5);
      assert.deepEqual(await store.tenant('acme'), acme);
      await assert.rejects(store.createTenant('acme', 6), { name: 'ConflictError' });
      assert.deepEqual((await store.listTenants()).map((t) => t.name), ['acme']);
      await store.close();
    });

    it('stores keys by hash with their limits, and revokes once', async () => {
      const store = await newStore();
      const tenant = await store.createTenant('t', 1);
      assert.equal(await store.hasKeys(), false);
      await store.createKey(newKey(tenant.id, { isSessionOnly: true }));
      assert.equal(await store.hasKeys(), false, 'a session-only key is no key a client can send');
      const key = await store.createKey(newKey(tenant.id, { rpm: 7, models: ['a', 'b'], isAdmin: true }));
      assert.equal(await store.hasKeys(), true);
      const found = await store.keyByHash(Buffer.from(`hash-${nextKey}`));
      assert.deepEqual(found, key);
      assert.equal(found?.rpm, 7);
      assert.deepEqual(found?.models, ['a', 'b']);
      assert.equal(found?.isAdmin, true);
      assert.equal(await store.keyByHash(Buffer.from('nope')), undefined);
      assert.equal(await store.revokeKey(key.id, 99), true);
      assert.equal(await store.revokeKey(key.id, 100), false, 'a second revoke changes nothing');
      assert.equal((await store.key(key.id))?.revokedAt, 99);
      assert.equal(await store.setKeyLimits(key.id, { rpm: null, tpm: 5, maxConcurrency: 2, budgetTokens: 100 }), true);
      assert.deepEqual(await store.key(key.id), { ...key, revokedAt: 99, rpm: null, tpm: 5, maxConcurrency: 2, budgetTokens: 100 });
      assert.equal(await store.setKeyLimits('key_nope', { rpm: 1, tpm: 1, maxConcurrency: 1, budgetTokens: 1 }), false);
      await store.close();
    });

    it('reserves budget atomically and never past the budget', async () => {
      const store = await newStore();
      const tenant = await store.createTenant('t', 1);
      const key = await store.createKey(newKey(tenant.id, { budgetTokens: 100 }));
      const reserve = (id: string, tokens: number, holder = 'p1') => store.reserveBudget({ id, keyId: key.id, tokens, holder, createdAt: 1 }, LIVE);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => reserve(`r${i}`, 30)));
      assert.equal(results.filter(Boolean).length, 3);
      assert.equal((await store.key(key.id))?.reservedTokens, 90);
      const first = `r${results.indexOf(true)}`;
      await store.recordUsage(usage(first, tenant.id, key.id), { keyId: key.id, reservationId: first, spentTokens: 15 });
      const after = await store.key(key.id);
      assert.equal(after?.reservedTokens, 60, 'the settled request released its own reservation');
      assert.equal(after?.spentTokens, 15);
      assert.equal(await reserve('x', 26), false, '100 - 15 spent - 60 reserved leaves 25');
      assert.equal(await reserve('y', 25), true);
      await store.releaseReservation('y');
      await store.releaseReservation('y');
      assert.equal((await store.key(key.id))?.reservedTokens, 60, 'a released reservation gives its tokens back once');
      await store.close();
    });

    it('keeps a live holder\'s reservations, reclaims a lapsed holder\'s, and releases a holder that stops', async () => {
      const store = await newStore();
      const tenant = await store.createTenant('t', 1);
      const key = await store.createKey(newKey(tenant.id, { budgetTokens: 1000 }));
      const reserve = (id: string, holder: string, leaseExpiresAt: number) => store.reserveBudget({ id, keyId: key.id, tokens: 100, holder, createdAt: 1 }, leaseExpiresAt);
      await reserve('a1', 'a', 1_000);
      await reserve('b1', 'b', 5_000);
      await reserve('c1', 'c', 5_000);
      assert.equal(await store.reclaimExpiredReservations(500), 0, 'nobody has lapsed yet');
      await store.renewLease('a', 2_000);
      assert.equal(await store.reclaimExpiredReservations(1_500), 0, 'a renewed its lease in time');
      assert.equal((await store.key(key.id))?.reservedTokens, 300);
      assert.equal(await store.reclaimExpiredReservations(3_000), 100, 'a lapsed: only its reservation is freed');
      assert.equal((await store.key(key.id))?.reservedTokens, 200);
      await store.recordUsage(usage('a1', tenant.id, key.id), { keyId: key.id, reservationId: 'a1', spentTokens: 40 });
      assert.deepEqual([(await store.key(key.id))?.reservedTokens, (await store.key(key.id))?.spentTokens], [200, 40], 'a late settlement still charges, and releases nothing twice');
      await store.releaseHolder('c');
      assert.equal((await store.key(key.id))?.reservedTokens, 100, 'c stopped: its reservation went with it; b\'s stays');
      assert.equal(await store.reserveBudget({ id: 'a2', keyId: key.id, tokens: 100, holder: 'a', createdAt: 1 }, 9_000), true, 'a lapsed holder that comes back renews as it reserves');
      await store.renewLease('d', 9_000);
      assert.equal(await store.reserveBudget({ id: 'd1', keyId: key.id, tokens: 100, holder: 'd', createdAt: 1 }, null), true, 'a holder sure of its lease reserves without renewing');
      assert.equal(await store.reclaimExpiredReservations(6_000), 100, 'b lapsed at 5000; a and d hold until 9000');
      assert.equal((await store.key(key.id))?.reservedTokens, 200);
      await store.close();
    });

    it('rolls usage up by user_id, requests without one in their own group', async () => {
      const store = await newStore();
      const tenant = await store.createTenant('t', 1);
      for (const [id, userId] of [['u1', 'alice'], ['u2', 'alice'], ['u3', 'bob'], ['u4', null]] as const) await store.recordUsage(usage(id, tenant.id, null, { userId }), null);
      assert.deepEqual((await store.usage({ by: 'user' })).map((r) => [r.group, r.requests, r.promptTokens]), [['', 1, 10], ['alice', 2, 20], ['bob', 1, 10]]);
      await store.close();
    });

    it('keeps a key\'s per-user concurrency limit', async () => {
      const store = await newStore();
      const tenant = await store.createTenant('t', 1);
      assert.equal((await store.createKey(newKey(tenant.id, { maxConcurrencyPerUser: 3 }))).maxConcurrencyPerUser, 3);
      assert.equal((await store.createKey(newKey(tenant.id))).maxConcurrencyPerUser, null);
      await store.close();
    });

    it('prices a request by the name the client used when that name has a price, else by the served model', async () => {
      const store = await newStore();
      const tenant = await store.createTenant('t', 1);
      await store.setPrice({ model: 'served', currency: 'USD', cacheHitPerM: 0, cacheMissPerM: 1, outputPerM: 0 });
      assert.equal(await store.recordUsage(usage('p1', tenant.id, null, { requestedModel: 'alias', model: 'served', cacheHitTokens: 0 }), null), 10 / 1e6);
      await store.setPrice({ model: 'alias', currency: 'USD', cacheHitPerM: 0, cacheMissPerM: 3, outputPerM: 0 });
      assert.equal(await store.recordUsage(usage('p2', tenant.id, null, { requestedModel: 'alias', model: 'served', cacheHitTokens: 0 }), null), 30 / 1e6);
      assert.equal(await store.recordUsage(usage('p3', tenant.id, null, { requestedModel: 'other', model: 'served', cacheHitTokens: 0 }), null), 10 / 1e6);
      assert.equal(await store.recordUsage(usage('p4', tenant.id, null, { requestedModel: 'x', model: 'y' }), null), null);
      const byRequested = await store.usage({ by: 'requested_model' });
      assert.deepEqual(byRequested.map((r) => [r.group, r.requests, Math.round(r.cost * 1e6)]), [['alias', 2, 40], ['other', 1, 10], ['x', 1, 0]]);
      const byServed = await store.usage({ by: 'model' });
      assert.deepEqual(byServed.map((r) => [r.group, r.requests]), [['served', 3], ['y', 1]]);
      await store.close();
    });

    it('records each request once, rolls it up by day, and costs it at the price of the moment', async () => {
      const store = await newStore();
      const tenant = await store.createTenant('t', 1);
      const other = await store.createTenant('u', 1);
      const key = await store.createKey(newKey(tenant.id));
      await store.setPrice({ model: 'm', currency: 'USD', cacheHitPerM: 1, cacheMissPerM: 2, outputPerM: 4 });
      const cost = await store.recordUsage(usage('a', tenant.id, key.id), null);
      assert.equal(cost, (4 * 1 + 6 * 2 + 5 * 4) / 1e6);
      await store.recordUsage(usage('a', tenant.id, key.id), null);
      await store.recordUsage(usage('b', tenant.id, null, { model: 'n', createdAt: Date.UTC(2026, 10, 29, 1) }), null);
      await store.recordUsage(usage('c', other.id, null), null);
      assert.equal(await store.ledgerCount(), 3, 'the repeated request id was ignored');

      const byDay = await store.usage({ by: 'day', tenantId: tenant.id });
      assert.deepEqual(byDay.map((r) => [r.group, r.requests, r.promptTokens, r.completionTokens]), [['2026-11-28', 1, 10, 5], ['2026-11-29', 1, 10, 5]]);
      const byModel = await store.usage({ by: 'model' });
      assert.deepEqual(byModel.map((r) => [r.group, r.requests]), [['m', 2], ['n', 1]]);
      const since = await store.usage({ by: 'tenant', sinceDay: '2026-11-29' });
      assert.deepEqual(since.map((r) => [r.group, r.requests, r.cacheHitTokens, r.reasoningTokens]), [['t', 1, 4, 2]]);
      assert.deepEqual((await store.usage({ by: 'key', tenantId: tenant.id })).map((r) => r.group).sort(), ['', key.id]);
      await store.close();
    });

    it('appends audit rows in a chain and keeps the sealed head', async () => {
      const store = await newStore();
      assert.equal(await store.auditHead(), undefined);
      await store.appendAudit({ actor: 'a', action: 'x', target: 't', details: { n: 1 } }, 10, sealer);
      const second = await store.appendAudit({ actor: 'a', action: 'y', target: 't', details: {} }, 11, sealer);
      assert.equal(second.id, 2);
      assert.equal(second.prevHash, 'h1<>');
      assert.equal(await store.auditHead(), 'head2');
      assert.deepEqual((await store.auditLog()).map((r) => [r.id, r.action, r.details]), [[1, 'x', '{"n":1}'], [2, 'y', '{}']]);
      await store.appendAudit({ actor: 'a', action: 'x', target: 't', details: { n: 3 } }, 12, sealer);
      assert.equal((await store.lastAudit('x'))?.details, '{"n":3}');
      assert.equal(await store.lastAudit('z'), undefined);
      await store.close();
    });

    it('keeps the first value claimed under a meta key', async () => {
      const store = await newStore();
      const claims = await Promise.all(['a', 'b', 'c'].map((value) => store.claimMeta('k', value)));
      assert.equal(new Set(claims).size, 1, 'every claimant sees the same winner');
      assert.equal(await store.claimMeta('k', 'd'), claims[0]);
      await store.close();
    });
  });
}
