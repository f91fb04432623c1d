/**
 * @module store/rows
 * What both stores share about their rows: the columns they select and how a row becomes a record. Both
 * schemas use the same column names; flags are 0/1 in SQLite and booleans in PostgreSQL, so they are read
 * with Boolean().
 */
import type { ConversationRecord, ConversationSummary, SessionRecord, UserRecord } from './assistant-store.ts';
import type { AuditEntry, AuditRecord, KeyRecord, ModelPrice, TenantRecord, UsageQuery, UsageRecord, UsageRow } from './platform-store.ts';

export type Row = Record<string, unknown>;

export const KEY_COLUMNS = `k.id, k.tenant_id, t.name AS tenant_name, k.name, k.prefix, k.is_admin, k.session_only, k.rpm, k.tpm, k.max_concurrency,
  k.max_concurrency_per_user, k.budget_tokens, k.spent_tokens, k.reserved_tokens, k.models, k.expires_at, k.revoked_at, k.created_at
  FROM api_keys k JOIN tenants t ON t.id = k.tenant_id`;

export function keyRecord(row: Row): KeyRecord {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as number,
    tenantName: row.tenant_name as string,
    name: row.name as string | null,
    prefix: row.prefix as string,
    isAdmin: Boolean(row.is_admin),
    isSessionOnly: Boolean(row.session_only),
    rpm: row.rpm as number | null,
    tpm: row.tpm as number | null,
    maxConcurrency: row.max_concurrency as number | null,
    maxConcurrencyPerUser: row.max_concurrency_per_user as number | null,
    budgetTokens: row.budget_tokens as number | null,
    spentTokens: row.spent_tokens as number,
    reservedTokens: row.reserved_tokens as number,
    models: row.models === null ? null : (JSON.parse(row.models as string) as string[]),
    expiresAt: row.expires_at as number | null,
    revokedAt: row.revoked_at as number | null,
    createdAt: row.created_at as number,
  };
}

export function tenantRecord(row: Row): TenantRecord {
  return { id: row.id as number, name: row.name as string, createdAt: row.created_at as number };
}

export function auditRecord(row: Row): AuditRecord {
  return {
    id: row.id as number,
    createdAt: row.created_at as number,
    actor: row.actor as string,
    action: row.action as string,
    target: row.target as string,
    details: row.details as string,
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  };
}

/** The audit row that follows `last` (none: the chain's first row), before it is sealed. */
export function nextAuditRow(last: { id: number; hash: string } | undefined, entry: AuditEntry, createdAt: number): Omit<AuditRecord, 'hash'> {
  return {
    id: (last?.id ?? 0) + 1,
    createdAt,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details: JSON.stringify(entry.details),
    prevHash: last?.hash ?? '',
  };
}

export function priceRecord(row: Row): ModelPrice {
  return {
    model: row.model as string,
    currency: row.currency as string,
    cacheHitPerM: row.cache_hit_per_m as number,
    cacheMissPerM: row.cache_miss_per_m as number,
    outputPerM: row.output_per_m as number,
  };
}

/**
 * A request's cost at a price per million tokens (cache hits, misses, output), or null without a price.
 * The PostgreSQL store's settlement spells the same arithmetic in SQL (one round trip): change both.
 */
export function costOf(price: Row | undefined, usage: UsageRecord): number | null {
  if (!price) return null;
  return ((usage.cacheHitTokens * (price.cache_hit_per_m as number)) +
    (usage.promptTokens - usage.cacheHitTokens) * (price.cache_miss_per_m as number) +
    usage.completionTokens * (price.output_per_m as number)) / 1e6;
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export const GROUP_COLUMN: Record<UsageQuery['by'], string> = {
  day: 'u.day',
  model: 'u.model',
  requested_model: 'u.requested_model',
  key: 'u.key_id',
  tenant: 't.name',
  user: 'u.user_id',
};

/** Selects one usage group's sums from `usage_daily u JOIN tenants t`, as `usageRow` reads them. */
export const USAGE_SUMS = `SUM(u.requests) AS requests, SUM(u.prompt_tokens) AS prompt_tokens, SUM(u.cache_hit_tokens) AS cache_hit_tokens,
  SUM(u.completion_tokens) AS completion_tokens, SUM(u.reasoning_tokens) AS reasoning_tokens, SUM(u.cost) AS cost`;

export function usageRow(row: Row): UsageRow {
  return {
    group: String(row.grp),
    requests: Number(row.requests),
    promptTokens: Number(row.prompt_tokens),
    cacheHitTokens: Number(row.cache_hit_tokens),
    completionTokens: Number(row.completion_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    cost: Number(row.cost),
  };
}

export function userRecord(row: Row): UserRecord {
  return {
    id: row.id as number,
    username: row.username as string,
    tenantId: row.tenant_id as number,
    keyId: row.key_id as string,
    isAdmin: Boolean(row.is_admin),
    passwordSalt: row.password_salt as Buffer,
    passwordVerifier: row.password_verifier as Buffer,
    keyByPassword: row.key_by_password as Buffer,
    keyByRecovery: row.key_by_recovery as Buffer,
    retentionDays: row.retention_days as number | null,
    createdAt: row.created_at as number,
    disabledAt: row.disabled_at as number | null,
  };
}

export function sessionRecord(row: Row): SessionRecord {
  return {
    id: row.id as string,
    userId: row.user_id as number,
    tokenHash: row.token_hash as Buffer,
    sealedKey: row.sealed_key as Buffer,
    createdAt: row.created_at as number,
    expiresAt: row.expires_at as number,
  };
}

export function conversationSummary(row: Row): ConversationSummary {
  return { id: row.id as string, userId: row.user_id as number, title: row.title as Buffer, createdAt: row.created_at as number, updatedAt: row.updated_at as number };
}

export const conversationRecord = (row: Row): ConversationRecord => ({ ...conversationSummary(row), body: row.body as Buffer });
