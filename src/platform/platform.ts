/**
 * @module platform/platform
 * Opens the platform over a data directory: the embedded SQLite store, the server secret, the gate that
 * every inference request passes and the operator's admin operations.
 */
import path from 'node:path';
import { PlatformAdmin } from './admin.ts';
import { Gate } from './gate.ts';
import { Lease } from './lease.ts';
import { loadSecret } from './secret.ts';
import { ConflictError, type PlatformStore } from '../store/platform-store.ts';
import { startCheckpointer } from '../store/checkpointer.ts';
import { openSqlite } from '../store/sqlite.ts';
import { createSqlitePlatformStore } from '../store/sqlite-platform-store.ts';

/** Requests made while the server runs without keys are metered under this tenant. */
export const OPEN_TENANT = 'local';

export interface Platform {
  store: PlatformStore;
  admin: PlatformAdmin;
  gate: Gate;
  close(): Promise<void>;
}

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, 'seekstack.db');
}

/** Another process (the CLI, a second server) may create it at the same moment; either wins. */
async function createOpenTenant(store: PlatformStore) {
  try {
    return await store.createTenant(OPEN_TENANT, Date.now());
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return (await store.tenant(OPEN_TENANT))!;
  }
}

export interface PlatformOptions {
  isAuthRequired?: boolean;
  /** The server listens on a non-loopback address. */
  isExposed?: boolean;
  /** For the server: WAL checkpoints in a worker thread, never inside a request's commit. */
  checkpointInBackground?: boolean;
  /** How long this process's reservations outlive its last lease renewal (default 30 s). */
  leaseTtlMs?: number;
}

export async function openPlatform(dataDir: string, options: PlatformOptions = {}): Promise<Platform> {
  const secret = loadSecret(dataDir);
  const db = openSqlite(databaseFile(dataDir));
  const checkpointer = options.checkpointInBackground ? startCheckpointer(db) : null;
  const store = createSqlitePlatformStore(db);
  const openTenant = (await store.tenant(OPEN_TENANT)) ?? (await createOpenTenant(store));
  const lease = await Lease.start(store, options.leaseTtlMs);
  const gate = new Gate(store, secret, { isAuthRequired: options.isAuthRequired ?? false, isExposed: options.isExposed, openTenant, lease });
  return {
    store,
    admin: new PlatformAdmin(store, secret),
    gate,
    async close() {
      gate.close();
      await lease.stop();
      await checkpointer?.stop();
      await store.close();
    },
  };
}
