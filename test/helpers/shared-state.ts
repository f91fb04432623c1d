/**
 * The scale-out tier's real parts as this machine and CI run them: PostgreSQL on 127.0.0.1:5432 (trust
 * auth, database `test`) and Redis on 127.0.0.1:6379 (SEEKSTACK_TEST_DATABASE and SEEKSTACK_TEST_REDIS
 * point elsewhere). Each test gets its own schema and Redis key prefix and removes them after itself.
 * Under CI=true a missing service fails the suite; elsewhere its tests are skipped, saying why.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const POSTGRES_URL = process.env.SEEKSTACK_TEST_DATABASE ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.SEEKSTACK_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function reachPostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${POSTGRES_URL} is unreachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function reachRedis(): Promise<string | null> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause = error));
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `Redis at ${REDIS_URL} is unreachable (${(cause ?? (error as Error)).message})`;
  } finally {
    client.disconnect();
  }
}

/**
 * False when the services are there, else why a suite that needs them is skipped. In CI (CI=true) a
 * missing service is a failure, never a skip: this throws.
 */
export async function sharedStateSkip(needs: { postgres?: boolean; redis?: boolean }): Promise<string | false> {
  const problems = (await Promise.all([needs.postgres ? reachPostgres() : null, needs.redis ? reachRedis() : null])).filter((p) => p !== null);
  if (problems.length === 0) return false;
  const reason = `${problems.join('; ')}: start it (the scale-out tier's tests need it)`;
  if (process.env.CI === 'true') throw new Error(`CI=true, and ${reason}`);
  console.log(`# skipping: ${reason}`);
  return reason;
}

export interface TestSchema {
  name: string;
  /** POSTGRES_URL with this schema as the search_path, for a child process. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh schema of its own in the shared test database. */
export async function createTestSchema(): Promise<TestSchema> {
  const name = `seekstack_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface TestRedisPrefix {
  prefix: string;
  /** Deletes every key under the prefix (and only those). */
  drop(): Promise<void>;
}

export function createRedisPrefix(): TestRedisPrefix {
  const prefix = `seekstack-test-${randomBytes(6).toString('hex')}:`;
  return {
    prefix,
    async drop() {
      const client = new Redis(REDIS_URL);
      try {
        const keys: string[] = [];
        for await (const batch of client.scanStream({ match: `${prefix}*`, count: 500 })) keys.push(...(batch as string[]));
        if (keys.length > 0) await client.del(...keys);
      } finally {
        client.disconnect();
      }
    },
  };
}
