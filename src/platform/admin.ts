/**
 * @module platform/admin
 * The operator's operations, shared by the CLI (`seekstack tenants|keys|usage|prices|audit`) and the
 * admin HTTP API: each change is written to the audit log with who made it.
 */
import { appendAudit, verifyAudit, type AuditVerdict } from './audit.ts';
import { PlatformError } from './errors.ts';
import { generateKey, hashKey, MAX_KEY_LIFETIME_MS } from './keys.ts';
import { checkLimits } from './app-settings.ts';
import {
  ConflictError,
  type AuditEntry,
  type KeyLimits,
  type KeyRecord,
  type ModelPrice,
  type PlatformStore,
  type RateAndBudget,
  type TenantRecord,
  type UsageGrouping,
  type UsageRow,
} from '../store/platform-store.ts';

export interface KeyRequest extends Omit<KeyLimits, 'expiresAt'> {
  tenant: string;
  name: string | null;
  isAdmin: boolean;
  /** For an app account: the key is used through the account's session and its secret is discarded. */
  isSessionOnly?: boolean;
  /** Lifetime from now; null never expires. */
  expiresInMs: number | null;
}

/** A key request with no name and no limits; callers spread it and set what they need. */
export const UNLIMITED_KEY = { name: null, rpm: null, tpm: null, maxConcurrency: null, maxConcurrencyPerUser: null, budgetTokens: null, models: null, expiresInMs: null, isAdmin: false } as const satisfies Omit<KeyRequest, 'tenant'>;

export interface UsageRequest {
  tenant?: string;
  sinceDay?: string;
  by: UsageGrouping;
}

export class PlatformAdmin {
  readonly #store: PlatformStore;
  readonly #secret: Buffer;

  constructor(store: PlatformStore, secret: Buffer) {
    this.#store = store;
    this.#secret = secret;
  }

