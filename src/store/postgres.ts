/**
 * @module store/postgres
 * Opens the shared database: a node-postgres pool, schema migrated at open. Several replicas may start at
 * once, so migrations run under a transaction-scoped advisory lock (one migrates, the others wait and then
 * find nothing to do). Transactions that lose a serialization or deadlock race are retried whole, which
 * is safe because their bodies do nothing but SQL and pure computation.
 */
import pg from 'pg';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import type { Migration } from './migrations.ts';
import { redactUrl } from './redact-url.ts';
import { StoreError } from './sqlite.ts';

export interface PostgresOptions {
  /** Tables live in this schema (it must exist); otherwise the connection's own search_path decides. */
  schema?: string;
  /** Connections in the pool (default 10). */
  maxConnections?: number;
}

const INT8 = 20;
const NUMERIC = 1700;
/** serialization_failure, deadlock_detected: the transaction lost a race and can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

export type Queryable = Pick<pg.PoolClient, 'query'>;

export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly #url: string;

  private constructor(url: string, options: PostgresOptions) {
    this.#url = url;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      // Every count and time is a BIGINT; all of them fit a JavaScript number (times are milliseconds).
      types: { getTypeParser: (oid: number, format?: string) => (oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
      options: options.schema === undefined ? undefined : `-c search_path=${quoteIdentifier(options.schema)}`,
      // No request waits forever on a database that stopped answering.
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
    });
    // An idle connection the server dropped is discarded by the pool; the next query opens a new one.
    this.pool.on('error', () => {});
  }

  static async open(url: string, options: PostgresOptions = {}, migrations: readonly Migration[] = POSTGRES_MIGRATIONS): Promise<PostgresDatabase> {
    const db = new PostgresDatabase(url, options);
    try {
      await db.#migrate(migrations);
    } catch (error) {
      await db.pool.end();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot open the database ${redactUrl(url)}: ${(error as Error).message}`);
    }
    return db;
  }

  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /**
   * A statement every request runs, prepared under `name` on each connection the first time it runs there:
   * later runs skip parsing and planning (for the request path's CTE statements, a good part of their time).
   */
  prepared<R extends pg.QueryResultRow = Record<string, unknown>>(name: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>({ name, text, values });
  }

  /** Runs `body` in one READ COMMITTED transaction on one connection, again when it lost a race. */
  async transaction<T>(body: (client: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await body(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        if (attempt < MAX_ATTEMPTS && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async #migrate(migrations: readonly Migration[]): Promise<void> {
    await this.transaction(async (client) => {
      // Scoped to this schema: deployments (and tests) in other schemas of the same database never wait on it.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':seekstack-migrate'))`);
      await client.query('CREATE TABLE IF NOT EXISTS seekstack_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const current = (await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM seekstack_schema')).rows[0].v ?? 0;
      const latest = migrations.at(-1)?.version ?? 0;
      if (current > latest) {
        throw new StoreError(`the database ${redactUrl(this.#url)} has schema version ${current}, newer than this Seekstack (${latest}); upgrade Seekstack`);
      }
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO seekstack_schema (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      }
    });
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}
