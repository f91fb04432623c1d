/**
 * Shared-state section: what the scale-out state tier adds to one request's platform work (authenticate →
 * admit → settle with its ledger row), measured in one run against the embedded default: SQLite with the
 * in-process limiter, PostgreSQL with the in-process limiter, and PostgreSQL with Redis counting the
 * limits, on the machine's local PostgreSQL and Redis (SEEKSTACK_TEST_DATABASE, SEEKSTACK_TEST_REDIS).
 * The key has every limit and a budget, so each request reserves and settles budget and takes a rate slot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPlatform, type PlatformOptions } from '../src/platform/platform.ts';
import { createRedisPrefix, createTestSchema, REDIS_URL } from '../test/helpers/shared-state.ts';
import { gateOverhead } from './platform.ts';

const EVERY_LIMIT = { rpm: 1e9, tpm: 1e12, maxConcurrency: 64, budgetTokens: 1e12 };
/** Each PostgreSQL request commits twice (reservation, settlement): fewer runs than the SQLite-only section. */
const RUNS = 1000;

export async function runSharedStateBench() {
  // A schema per setup: each starts from empty tables, as the SQLite one does.
  const schemas = [await createTestSchema(), await createTestSchema()];
  const prefix = createRedisPrefix();
  const setups: Array<[string, PlatformOptions]> = [
    ['SQLite + in-process limits', { checkpointInBackground: true }],
    ['PostgreSQL + in-process limits', { databaseUrl: schemas[0].url }],
    ['PostgreSQL + Redis limits', { databaseUrl: schemas[1].url, redisUrl: REDIS_URL, redisPrefix: prefix.prefix }],
  ];
  const rows = [];
  try {
    for (const [setup, options] of setups) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-bench-state-'));
      const platform = await openPlatform(dataDir, options);
      try {
        rows.push({ setup, ...(await gateOverhead(platform, EVERY_LIMIT, RUNS)) });
      } finally {
        await platform.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await prefix.drop();
    for (const schema of schemas) await schema.drop();
  }
  console.log('\nplatform work per request with every limit and a budget (authenticate → admit → settle), by where the state lives');
  console.table(rows);
  const base = rows[0];
  const added = rows.slice(1).map((row) => ({ setup: row.setup, addedP50Ms: +(row.p50Ms - base.p50Ms).toFixed(3), addedP99Ms: +(row.p99Ms - base.p99Ms).toFixed(3) }));
  console.log('added over SQLite + in-process limits');
  console.table(added);
  return { overhead: rows, addedOverEmbedded: added };
}
