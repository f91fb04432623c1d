/**
 * @module platform/assistant
 * Opens the assistant app's side of the platform: its store (a second connection to the platform's
 * database, SQLite or PostgreSQL), accounts, history, the administrator's settings, and the
 * periodic sweep that applies retention periods and drops expired sessions.
 */
import { AccountAdmin } from './account-admin.ts';
import { Accounts } from './accounts.ts';
import { AppSettings } from './app-settings.ts';
import { History } from './history.ts';
import { LoginThrottle, type ThrottleLimits } from './login-throttle.ts';
import type { Platform } from './platform.ts';
import type { AssistantStore } from '../store/assistant-store.ts';

export interface Assistant {
  store: AssistantStore;
  accounts: Accounts;
  /** The administrator's operations on accounts. */
  accountAdmin: AccountAdmin;
  history: History;
  settings: AppSettings;
  /** Deletes conversations past their retention period and expired sessions; returns the conversations deleted. */
  sweep(now?: number): Promise<number>;
  close(): Promise<void>;
}

export interface AssistantOptions {
  sweepIntervalMs?: number;
  throttle?: Partial<ThrottleLimits>;
}

export async function openAssistant(platform: Platform, options: AssistantOptions = {}): Promise<Assistant> {
  const store = await platform.openAssistantStore();
  const settings = new AppSettings(store);
  const sweep = async (now = Date.now()) => {
    await store.deleteExpiredSessions(now);
    return store.deleteExpiredConversations(now, (await settings.get()).maxRetentionDays);
  };
  await sweep();
  const timer = setInterval(() => void sweep(), options.sweepIntervalMs ?? 3_600_000).unref();
  return {
    store,
    accounts: new Accounts(store, platform.admin, settings, new LoginThrottle(options.throttle), platform.gate),
    accountAdmin: new AccountAdmin(store, platform, settings),
    history: new History(store),
    settings,
    sweep,
    async close() {
      clearInterval(timer);
      await store.close();
    },
  };
}
