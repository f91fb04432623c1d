/**
 * @module store/sqlite-platform-store
 * The PlatformStore over the embedded SQLite database. Statements are prepared once; every write that
 * must stay consistent with another (ledger row + roll-up + budget, audit row + chain head) is one
 * transaction, so a `kill -9` between them cannot leave half of it.
 */
import type { Statement } from 'better-sqlite3';
import {
  ConflictError,
  type AuditEntry,
  type AuditRecord,
  type AuditSealer,
  type BudgetReservation,
  type BudgetSettlement,
  type NewKey,
  type PlatformStore,
  type UsageRecord,
} from './platform-store.ts';
import { auditRecord, costOf, nextAuditRow, GROUP_COLUMN, KEY_COLUMNS, keyRecord, priceRecord, tenantRecord, USAGE_SUMS, usageRow, utcDay, type Row } from './rows.ts';
import type { SqliteDatabase } from './sqlite.ts';

export function createSqlitePlatformStore(db: SqliteDatabase): PlatformStore {
  const statements = new Map<string, Statement>();
  const sql = (text: string): Statement => {
    let statement = statements.get(text);
    if (!statement) statements.set(text, (statement = db.prepare(text)));
    return statement;
  };

  const insertLedger = db.prepare(`INSERT INTO usage_ledger (request_id, created_at, tenant_id, key_id, requested_model, model, user_id,
    prompt_tokens, cache_hit_tokens, completion_tokens, reasoning_tokens, latency_ms, status, finish_reason, cost)
    VALUES (@requestId, @createdAt, @tenantId, @keyId, @requestedModel, @model, @userId, @promptTokens, @cacheHitTokens, @completionTokens,
    @reasoningTokens, @latencyMs, @status, @finishReason, @cost) ON CONFLICT (request_id) DO NOTHING`);
  const upsertDaily = db.prepare(`INSERT INTO usage_daily (day, tenant_id, key_id, requested_model, model, user_id, requests, prompt_tokens,
    cache_hit_tokens, completion_tokens, reasoning_tokens, cost) VALUES (@day, @tenantId, @keyId, @requestedModel, @model, @userIdOrEmpty, 1,
    @promptTokens, @cacheHitTokens, @completionTokens, @reasoningTokens, @costOrZero)
    ON CONFLICT (day, tenant_id, key_id, requested_model, model, user_id) DO UPDATE SET requests = requests + 1,
    prompt_tokens = prompt_tokens + excluded.prompt_tokens, cache_hit_tokens = cache_hit_tokens + excluded.cache_hit_tokens,
    completion_tokens = completion_tokens + excluded.completion_tokens,
    reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens, cost = cost + excluded.cost`);
  const settle = db.prepare(`UPDATE api_keys SET reserved_tokens = MAX(0, reserved_tokens - @reservedTokens),
    spent_tokens = spent_tokens + @spentTokens WHERE id = @keyId`);
  const takeReservation = db.prepare('DELETE FROM budget_reservations WHERE id = ? RETURNING tokens').pluck();
  // The name the client used wins: a price set on an alias applies to requests made through it.
  const priceOf = db.prepare('SELECT * FROM model_prices WHERE model IN (@requestedModel, @model) ORDER BY model = @requestedModel DESC LIMIT 1');
  const renewLease = db.prepare(`INSERT INTO process_leases (holder, expires_at) VALUES (?, ?)
    ON CONFLICT (holder) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`);
  const reserveTokens = db.prepare(`UPDATE api_keys SET reserved_tokens = reserved_tokens + @tokens
    WHERE id = @keyId AND (budget_tokens IS NULL OR budget_tokens - spent_tokens - reserved_tokens >= @tokens)`);
  const insertReservation = db.prepare(`INSERT INTO budget_reservations (id, key_id, tokens, holder, created_at)
    VALUES (@id, @keyId, @tokens, @holder, @createdAt)`);
  type ReservationRow = { id: string; key_id: string; tokens: number };
  const reservationsWith = (column: 'id' | 'holder', value: string) =>
    sql(`SELECT id, key_id, tokens FROM budget_reservations WHERE ${column} = ?`).all(value) as ReservationRow[];
  const releaseReservations = (rows: ReservationRow[]): number => {
    let tokens = 0;
    for (const row of rows) {
      sql('DELETE FROM budget_reservations WHERE id = ?').run(row.id);
      settle.run({ keyId: row.key_id, reservedTokens: row.tokens, spentTokens: 0 });
      tokens += row.tokens;
    }
    return tokens;
  };

  const reserve = db.transaction((reservation: BudgetReservation, renewLeaseTo: number | null): boolean => {
    if (renewLeaseTo !== null) renewLease.run(reservation.holder, renewLeaseTo);
    if (reserveTokens.run(reservation).changes === 0) return false;
    insertReservation.run(reservation);
    return true;
  });
  const reclaim = db.transaction((now: number): number => {
    const orphaned = sql(`SELECT r.id, r.key_id, r.tokens FROM budget_reservations r LEFT JOIN process_leases l ON l.holder = r.holder
      WHERE l.holder IS NULL OR l.expires_at < ?`).all(now) as ReservationRow[];
    sql('DELETE FROM process_leases WHERE expires_at < ?').run(now);
    return releaseReservations(orphaned);
  });
  const releaseOne = db.transaction((id: string): void => {
    releaseReservations(reservationsWith('id', id));
  });
  const releaseHolder = db.transaction((holder: string): void => {
    releaseReservations(reservationsWith('holder', holder));
    sql('DELETE FROM process_leases WHERE holder = ?').run(holder);
  });

  const record = db.transaction((usage: UsageRecord, settlement: BudgetSettlement | null): number | null => {
    const cost = costOf(priceOf.get(usage) as Row | undefined, usage);
    const inserted = insertLedger.run({ ...usage, cost });
    if (inserted.changes === 0) return cost;
    upsertDaily.run({ ...usage, day: utcDay(usage.createdAt), keyId: usage.keyId ?? '', userIdOrEmpty: usage.userId ?? '', costOrZero: cost ?? 0 });
    if (settlement) {
      // A reservation already reclaimed (its holder's lease lapsed) has nothing left to release.
      const reservedTokens = (takeReservation.get(settlement.reservationId) as number | undefined) ?? 0;
      settle.run({ keyId: settlement.keyId, reservedTokens, spentTokens: settlement.spentTokens });
    }
    return cost;
  });

  const appendAudit = db.transaction((entry: AuditEntry, createdAt: number, seal: AuditSealer): AuditRecord => {
    const last = sql('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
    const row = nextAuditRow(last, entry, createdAt);
    const { hash, head } = seal(row);
    sql(`INSERT INTO audit_log (id, created_at, actor, action, target, details, prev_hash, hash)
      VALUES (@id, @createdAt, @actor, @action, @target, @details, @prevHash, @hash)`).run({ ...row, hash });
    sql(`INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(head);
    return { ...row, hash };
  });

  return {
    async createTenant(name, createdAt) {
      try {
        const row = sql('INSERT INTO tenants (name, created_at) VALUES (?, ?) RETURNING *').get(name, createdAt);
        return tenantRecord(row as Row);
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError(`the tenant '${name}' already exists`);
        throw error;
      }
    },
    async tenant(name) {
      const row = sql('SELECT * FROM tenants WHERE name = ?').get(name);
      return row ? tenantRecord(row as Row) : undefined;
    },
    async listTenants() {
      return (sql('SELECT * FROM tenants ORDER BY id').all() as Row[]).map(tenantRecord);
    },

    async createKey(key) {
      sql(`INSERT INTO api_keys (id, tenant_id, name, hash, prefix, is_admin, session_only, rpm, tpm, max_concurrency,
        max_concurrency_per_user, budget_tokens, models, expires_at, created_at) VALUES (@id, @tenantId, @name, @hash, @prefix, @isAdmin,
        @isSessionOnly, @rpm, @tpm, @maxConcurrency, @maxConcurrencyPerUser, @budgetTokens, @models, @expiresAt, @createdAt)`).run({
        ...key,
        maxConcurrencyPerUser: key.maxConcurrencyPerUser ?? null,
        isAdmin: key.isAdmin ? 1 : 0,
        isSessionOnly: key.isSessionOnly ? 1 : 0,
        models: key.models === null ? null : JSON.stringify(key.models),
      });
      return keyRecord(sql(`SELECT ${KEY_COLUMNS} WHERE k.id = ?`).get(key.id) as Row);
    },
    async keyByHash(hash) {
      const row = sql(`SELECT ${KEY_COLUMNS} WHERE k.hash = ?`).get(hash);
      return row ? keyRecord(row as Row) : undefined;
    },
    async key(id) {
      const row = sql(`SELECT ${KEY_COLUMNS} WHERE k.id = ?`).get(id);
      return row ? keyRecord(row as Row) : undefined;
    },
    async listKeys(tenantId) {
      const rows = tenantId === undefined
        ? sql(`SELECT ${KEY_COLUMNS} ORDER BY k.created_at, k.id`).all()
        : sql(`SELECT ${KEY_COLUMNS} WHERE k.tenant_id = ? ORDER BY k.created_at, k.id`).all(tenantId);
      return (rows as Row[]).map(keyRecord);
    },
    async revokeKey(id, revokedAt) {
      return sql('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(revokedAt, id).changes === 1;
    },
    async setKeyLimits(id, limits) {
      return sql(`UPDATE api_keys SET rpm = @rpm, tpm = @tpm, max_concurrency = @maxConcurrency, budget_tokens = @budgetTokens
        WHERE id = @id`).run({ ...limits, id }).changes === 1;
    },
    async hasKeys() {
      return sql('SELECT EXISTS (SELECT 1 FROM api_keys WHERE session_only = 0) AS any').pluck().get() === 1;
    },

    async reserveBudget(reservation, renewLeaseTo) {
      return reserve.immediate(reservation, renewLeaseTo);
    },
    async renewLease(holder, expiresAt) {
      renewLease.run(holder, expiresAt);
    },
    async reclaimExpiredReservations(now) {
      return reclaim.immediate(now);
    },
    async releaseReservation(id) {
      releaseOne.immediate(id);
    },
    async releaseHolder(holder) {
      releaseHolder.immediate(holder);
    },

    async recordUsage(usage, settlement) {
      return record.immediate(usage, settlement);
    },
    async usage(query) {
      const where = ['1 = 1'];
      if (query.tenantId !== undefined) where.push('u.tenant_id = @tenantId');
      if (query.sinceDay !== undefined) where.push('u.day >= @sinceDay');
      const group = GROUP_COLUMN[query.by];
      const rows = sql(`SELECT ${group} AS grp, ${USAGE_SUMS}
        FROM usage_daily u JOIN tenants t ON t.id = u.tenant_id WHERE ${where.join(' AND ')} GROUP BY grp ORDER BY grp`)
        .all({ tenantId: query.tenantId, sinceDay: query.sinceDay }) as Row[];
      return rows.map(usageRow);
    },
    async ledgerCount() {
      return sql('SELECT COUNT(*) FROM usage_ledger').pluck().get() as number;
    },

    async setPrice(price) {
      sql(`INSERT INTO model_prices (model, currency, cache_hit_per_m, cache_miss_per_m, output_per_m)
        VALUES (@model, @currency, @cacheHitPerM, @cacheMissPerM, @outputPerM)
        ON CONFLICT (model) DO UPDATE SET currency = excluded.currency, cache_hit_per_m = excluded.cache_hit_per_m,
        cache_miss_per_m = excluded.cache_miss_per_m, output_per_m = excluded.output_per_m`).run(price);
    },
    async listPrices() {
      return (sql('SELECT * FROM model_prices ORDER BY model').all() as Row[]).map(priceRecord);
    },

    async appendAudit(entry, createdAt, seal) {
      return appendAudit.immediate(entry, createdAt, seal);
    },
    async auditLog() {
      return (sql('SELECT * FROM audit_log ORDER BY id').all() as Row[]).map(auditRecord);
    },
    async lastAudit(action) {
      const row = sql('SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1').get(action);
      return row ? auditRecord(row as Row) : undefined;
    },
    async auditHead() {
      return sql(`SELECT value FROM meta WHERE key = 'audit_head'`).pluck().get() as string | undefined;
    },

    async claimMeta(key, value) {
      sql('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value);
      return sql('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string;
    },

    async close() {
      db.close();
    },
  };
}
