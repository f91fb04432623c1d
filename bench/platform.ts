/**
 * Platform section: what authentication + limits + metering add to one request (the gate's three calls:
 * authenticate, admit, settle, which writes the ledger row), for a key without limits and for a key
 * with every limit and a budget; ledger inserts per second (one transaction each, as requests commit);
 * and `usage` queries over 1,000,000 ledger rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyRequest } from '../src/platform/admin.ts';
import { openPlatform, type Platform } from '../src/platform/platform.ts';
import type { UsageGrouping } from '../src/store/platform-store.ts';
import { latencies } from './latency.ts';
import { UNLIMITED_KEY } from '../src/platform/admin.ts';

const LEDGER_ROWS = 1_000_000;
const DAY_MS = 86_400_000;
const OUTCOME = { promptTokens: 120, cacheHitTokens: 64, completionTokens: 200, reasoningTokens: 80, status: 200, finishReason: 'stop' };

let requestNumber = 0;

/** Per-request time of the gate's three calls for a new key with these limits, over `runs` requests. */
export async function gateOverhead(platform: Platform, limits: Partial<KeyRequest>, runs = 5000) {
  const tenant = `bench-${Object.keys(limits).length}`;
  await platform.admin.createTenant(tenant, 'bench');
  const { secret } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant, ...limits }, 'bench');
  const header = `Bearer ${secret}`;
  return latencies(async () => {
    const caller = await platform.gate.authenticate(header);
    const admission = await platform.gate.admit(caller, {
      requestId: `bench-${++requestNumber}`, requestedModel: 'deepseek-chat', modelId: 'bench-model', promptTokens: 120, maxTokensPerChoice: 256, choices: 1,
    });
    await admission.settle(OUTCOME);
  }, runs, runs / 10);
}

async function ledgerInserts(platform: Platform, tenantIds: number[], keyIds: string[], count: number, startAt: number) {
  const models = ['deepseek-r1-distill-qwen-7b', 'deepseek-v3', 'demo', 'qwen2-bench'];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const n = startAt + i;
    await platform.store.recordUsage({
      requestId: `row-${n}`, createdAt: Date.now() - (n % 90) * DAY_MS, tenantId: tenantIds[n % tenantIds.length], keyId: keyIds[n % keyIds.length],
      requestedModel: models[n % models.length], model: models[n % models.length], userId: null, promptTokens: 100 + (n % 50), cacheHitTokens: n % 64, completionTokens: 50 + (n % 300), reasoningTokens: n % 40,
      latencyMs: 800, status: 200, finishReason: 'stop',
    }, null);
  }
  return count / ((performance.now() - started) / 1000);
}

export async function runPlatformBench() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-bench-platform-'));
  const platform = await openPlatform(dataDir, { checkpointInBackground: true });
  try {
    const overhead = [
      // The floor this machine gives any awaited call right now: what the shared, noisy host adds by itself.
      { key: '(an empty async call)', ...(await latencies(async () => {}, 5000, 500)) },
      { key: 'no limits', ...(await gateOverhead(platform, {})) },
      { key: 'rpm + tpm + concurrency + budget', ...(await gateOverhead(platform, { rpm: 1e9, tpm: 1e12, maxConcurrency: 64, budgetTokens: 1e12 })) },
    ];
    console.log('\nauthentication + limits + metering per request (authenticate → admit → settle with its ledger row)');
    console.table(overhead);

    const tenantIds: number[] = [];
    const keyIds: string[] = [];
    for (let t = 0; t < 10; t++) {
      const tenant = await platform.admin.createTenant(`tenant-${t}`, 'bench');
      tenantIds.push(tenant.id);
      for (let k = 0; k < 5; k++) keyIds.push((await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: tenant.name }, 'bench')).key.id);
    }
    const insertsPerSecond = await ledgerInserts(platform, tenantIds, keyIds, 20_000, 0);
    console.log(`\nledger inserts: ${insertsPerSecond.toFixed(0)} per second (one transaction each: ledger row + daily roll-up)`);
    const filled = await platform.store.ledgerCount();
    await ledgerInserts(platform, tenantIds, keyIds, LEDGER_ROWS - filled, filled);
    const rows = await platform.store.ledgerCount();

    const queries: Array<{ query: string } & Awaited<ReturnType<typeof latencies>>> = [];
    for (const by of ['day', 'model', 'key', 'tenant'] as UsageGrouping[]) {
      queries.push({ query: `usage --by ${by}`, ...(await latencies(() => platform.admin.usage({ by }), 20, 2)) });
    }
    queries.push({ query: 'usage --tenant tenant-3 --since 30d --by key', ...(await latencies(() => platform.admin.usage({ tenant: 'tenant-3', sinceDay: new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10), by: 'key' }), 20, 2)) });
    console.log(`\nusage queries over ${rows.toLocaleString('en')} ledger rows`);
    console.table(queries);
    return { overhead, ledgerInsertsPerSecond: Math.round(insertsPerSecond), ledgerRows: rows, usageQueries: queries };
  } finally {
    await platform.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
