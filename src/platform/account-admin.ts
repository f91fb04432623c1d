/**
 * @module platform/account-admin
 * The administrator's view of the assistant app's accounts, for the admin page and the admin API alike:
 * every account with its limits and usage, disabling and enabling, deletion, and per-account limits
 * (which are the limits of the account's key, so the same gate enforces them as for any API key). Each
 * change is audited with who made it. The last active administrator can be neither disabled nor deleted,
 * so the app always keeps someone who can administer it.
 */
import { checkLimits, type AppSettings, type AppSettingsChange, type AppSettingsValue } from './app-settings.ts';
import { PlatformError } from './errors.ts';
import type { Platform } from './platform.ts';
import type { AssistantStore, UserRecord } from '../store/assistant-store.ts';
import type { KeyRecord, RateAndBudget, UsageRow } from '../store/platform-store.ts';

export interface AccountView {
  user: UserRecord;
  /** The account's key: its limits, budget and spending. */
  key: KeyRecord | undefined;
  /** Everything metered under the account's tenant; null before its first request. */
  usage: UsageRow | null;
}

export class AccountAdmin {
  readonly #store: AssistantStore;
  readonly #platform: Platform;
  readonly #settings: AppSettings;

  constructor(store: AssistantStore, platform: Platform, settings: AppSettings) {
    this.#store = store;
    this.#platform = platform;
    this.#settings = settings;
  }

  async updateSettings(change: AppSettingsChange, actor: string): Promise<AppSettingsValue> {
    const next = await this.#settings.update(change);
    await this.#platform.admin.record({ actor, action: 'app.settings', target: 'assistant', details: { ...change } });
    return next;
  }

  async list(): Promise<AccountView[]> {
    const [users, keys, usage] = await Promise.all([this.#store.listUsers(), this.#platform.admin.listKeys(), this.#platform.store.usage({ by: 'tenant' })]);
    const keyById = new Map(keys.map((key) => [key.id, key]));
    const usageByTenant = new Map(usage.map((row) => [row.group, row]));
    return users.map((user) => {
      const key = keyById.get(user.keyId);
      return { user, key, usage: (key && usageByTenant.get(key.tenantName)) ?? null };
    });
  }

  async get(username: string): Promise<AccountView> {
    const account = (await this.list()).find((a) => a.user.username === username);
    if (!account) throw new PlatformError('not_found', `no account named '${username}'`);
    return account;
  }

  async setDisabled(username: string, isDisabled: boolean, actor: string): Promise<AccountView> {
    const { user } = await this.get(username);
    if (isDisabled) await this.#keepAnAdministrator(user, 'disable');
    await this.#store.setDisabled(user.id, isDisabled ? Date.now() : null);
    await this.#platform.admin.record({ actor, action: isDisabled ? 'account.disable' : 'account.enable', target: username, details: {} });
    return this.get(username);
  }

  /** Deletes the account with its encrypted history, and revokes its key; its metered usage stays in the ledger. */
  async delete(username: string, actor: string): Promise<void> {
    const { user, key } = await this.get(username);
    await this.#keepAnAdministrator(user, 'delete');
    await this.#store.deleteUser(user.id);
    if (key && key.revokedAt === null) await this.#platform.admin.revokeKey(key.id, actor);
    await this.#platform.admin.record({ actor, action: 'account.delete', target: username, details: {} });
  }

  /** Changes the limits given (null removes one); the others stay as they are. */
  async setLimits(username: string, change: Partial<RateAndBudget>, actor: string): Promise<AccountView> {
    checkLimits(change);
    const { key } = await this.get(username);
    if (!key) throw new PlatformError('not_found', `the account '${username}' has no API key record`);
    const { rpm, tpm, maxConcurrency, budgetTokens } = key;
    await this.#platform.admin.setKeyLimits(key.id, { rpm, tpm, maxConcurrency, budgetTokens, ...change }, actor);
    return this.get(username);
  }

  async #keepAnAdministrator(user: UserRecord, what: string): Promise<void> {
    if (!user.isAdmin || user.disabledAt !== null) return;
    const others = (await this.#store.listUsers()).filter((u) => u.isAdmin && u.disabledAt === null && u.id !== user.id);
    if (others.length === 0) throw new PlatformError('conflict', `cannot ${what} '${user.username}': it is the last active administrator`);
  }
}