  async createTenant(name: string, actor: string): Promise<TenantRecord> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      throw new PlatformError('invalid', `a tenant name is 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit; got '${name}'`);
    }
    try {
      const tenant = await this.#store.createTenant(name, Date.now());
      await appendAudit(this.#store, this.#secret, { actor, action: 'tenant.create', target: name, details: {} });
      return tenant;
    } catch (error) {
      if (error instanceof ConflictError) throw new PlatformError('conflict', error.message);
      throw error;
    }
  }

  listTenants(): Promise<TenantRecord[]> {
    return this.#store.listTenants();
  }

  /** Returns the secret key, which is shown this once and never stored. */
  async createKey(request: KeyRequest, actor: string): Promise<{ secret: string; key: KeyRecord }> {
    const tenant = await this.#tenant(request.tenant);
    for (const [name, value] of [['rpm', request.rpm], ['tpm', request.tpm], ['max-concurrency', request.maxConcurrency], ['max-concurrency-per-user', request.maxConcurrencyPerUser ?? null], ['budget-tokens', request.budgetTokens]] as const) {
      if (value !== null && (!Number.isSafeInteger(value) || value <= 0)) throw new PlatformError('invalid', `${name} must be a positive integer, got ${value}`);
    }
    if (request.expiresInMs !== null && !(request.expiresInMs > 0 && request.expiresInMs <= MAX_KEY_LIFETIME_MS)) {
      throw new PlatformError('invalid', `a key's lifetime is between 1 minute and ${MAX_KEY_LIFETIME_MS / 86_400_000} days (10 years)`);
    }
    const generated = generateKey();
    const now = Date.now();
    const key = await this.#store.createKey({
      id: generated.id,
      tenantId: tenant.id,
      name: request.name,
      hash: hashKey(this.#secret, generated.secret),
      prefix: generated.prefix,
      isAdmin: request.isAdmin,
      isSessionOnly: request.isSessionOnly ?? false,
      rpm: request.rpm,
      tpm: request.tpm,
      maxConcurrency: request.maxConcurrency,
      maxConcurrencyPerUser: request.maxConcurrencyPerUser ?? null,
      budgetTokens: request.budgetTokens,
      models: request.models,
      expiresAt: request.expiresInMs === null ? null : now + request.expiresInMs,
      createdAt: now,
    });
    await appendAudit(this.#store, this.#secret, { actor, action: 'key.create', target: key.id, details: { ...request, prefix: key.prefix, expiresAt: key.expiresAt } });
    return { secret: generated.secret, key };
  }

  async listKeys(tenant?: string): Promise<KeyRecord[]> {
    return this.#store.listKeys(tenant === undefined ? undefined : (await this.#tenant(tenant)).id);
  }

  async revokeKey(id: string, actor: string): Promise<KeyRecord> {
    const key = await this.#store.key(id);
    if (!key) throw new PlatformError('not_found', `no API key with id '${id}' (seekstack keys list shows them)`);
    if (!(await this.#store.revokeKey(id, Date.now()))) throw new PlatformError('conflict', `the API key '${id}' is already revoked`);
    await appendAudit(this.#store, this.#secret, { actor, action: 'key.revoke', target: id, details: { tenant: key.tenantName } });
    return (await this.#store.key(id))!;
  }

  /** New limits for a key, from its next request on; null fields are unlimited. */
  async setKeyLimits(id: string, limits: RateAndBudget, actor: string): Promise<KeyRecord> {
    checkLimits(limits);
    if (!(await this.#store.setKeyLimits(id, limits))) throw new PlatformError('not_found', `no API key with id '${id}' (seekstack keys list shows them)`);
    await this.record({ actor, action: 'key.limits', target: id, details: { ...limits } });
    return (await this.#store.key(id))!;
  }

  /** Appends a change made elsewhere (the assistant app's accounts) to the audit log. */
  async record(entry: AuditEntry): Promise<void> {
    await appendAudit(this.#store, this.#secret, entry);
  }

  async usage(request: UsageRequest): Promise<UsageRow[]> {
    const tenantId = request.tenant === undefined ? undefined : (await this.#tenant(request.tenant)).id;
    return this.#store.usage({ tenantId, sinceDay: request.sinceDay, by: request.by });
  }

  async setPrice(price: ModelPrice, actor: string): Promise<void> {
    for (const field of ['cacheHitPerM', 'cacheMissPerM', 'outputPerM'] as const) {
      if (!Number.isFinite(price[field]) || price[field] < 0) throw new PlatformError('invalid', `${field} must be a number ≥ 0`);
    }
    await this.#store.setPrice(price);
    await appendAudit(this.#store, this.#secret, { actor, action: 'price.set', target: price.model, details: { ...price } });
  }

  listPrices(): Promise<ModelPrice[]> {
    return this.#store.listPrices();
  }

  verifyAudit(): Promise<AuditVerdict> {
    return verifyAudit(this.#store, this.#secret);
  }

  /** Records the server's configuration when it differs from the last one recorded. */
  async recordConfiguration(config: Record<string, unknown>, actor: string): Promise<boolean> {
    const last = await this.#store.lastAudit('config.change');
    const details = JSON.stringify(config);
    if (last?.details === details) return false;
    await appendAudit(this.#store, this.#secret, { actor, action: 'config.change', target: 'server', details: config });
    return true;
  }

  async #tenant(name: string): Promise<TenantRecord> {
    const tenant = await this.#store.tenant(name);
    if (!tenant) throw new PlatformError('not_found', `no tenant named '${name}' (create it with: seekstack tenants create ${name})`);
    return tenant;
  }
}

/** How far back `--since Nd` may reach: a century, which covers any ledger. */
export const MAX_SINCE_DAYS = 36_500;

/** `--since 2026-11-01` or `--since 7d` (that many days back, today included, at most MAX_SINCE_DAYS) → the first UTC day. */
export function sinceDay(text: string, now = Date.now()): string | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return text;
  const match = /^(\d{1,6})d$/.exec(text);
  if (!match || Number(match[1]) > MAX_SINCE_DAYS) return null;
  return new Date(now - (Number(match[1]) - 1) * 86_400_000).toISOString().slice(0, 10);
}
