/**
 * @module platform/app-settings
 * The administrator's settings for the assistant app: whether anyone may sign up, and the longest any
 * conversation is kept whatever its owner chose.
 */
import { PlatformError } from './errors.ts';
import type { AssistantStore } from '../store/assistant-store.ts';

export interface AppSettingsValue {
  isSignUpOpen: boolean;
  /** Null keeps conversations as long as each user wants. */
  maxRetentionDays: number | null;
}

const KEY = 'assistant';
const DEFAULTS: AppSettingsValue = { isSignUpOpen: true, maxRetentionDays: null };

export function checkRetentionDays(days: number | null): void {
  if (days !== null && (!Number.isSafeInteger(days) || days < 1)) throw new PlatformError('invalid', `a retention period is a whole number of days ≥ 1, got ${days}`);
}

export class AppSettings {
  readonly #store: AssistantStore;

  constructor(store: AssistantStore) {
    this.#store = store;
  }

  async get(): Promise<AppSettingsValue> {
    const text = await this.#store.setting(KEY);
    return { ...DEFAULTS, ...(text ? (JSON.parse(text) as Partial<AppSettingsValue>) : {}) };
  }

  async update(change: Partial<AppSettingsValue>): Promise<AppSettingsValue> {
    if (change.maxRetentionDays !== undefined) checkRetentionDays(change.maxRetentionDays);
    const next = { ...(await this.get()), ...change };
    await this.#store.setSetting(KEY, JSON.stringify(next));
    return next;
  }
}
