/**
 * @module platform/app-settings
 * The administrator's settings for the assistant app: whether anyone may sign up (unset follows the
 * server: open on a loopback server without keys, closed on one closed to strangers), the longest any
 * conversation is kept whatever its owner chose, and the limits every new account starts with.
 */
import { PlatformError } from './errors.ts';
import type { AssistantStore } from '../store/assistant-store.ts';
import type { RateAndBudget } from '../store/platform-store.ts';

export interface AppSettingsValue {
  /** Null follows the server's access policy (see Accounts.isSignUpOpen). */
  isSignUpOpen: boolean | null;
  /** Null keeps conversations as long as each user wants. */
  maxRetentionDays: number | null;
  /** What a new account's key is limited to; null fields are unlimited. */
  defaultLimits: RateAndBudget;
}

const KEY = 'assistant';
export const NO_LIMITS: RateAndBudget = { rpm: null, tpm: null, maxConcurrency: null, budgetTokens: null };
const DEFAULTS: AppSettingsValue = { isSignUpOpen: null, maxRetentionDays: null, defaultLimits: NO_LIMITS };

export function checkRetentionDays(days: number | null): void {
  if (days !== null && (!Number.isSafeInteger(days) || days < 1)) throw new PlatformError('invalid', `a retention period is a whole number of days ≥ 1, got ${days}`);
}

/** Each limit is a positive whole number, or null for none. */
export function checkLimits(limits: Partial<RateAndBudget>): void {
  for (const [name, value] of Object.entries(limits)) {
    if (value !== null && value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw new PlatformError('invalid', `${name} must be a positive integer or null, got ${value}`);
  }
}

export interface AppSettingsChange {
  isSignUpOpen?: boolean | null;
  maxRetentionDays?: number | null;
  defaultLimits?: Partial<RateAndBudget>;
}

export class AppSettings {
  readonly #store: AssistantStore;

  constructor(store: AssistantStore) {
    this.#store = store;
  }

  async get(): Promise<AppSettingsValue> {
    const text = await this.#store.setting(KEY);
    const stored = text ? (JSON.parse(text) as Partial<AppSettingsValue>) : {};
    return { ...DEFAULTS, ...stored, defaultLimits: { ...NO_LIMITS, ...stored.defaultLimits } };
  }

  async update(change: AppSettingsChange): Promise<AppSettingsValue> {
    if (change.maxRetentionDays !== undefined) checkRetentionDays(change.maxRetentionDays);
    if (change.defaultLimits !== undefined) checkLimits(change.defaultLimits);
    const current = await this.get();
    const next: AppSettingsValue = {
      isSignUpOpen: change.isSignUpOpen === undefined ? current.isSignUpOpen : change.isSignUpOpen,
      maxRetentionDays: change.maxRetentionDays === undefined ? current.maxRetentionDays : change.maxRetentionDays,
      defaultLimits: { ...current.defaultLimits, ...change.defaultLimits },
    };
    await this.#store.setSetting(KEY, JSON.stringify(next));
    return next;
  }
}
