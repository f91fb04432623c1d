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
  /** Concurrent requests per DeepSeek user_id (requests without one count as one user); null is unlimited. */
  maxConcurrencyPerUser?: number | null;
  /** Tokens (prompt + completion) this key may ever use; null is unlimited. */
  budgetTokens: number | null;
  /** Model names (or aliases) the key may use; null is every model. */
  models: string[] | null;
  expiresAt: number | null;
}

/** The limits of a key that can change after it was created. */
export type RateAndBudget = Pick<KeyLimits, 'rpm' | 'tpm' | 'maxConcurrency' | 'budgetTokens'>;

export interface KeyRecord extends KeyLimits {
  maxConcurrencyPerUser: number | null;
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
  /** The name the client asked for (an alias, a file name) and the model that served it. */
  requestedModel: string;
  model: string;
  /** DeepSeek's user_id: the caller's end user, when the request named one. */
  userId: string | null;
  promptTokens: number;
  cacheHitTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  latencyMs: number;
  status: number;
  finishReason: string | null;
}

/**
 * Tokens of a key's budget held for one running request by one process (`holder`). A reservation is its
 * holder's as long as the holder's lease is live; a holder that stops renewing (a crashed or frozen
 * process) loses its reservations to whichever process reclaims expired leases next.
 */
export interface BudgetReservation {
  /** The request's id, which its settlement names. */
  id: string;
  keyId: string;
  tokens: number;
  holder: string;
  createdAt: number;
}

/** What a finished request adds to its key's spending; its reservation, if it still has one, is released. */
export interface BudgetSettlement {
  keyId: string;
  reservationId: string;
  spentTokens: number;
}

export type UsageGrouping = 'day' | 'model' | 'requested_model' | 'key' | 'tenant' | 'user';

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
  /** A served model's id, or a name clients request it by (an alias): that name's price wins. */
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
  /** Replaces a key's rate limits and budget (from its next request on); false when it does not exist. */
  setKeyLimits(id: string, limits: RateAndBudget): Promise<boolean>;
  /** Whether any key a client can send was ever created: from then on every request needs one. */
  hasKeys(): Promise<boolean>;

  /**
   * Atomically reserve tokens of a key's budget; false (and nothing reserved) when they are not left. With
   * `renewLeaseTo`, the holder's lease is renewed in the same transaction (a holder that cannot be sure its
   * lease is still live: one whose renewals were late); null when the holder knows it is.
   */
  reserveBudget(reservation: BudgetReservation, renewLeaseTo: number | null): Promise<boolean>;
  /** Gives one reservation's tokens back (a request refused after it reserved); an id not held releases nothing. */
  releaseReservation(id: string): Promise<void>;
  /** A holder's claim to be alive until `expiresAt`: its reservations stay its own until then. */
  renewLease(holder: string, expiresAt: number): Promise<void>;
  /**
   * Releases every reservation whose holder's lease expired before `now` (or that has no lease), and the
   * expired leases; never touches a live holder's. Returns the tokens released.
   */
  reclaimExpiredReservations(now: number): Promise<number>;
  /** A holder shutting down: its reservations and its lease are released at once. */
  releaseHolder(holder: string): Promise<void>;

  /**
   * One ledger row, its daily roll-up and its budget settlement, in one transaction; a request id already
   * recorded is ignored, so a retried write never counts twice. The cost is priced by the requested name
   * when it has a price, else by the served model. Returns the cost stored with the row.
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

  /** Stores `value` under `key` unless one is stored already (the first writer wins); returns the stored value. */
  claimMeta(key: string, value: string): Promise<string>;

  close(): Promise<void>;
}

/** A unique name or id that already exists. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}
