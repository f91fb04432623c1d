/**
 * @module store/postgres-platform-store
 * The PlatformStore over PostgreSQL, shared by every replica. What must hold across processes:
 * - Budget reservations: one conditional UPDATE of the key's row (`budget - spent - reserved >= tokens`).
 *   In READ COMMITTED, a concurrent writer of that row waits for the row lock and then re-checks the
 *   condition against the committed row, so two replicas can never both take the last tokens.
 * - Settlement: the ledger row (its request id unique), the daily roll-up (an upsert), and the release of
 *   the reservation (a DELETE … RETURNING, which only one process can win) in one statement.
 * The request path (reserve, settle) is one statement each, with data-modifying CTEs: a statement is its own
 * transaction, so each costs one round trip and one commit instead of a checked-out connection's six or eight.
 * - The audit chain: appends take a transaction-scoped advisory lock, so each reads the head the previous
 *   one wrote; readers never wait for it. Reclaiming lapsed reservations takes another, so two replicas
 *   sweeping at once neither deadlock on key rows nor release a reservation twice.
 * Text is ordered with COLLATE "C" to list exactly as SQLite does (byte order), whatever the database's locale.
 */
import { isUniqueViolation, type PostgresDatabase, type Queryable } from './postgres.ts';
import { ConflictError, type BudgetReservation, type PlatformStore, type UsageRecord } from './platform-store.ts';
import { auditRecord, nextAuditRow, GROUP_COLUMN, KEY_COLUMNS, keyRecord, priceRecord, tenantRecord, USAGE_SUMS, usageRow, utcDay } from './rows.ts';

/** Advisory lock names, scoped to the schema so deployments sharing a database never wait on each other. */
const lockOn = (name: string) => `SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':${name}'))`;


/** Deletes the reservations `where` selects and gives their tokens back to their keys; returns the tokens. */
async function releaseReservations(client: Queryable, where: string, values: unknown[]): Promise<number> {
  const released = await client.query<{ tokens: number }>(`WITH gone AS (DELETE FROM budget_reservations r WHERE ${where} RETURNING key_id, tokens),
    per_key AS (SELECT key_id, SUM(tokens) AS tokens FROM gone GROUP BY key_id),
    settled AS (UPDATE api_keys k SET reserved_tokens = GREATEST(0, k.reserved_tokens - per_key.tokens) FROM per_key WHERE k.id = per_key.key_id)
    SELECT COALESCE(SUM(tokens), 0) AS tokens FROM per_key`, values);
  return released.rows[0].tokens;
}

