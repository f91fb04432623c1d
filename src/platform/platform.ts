/**
 * @module platform/platform
 * Opens the platform over a data directory: the store (the embedded SQLite database there, or a shared
 * PostgreSQL database), the server secret, the gate that every inference request passes with its rate
 * limiter (in this process, or in a shared Redis) and the operator's admin operations.
 */
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { PlatformAdmin } from './admin.ts';
import { Gate } from './gate.ts';
import { Lease } from './lease.ts';
import { loadSecret } from './secret.ts';
import type { AssistantStore } from '../store/assistant-store.ts';
import { ConflictError, type PlatformStore } from '../store/platform-store.ts';
import { startCheckpointer } from '../store/checkpointer.ts';
import { redactUrl } from '../store/redact-url.ts';
import { openSqlite, StoreError } from '../store/sqlite.ts';
import { createSqliteAssistantStore } from '../store/sqlite-assistant-store.ts';
import { createSqlitePlatformStore } from '../store/sqlite-platform-store.ts';

/** Requests made while the server runs without keys are metered under this tenant. */
export const OPEN_TENANT = 'local';

export interface Platform {
  store: PlatformStore;
  admin: PlatformAdmin;
  gate: Gate;
  /** A store for the assistant app, in the same database as the platform's, on its own connection. */
  openAssistantStore(): Promise<AssistantStore>;
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

/** Where the state lives when it is shared by several replicas (`--database`, `--redis`). */
export interface SharedState {
  /** postgres://…: the store is this PostgreSQL database instead of the data directory's SQLite file. */
  databaseUrl?: string;
  /** redis://…: rate windows and concurrency are counted in this Redis instead of in this process. */
  redisUrl?: string;
  /** Prepended to every Redis key (default `seekstack:`). */
  redisPrefix?: string;
}

export interface PlatformOptions extends SharedState {
  isAuthRequired?: boolean;
  /** The server listens on a non-loopback address. */
  isExposed?: boolean;
  /** For the server: WAL checkpoints in a worker thread, never inside a request's commit. */
  checkpointInBackground?: boolean;
  /** How long this process's reservations and concurrency slots outlive its last lease renewal (default 30 s). */
  leaseTtlMs?: number;
}

interface Stores {
  store: PlatformStore;
  openAssistantStore(): Promise<AssistantStore>;
  /** Stops what runs beside the store (SQLite's checkpointer), before the store closes. */
  stop(): Promise<void>;
}

async function openStores(dataDir: string, options: PlatformOptions): Promise<Stores> {
  const url = options.databaseUrl;
  if (url !== undefined) {
    // Loaded only when asked for: pg and its modules would add a tenth of a second to every start.
    const [{ PostgresDatabase }, { createPostgresPlatformStore }, { createPostgresAssistantStore }] = await Promise.all([
      import('../store/postgres.ts'), import('../store/postgres-platform-store.ts'), import('../store/postgres-assistant-store.ts'),
    ]);
    return {
      store: createPostgresPlatformStore(await PostgresDatabase.open(url)),
      openAssistantStore: async () => createPostgresAssistantStore(await PostgresDatabase.open(url, { maxConnections: 4 })),
      stop: async () => {},
    };
  }
  const db = openSqlite(databaseFile(dataDir));
  const checkpointer = options.checkpointInBackground ? startCheckpointer(db) : null;
  return {
    store: createSqlitePlatformStore(db),
    openAssistantStore: async () => createSqliteAssistantStore(openSqlite(databaseFile(dataDir))),
    stop: async () => checkpointer?.stop(),
  };
}

/**
 * Every process on one database must hold the same secret: keys are looked up by their HMAC under it and
 * the audit chain is sealed with it. The first process records the secret's fingerprint (an HMAC of a fixed
 * text, which reveals nothing of it); one with another secret is refused before it can seal a row.
 */
async function checkSecret(store: PlatformStore, secret: Buffer, dataDir: string): Promise<void> {
  const fingerprint = createHmac('sha256', secret).update('seekstack secret fingerprint').digest('hex');
  if ((await store.claimMeta('secret_fingerprint', fingerprint)) === fingerprint) return;
  throw new StoreError(
    `${path.join(dataDir, 'secret.key')} is not the secret this database was set up with: every server and command on one database needs the same secret.key (copy it from the first one)`,
  );
}

/** A URL option that is not a URL of its kind is refused before anything is opened (its password never shown). */
function checkUrl(what: string, url: string | undefined, schemes: string[]): void {
  if (url === undefined || schemes.some((scheme) => url.startsWith(`${scheme}://`))) return;
  throw new StoreError(`--${what} must be a URL such as ${schemes[0]}://host:port/…, got '${redactUrl(url)}'`);
}

export async function openPlatform(dataDir: string, options: PlatformOptions = {}): Promise<Platform> {
  checkUrl('database', options.databaseUrl, ['postgres', 'postgresql']);
  checkUrl('redis', options.redisUrl, ['redis', 'rediss']);
  const secret = loadSecret(dataDir);
  const { store, openAssistantStore, stop } = await openStores(dataDir, options);
  let lease: Lease | undefined;
  try {
    await checkSecret(store, secret, dataDir);
    const openTenant = (await store.tenant(OPEN_TENANT)) ?? (await createOpenTenant(store));
    lease = await Lease.start(store, options.leaseTtlMs);
    const limiter = options.redisUrl === undefined ? undefined : await (await import('./redis-limiter.ts')).RedisLimiter.connect(options.redisUrl, { prefix: options.redisPrefix, leaseMs: lease.ttlMs });
    const gate = new Gate(store, secret, { isAuthRequired: options.isAuthRequired ?? false, isExposed: options.isExposed, openTenant, lease, limiter });
    const held = lease;
    return {
      store,
      admin: new PlatformAdmin(store, secret),
      gate,
      openAssistantStore,
      async close() {
        await gate.close();
        await held.stop();
        await stop();
        await store.close();
      },
    };
  } catch (error) {
    await lease?.stop();
    await stop();
    await store.close();
    throw error;
  }
}
