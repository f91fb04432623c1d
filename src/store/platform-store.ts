/**
 * @module store/platform-store
 * What the platform layer needs from storage, and nothing more: tenants, API keys with their limits and
 * token budget, the usage ledger with its daily roll-ups, model prices and the audit log. Every method
 * is async so a PostgreSQL store can implement the same contract; SQLite answers synchronously inside.
 * Times are Unix milliseconds; days are UTC `YYYY-MM-DD`.
 */

export interface TenantRecord {
  id: number;
  name: string;
  createdAt: number;
}

export interface KeyLimits {
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
  /** Tokens (prompt + completion) this key may ever use; null is unlimited. */
  budgetTokens: number | null;
  /** Model names (or aliases) the key may use; null is every model. */
  models: string[] | null;
  expiresAt: number | null;
}

export interface KeyRecord extends KeyLimits {
  /** Public id (`key_…`), safe to show and log; the secret key itself is never stored. */
  id: string;
  tenantId: number;
  tenantName: string;
  name: string | null;
  /** The first characters of the secret key, so an operator can tell keys apart. */
  prefix: string;
  isAdmin: boolean;
  /** Used only through an app session; its secret was never given out. */
  isSessionOnly: boolean;
  spentTokens: number;
  reservedTokens: number;
  createdAt: number;
  revokedAt: number | null;
}

export interface NewKey extends KeyLimits {
  id: string;
  tenantId: number;
  name: string | null;
  /** Keyed hash of the secret key. */
  hash: Buffer;
  prefix: string;
  isAdmin: boolean;
  isSessionOnly: boolean;
  createdAt: number;
}

export interface UsageRecord {
  requestId: string;
  createdAt: number;
  tenantId: number;
  keyId: string | null;
  model: string;
  promptTokens: number;
  cacheHitTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  latencyMs: number;
  status: number;
  finishReason: string | null;
}

/** What a finished request releases from its key's reservation and adds to what the key has spent. */
export interface BudgetSettlement {
  keyId: string;
  reservedTokens: number;
  spentTokens: number;
}

export type UsageGrouping = 'day' | 'model' | 'key' | 'tenant';

export interface UsageQuery {
  tenantId?: number;
  /** First day included. */
  sinceDay?: string;
  by: UsageGrouping;
}

export interface UsageRow {
  group: string;
  requests: number;
  promptTokens: number;
  cacheHitTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cost: number;
}

/** Prices per million tokens, as DeepSeek publishes them. */
export interface ModelPrice {
  model: string;
  currency: string;
  cacheHitPerM: number;
  cacheMissPerM: number;
  outputPerM: number;
}

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export interface AuditRecord {
  id: number;
  createdAt: number;
  actor: string;
  action: string;
  target: string;
  /** The details as stored (JSON), which is what the hash covers. */
  details: string;
  prevHash: string;
  hash: string;
}

/** The hash fields of an audit row, and the sealed head of the chain after it. */
export interface AuditSeal {
  hash: string;
  head: string;
}

export type AuditSealer = (row: Omit<AuditRecord, 'hash'>) => AuditSeal;

export interface PlatformStore {
  createTenant(name: string, createdAt: number): Promise<TenantRecord>;
  tenant(name: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;

  createKey(key: NewKey): Promise<KeyRecord>;
  keyByHash(hash: Buffer): Promise<KeyRecord | undefined>;
  key(id: string): Promise<KeyRecord | undefined>;
  listKeys(tenantId?: number): Promise<KeyRecord[]>;
  /** False when the key does not exist or was already revoked. */
  revokeKey(id: string, revokedAt: number): Promise<boolean>;
  /** Whether any key a client can send was ever created: from then on every request needs one. */
  hasKeys(): Promise<boolean>;

  /** Atomically reserve tokens of a key's budget; false (and nothing reserved) when they are not left. */
  reserveBudget(keyId: string, tokens: number): Promise<boolean>;
  /** Drop every reservation: called at start, when no request of an earlier process can still settle. */
  releaseAllReservations(): Promise<void>;

  /**
   * One ledger row, its daily roll-up and its budget settlement, in one transaction; a request id already
   * recorded is ignored, so a retried write never counts twice. Returns the cost stored with the row.
   */
  recordUsage(record: UsageRecord, settlement: BudgetSettlement | null): Promise<number | null>;
  usage(query: UsageQuery): Promise<UsageRow[]>;
  ledgerCount(): Promise<number>;

  setPrice(price: ModelPrice): Promise<void>;
  listPrices(): Promise<ModelPrice[]>;

  appendAudit(entry: AuditEntry, createdAt: number, seal: AuditSealer): Promise<AuditRecord>;
  auditLog(): Promise<AuditRecord[]>;
  /** The newest row with this action, without reading the whole log. */
  lastAudit(action: string): Promise<AuditRecord | undefined>;
  auditHead(): Promise<string | undefined>;

  close(): Promise<void>;
}

/** A unique name or id that already exists. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}