export function createPostgresPlatformStore(db: PostgresDatabase): PlatformStore {
  const one = async (text: string, values: unknown[] = []) => (await db.query(text, values)).rows[0];

  return {
    async createTenant(name, createdAt) {
      try {
        return tenantRecord(await one('INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING *', [name, createdAt]));
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`the tenant '${name}' already exists`);
        throw error;
      }
    },
    async tenant(name) {
      const row = await one('SELECT * FROM tenants WHERE name = $1', [name]);
      return row ? tenantRecord(row) : undefined;
    },
    async listTenants() {
      return (await db.query('SELECT * FROM tenants ORDER BY id')).rows.map(tenantRecord);
    },

    async createKey(key) {
      await db.query(`INSERT INTO api_keys (id, tenant_id, name, hash, prefix, is_admin, session_only, rpm, tpm, max_concurrency,
        max_concurrency_per_user, budget_tokens, models, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, [
        key.id, key.tenantId, key.name, key.hash, key.prefix, key.isAdmin, key.isSessionOnly, key.rpm, key.tpm, key.maxConcurrency,
        key.maxConcurrencyPerUser ?? null, key.budgetTokens, key.models === null ? null : JSON.stringify(key.models), key.expiresAt, key.createdAt,
      ]);
      return keyRecord(await one(`SELECT ${KEY_COLUMNS} WHERE k.id = $1`, [key.id]));
    },
    async keyByHash(hash) {
      const row = (await db.prepared('seekstack-key-by-hash', `SELECT ${KEY_COLUMNS} WHERE k.hash = $1`, [hash])).rows[0];
      return row ? keyRecord(row) : undefined;
    },
    async key(id) {
      const row = (await db.prepared('seekstack-key', `SELECT ${KEY_COLUMNS} WHERE k.id = $1`, [id])).rows[0];
      return row ? keyRecord(row) : undefined;
    },
    async listKeys(tenantId) {
      const rows = tenantId === undefined
        ? await db.query(`SELECT ${KEY_COLUMNS} ORDER BY k.created_at, k.id COLLATE "C"`)
        : await db.query(`SELECT ${KEY_COLUMNS} WHERE k.tenant_id = $1 ORDER BY k.created_at, k.id COLLATE "C"`, [tenantId]);
      return rows.rows.map(keyRecord);
    },
    async revokeKey(id, revokedAt) {
      return (await db.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [revokedAt, id])).rowCount === 1;
    },
    async setKeyLimits(id, limits) {
      const result = await db.query('UPDATE api_keys SET rpm = $1, tpm = $2, max_concurrency = $3, budget_tokens = $4 WHERE id = $5',
        [limits.rpm, limits.tpm, limits.maxConcurrency, limits.budgetTokens, id]);
      return result.rowCount === 1;
    },
    async hasKeys() {
      return (await one('SELECT EXISTS (SELECT 1 FROM api_keys WHERE NOT session_only) AS any')).any === true;
    },

    async reserveBudget(reservation: BudgetReservation, renewLeaseTo) {
      // One statement, so one round trip and its own transaction: the lease renewal, the conditional UPDATE
      // and the reservation row commit together or not at all.
      // It sits before the first token, so it does not wait for its WAL flush (synchronous_commit off for this
      // transaction alone; `durable` is read at commit): the commit is visible to every replica at once, so
      // budgets stay exact, and only a PostgreSQL crash can lose the last fraction of a second of holds
      // (wal_writer_delay × 3 at most); a request whose hold was lost still settles durably, so the cost is
      // that a crash may let those in-flight requests run past a budget by what they held. A statement that
      // renews the lease keeps the durable commit: a lost renewal would let other replicas reclaim this
      // one's later holds while its requests run.
      const reserved = await db.prepared('seekstack-reserve', `WITH durable AS (SELECT set_config('synchronous_commit', CASE WHEN $6::bigint IS NULL THEN 'off' ELSE 'on' END, true)),
        lease AS (
          INSERT INTO process_leases (holder, expires_at) SELECT $4, $6::bigint WHERE $6::bigint IS NOT NULL
          ON CONFLICT (holder) DO UPDATE SET expires_at = GREATEST(process_leases.expires_at, excluded.expires_at)),
        taken AS (UPDATE api_keys SET reserved_tokens = reserved_tokens + $3
          WHERE id = $2 AND (budget_tokens IS NULL OR budget_tokens - spent_tokens - reserved_tokens >= $3) RETURNING id)
        INSERT INTO budget_reservations (id, key_id, tokens, holder, created_at) SELECT $1, $2, $3, $4, $5 FROM taken, durable`,
      [reservation.id, reservation.keyId, reservation.tokens, reservation.holder, reservation.createdAt, renewLeaseTo]);
      return reserved.rowCount === 1;
    },
    async renewLease(holder, expiresAt) {
      await db.query(`INSERT INTO process_leases (holder, expires_at) VALUES ($1, $2)
        ON CONFLICT (holder) DO UPDATE SET expires_at = GREATEST(process_leases.expires_at, excluded.expires_at)`, [holder, expiresAt]);
    },
    async reclaimExpiredReservations(now) {
      return db.transaction(async (client) => {
        await client.query(lockOn('seekstack-reclaim'));
        const tokens = await releaseReservations(client,
          'NOT EXISTS (SELECT 1 FROM process_leases l WHERE l.holder = r.holder AND l.expires_at >= $1)', [now]);
        await client.query('DELETE FROM process_leases WHERE expires_at < $1', [now]);
        return tokens;
      });
    },
    async releaseReservation(id) {
      // One statement: the DELETE … RETURNING makes only one release of a reservation count.
      await releaseReservations(db.pool, 'r.id = $1', [id]);
    },
    async releaseHolder(holder) {
      await db.transaction(async (client) => {
        await client.query(lockOn('seekstack-reclaim'));
        await releaseReservations(client, 'r.holder = $1', [holder]);
        await client.query('DELETE FROM process_leases WHERE holder = $1', [holder]);
      });
    },

    async recordUsage(usage: UsageRecord, settlement) {
      // The ledger row, its price, its roll-up and the settlement in one statement (one round trip, one
      // transaction); a request id already recorded inserts nothing, and then nothing else happens either. A
      // reservation already reclaimed (its holder's lease lapsed) has nothing left to release. The name the
      // client used wins the price: a price set on an alias applies to requests made through it. The cost is
      // costOf's arithmetic (rows.ts) in the same double-precision steps and order, so SQLite's ledger and
      // this one agree to the last bit.
      const settled = await db.prepared<{ cost: number | null }>('seekstack-settle', `WITH priced AS (SELECT (SELECT ($9::bigint::float8 * p.cache_hit_per_m + ($8::bigint - $9::bigint)::float8 * p.cache_miss_per_m + $10::bigint::float8 * p.output_per_m) / 1e6::float8
          FROM model_prices p WHERE p.model IN ($5, $6) ORDER BY p.model = $5 DESC LIMIT 1) AS cost),
        ledger AS (
          INSERT INTO usage_ledger (request_id, created_at, tenant_id, key_id, requested_model, model, user_id, prompt_tokens, cache_hit_tokens,
            completion_tokens, reasoning_tokens, latency_ms, status, finish_reason, cost)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, (SELECT cost FROM priced)) ON CONFLICT (request_id) DO NOTHING RETURNING id),
        daily AS (
          INSERT INTO usage_daily (day, tenant_id, key_id, requested_model, model, user_id, requests, prompt_tokens, cache_hit_tokens,
            completion_tokens, reasoning_tokens, cost)
          SELECT $15, $3, COALESCE($4, ''), $5, $6, COALESCE($7, ''), 1, $8, $9, $10, $11, COALESCE((SELECT cost FROM priced), 0) FROM ledger
          ON CONFLICT (day, tenant_id, key_id, requested_model, model, user_id) DO UPDATE SET requests = usage_daily.requests + 1,
            prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens, cache_hit_tokens = usage_daily.cache_hit_tokens + excluded.cache_hit_tokens,
            completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
            reasoning_tokens = usage_daily.reasoning_tokens + excluded.reasoning_tokens, cost = usage_daily.cost + excluded.cost),
        released AS (DELETE FROM budget_reservations WHERE id = $16 AND EXISTS (SELECT 1 FROM ledger) RETURNING tokens),
        settled AS (UPDATE api_keys SET reserved_tokens = GREATEST(0, reserved_tokens - COALESCE((SELECT tokens FROM released), 0)), spent_tokens = spent_tokens + $17
          WHERE id = $18 AND EXISTS (SELECT 1 FROM ledger))
        SELECT cost FROM priced`, [
        usage.requestId, usage.createdAt, usage.tenantId, usage.keyId, usage.requestedModel, usage.model, usage.userId, usage.promptTokens,
        usage.cacheHitTokens, usage.completionTokens, usage.reasoningTokens, usage.latencyMs, usage.status, usage.finishReason, utcDay(usage.createdAt),
        settlement?.reservationId ?? null, settlement?.spentTokens ?? 0, settlement?.keyId ?? null,
      ]);
      return settled.rows[0].cost;
    },
    async usage(query) {
      const where = ['true'];
      const values: unknown[] = [];
      if (query.tenantId !== undefined) where.push(`u.tenant_id = $${values.push(query.tenantId)}`);
      if (query.sinceDay !== undefined) where.push(`u.day >= $${values.push(query.sinceDay)}`);
      const group = GROUP_COLUMN[query.by];
      const rows = await db.query(`SELECT ${group} AS grp, ${USAGE_SUMS}
        FROM usage_daily u JOIN tenants t ON t.id = u.tenant_id WHERE ${where.join(' AND ')} GROUP BY ${group} ORDER BY ${group} COLLATE "C"`, values);
      return rows.rows.map(usageRow);
    },
    async ledgerCount() {
      return (await one('SELECT COUNT(*) AS n FROM usage_ledger')).n as number;
    },

    async setPrice(price) {
      await db.query(`INSERT INTO model_prices (model, currency, cache_hit_per_m, cache_miss_per_m, output_per_m) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (model) DO UPDATE SET currency = excluded.currency, cache_hit_per_m = excluded.cache_hit_per_m,
        cache_miss_per_m = excluded.cache_miss_per_m, output_per_m = excluded.output_per_m`,
        [price.model, price.currency, price.cacheHitPerM, price.cacheMissPerM, price.outputPerM]);
    },
    async listPrices() {
      return (await db.query('SELECT * FROM model_prices ORDER BY model COLLATE "C"')).rows.map(priceRecord);
    },

    async appendAudit(entry, createdAt, seal) {
      return db.transaction(async (client) => {
        await client.query(lockOn('seekstack-audit'));
        const last = (await client.query<{ id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1')).rows[0];
        const row = nextAuditRow(last, entry, createdAt);
        const { hash, head } = seal(row);
        await client.query('INSERT INTO audit_log (id, created_at, actor, action, target, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [row.id, row.createdAt, row.actor, row.action, row.target, row.details, row.prevHash, hash]);
        await client.query(`INSERT INTO meta (key, value) VALUES ('audit_head', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [head]);
        return { ...row, hash };
      });
    },
    async auditLog() {
      return (await db.query('SELECT * FROM audit_log ORDER BY id')).rows.map(auditRecord);
    },
    async lastAudit(action) {
      const row = await one('SELECT * FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1', [action]);
      return row ? auditRecord(row) : undefined;
    },
    async auditHead() {
      return (await one(`SELECT value FROM meta WHERE key = 'audit_head'`))?.value as string | undefined;
    },

    async claimMeta(key, value) {
      await db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
      return (await one('SELECT value FROM meta WHERE key = $1', [key])).value as string;
    },

    async close() {
      await db.close();
    },
  };
}
