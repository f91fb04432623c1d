/**
 * Robustness under hostile input, shared cores and KV-cache pressure (issue 13), on the bench model:
 * - interference: a victim tenant's short-request latency and a running stream's largest gap between
 *   chunks, alone and while an attacker sends a 60,000-value enum schema, a 10 MB prompt or a
 *   1,000,000-entry logit_bias, against `seekstack serve` in its own process;
 * - contention: single-stream decode with the default (adaptive) threads against every fixed count,
 *   with one core kept busy by another process and without;
 * - KV pressure: a soak at several times the cache, its throughput, p99 latency, preemptions and evictions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../src/engine/client.ts';
import type { EngineConfig } from '../src/engine/protocol.ts';
import { usableCores } from '../src/engine/threads/cpu-cores.ts';
import { benchEngineConfig, GREEDY, timeStream } from './engine.ts';

const CLI = fileURLToPath(new URL('../bin/seekstack.js', import.meta.url));
const WINDOW_MS = 8000;
const CONTENTION_TOKENS = 160;
const CONTENTION_ROUNDS = 2;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `seekstack serve` on a free port with the bench model; resolves once it serves. */
async function startServe(modelPath: string): Promise<{ origin: string; child: ChildProcess }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-bench-robustness-'));
  const child = spawn(process.execPath, [CLI, 'serve', '--model', modelPath, '--port', '0', '--data-dir', dataDir, '--slots', '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /serving on (http:\/\/[^/\s]+)\/v1/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`seekstack serve exited (${code}): ${out}`)));
  });
  return { origin, child };
}

interface Attack {
  name: string;
  path: string;
  body: Buffer;
}

function attacks(): Attack[] {
  const enumSchema = { type: 'string', enum: Array.from({ length: 60_000 }, (_, i) => `option number ${i}`) };
  return [
    { name: '60,000-value enum schema', path: '/v1/chat/completions', body: Buffer.from(JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'pick' }], response_format: { type: 'json_schema', json_schema: { name: 'pick', schema: enumSchema } } })) },
    { name: '10 MB prompt', path: '/v1/completions', body: Buffer.from(JSON.stringify({ model: 'deepseek-chat', prompt: 'All work and no play makes a long prompt. '.repeat(250_000), max_tokens: 4 })) },
    { name: '1,000,000-entry logit_bias', path: '/v1/chat/completions', body: Buffer.from(JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], logit_bias: Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [String(i), 1])) })) },
  ];
}

async function post(origin: string, route: string, body: Buffer | string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${origin}${route}`, { method: 'POST', body: typeof body === 'string' ? body : new Blob([body]), headers: { 'content-type': 'application/json' }, signal });
}

/** A victim's short requests one after another, a stream beside them, and the attacker (if any) on a loop. */
async function interferenceRound(origin: string, attack: Attack | null) {
  const stop = new AbortController();
  const statuses = new Set<number>();
  const attacker = (async () => {
    while (attack && !stop.signal.aborted) {
      const res = await post(origin, attack.path, attack.body, stop.signal).catch(() => null);
      if (res) {
        statuses.add(res.status);
        await res.arrayBuffer().catch(() => null);
      }
    }
  })();
  let largestGapMs = 0;
  const stream = (async () => {
    const res = await post(origin, '/v1/completions', JSON.stringify({ model: 'deepseek-chat', prompt: 'A stream that runs on', max_tokens: 100_000, ignore_eos: true, stream: true }), stop.signal);
    let last = 0;
    try {
      for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>) {
        const now = performance.now();
        if (last > 0) largestGapMs = Math.max(largestGapMs, now - last);
        last = now;
      }
    } catch {
      // Aborted at the end of the window.
    }
  })();
  const latencies: number[] = [];
  const until = performance.now() + WINDOW_MS;
  for (let i = 0; performance.now() < until; i++) {
    const start = performance.now();
    const res = await post(origin, '/v1/chat/completions', JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: `victim ${i}` }], max_tokens: 1 }));
    await res.arrayBuffer();
    latencies.push(performance.now() - start);
  }
  stop.abort();
  await Promise.all([attacker, stream]);
  return { victimP99Ms: +percentile(latencies, 99).toFixed(1), victimP50Ms: +percentile(latencies, 50).toFixed(1), victimRequests: latencies.length, largestStreamGapMs: +largestGapMs.toFixed(1), attackerStatuses: [...statuses] };
}

async function interference(modelPath: string) {
  const { origin, child } = await startServe(modelPath);
  try {
    await interferenceRound(origin, null);
    const alone = await interferenceRound(origin, null);
    const rows = [{ attack: 'none (alone)', ...alone, meetsTarget: alone.largestStreamGapMs <= 500 }];
    for (const attack of attacks()) {
      const round = await interferenceRound(origin, attack);
      const meetsTarget = round.victimP99Ms <= 2 * alone.victimP99Ms + 250 && round.largestStreamGapMs <= 500;
      rows.push({ attack: attack.name, ...round, meetsTarget });
    }
    return rows;
  } finally {
    child.kill('SIGTERM');
  }
}

async function decodeRate(config: EngineConfig, round: number): Promise<number> {
  const engine = await EngineClient.start(config);
  try {
    const request = (cacheKey: string) => ({ cacheKey, prompt: { text: `Decode round ${round}.`, addSpecial: true }, sampling: GREEDY, maxTokens: CONTENTION_TOKENS, stop: [], stopOnEog: false });
    await timeStream(engine, { ...request('warm'), maxTokens: 8 }, performance.now());
    const { tokenTimes } = await timeStream(engine, request(`r${round}`), performance.now());
    return ((tokenTimes.length - 1) / (tokenTimes[tokenTimes.length - 1] - tokenTimes[0])) * 1000;
  } finally {
    await engine.close();
  }
}

/** Default (adaptive) threads against each fixed count, in interleaved rounds; the median per setting. */
async function contentionRow(base: EngineConfig, label: string) {
  const cores = usableCores();
  const settings: Array<[string, Partial<EngineConfig>]> = [['auto', { threads: cores, adaptiveThreads: true }], ...Array.from({ length: cores }, (_, i): [string, Partial<EngineConfig>] => [String(i + 1), { threads: i + 1, adaptiveThreads: false }])];
  const rates = new Map<string, number[]>(settings.map(([name]) => [name, []]));
  for (let round = 0; round < CONTENTION_ROUNDS; round++) {
    for (const [name, overrides] of settings) rates.get(name)?.push(await decodeRate({ ...base, ...overrides, numSlots: 1 }, round));
  }
  const median = (values: number[]) => percentile(values, 50);
  const byThreads = Object.fromEntries([...rates].map(([name, values]) => [name, +median(values).toFixed(1)]));
  const best = Math.max(...settings.slice(1).map(([name]) => byThreads[name]));
  return { machine: label, tokPerSByThreads: byThreads, autoVsBest: +(byThreads.auto / best).toFixed(3) };
}

async function contention(base: EngineConfig) {
  const quiet = await contentionRow(base, 'as it is');
  const spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    await sleep(500);
    const busy = await contentionRow(base, 'one core kept busy');
    return { quiet: { ...quiet, meetsTarget: quiet.autoVsBest >= 0.95 }, busy: { ...busy, meetsTarget: busy.autoVsBest >= 0.8 } };
  } finally {
    spinner.kill('SIGKILL');
  }
}

/** Requests at several times the cache, arriving together, on a small context. */
async function kvPressure(base: EngineConfig) {
  const config = { ...base, numSlots: 8, totalCells: 1024, maxSeqLen: 1024, numCacheHolders: 8 };
  const engine = await EngineClient.start(config);
  try {
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const specs = Array.from({ length: 48 }, (_, i) => ({ text: `${'Shared system prompt for the soak. '.repeat(1 + rand(6))}Request ${i}.`, maxTokens: 32 + rand(224), cacheKey: `t${rand(3)}` }));
    const start = performance.now();
    const results = await Promise.all(specs.map(async (spec) => {
      const began = performance.now();
      let tokens = 0;
      let finish = '';
      for await (const event of engine.generate({ cacheKey: spec.cacheKey, prompt: { text: spec.text, addSpecial: true }, sampling: GREEDY, maxTokens: spec.maxTokens, stop: [], stopOnEog: false })) {
        tokens += event.tokens.length;
        finish = event.finishReason ?? finish;
      }
      return { tokens, finish, latencyMs: performance.now() - began };
    }));
    const seconds = (performance.now() - start) / 1000;
    const stats = await engine.stats();
    const demand = specs.reduce((n, s) => n + s.maxTokens + s.text.length / 2, 0);
    return {
      requests: specs.length,
      demandVsCache: +(demand / config.totalCells).toFixed(1),
      allFinished: results.every((r) => r.finish === 'length'),
      tokPerS: +(results.reduce((n, r) => n + r.tokens, 0) / seconds).toFixed(1),
      latencyP50Ms: +percentile(results.map((r) => r.latencyMs), 50).toFixed(0),
      latencyP99Ms: +percentile(results.map((r) => r.latencyMs), 99).toFixed(0),
      preemptions: stats.numPreemptions,
      evictedTokens: stats.numEvictedTokens,
    };
  } finally {
    await engine.close();
  }
}

export async function runRobustnessBench() {
  const base = await benchEngineConfig();
  const interferenceRows = await interference(base.modelPath);
  console.log('\nRobustness — interference: a victim tenant and a running stream while an attacker sends (target: victim p99 ≤ 2× alone + 250 ms, gap ≤ 500 ms)');
  console.table(interferenceRows.map(({ attackerStatuses, ...row }) => ({ ...row, attackerStatuses: attackerStatuses.join(' ') })));
  const contentionResult = await contention(base);
  console.log(`\nRobustness — contention: single-stream decode tok/s by threads, ${usableCores()} usable cores (target: auto ≥ 0.8× best with a core busy, ≥ 0.95× on a quiet machine)`);
  console.table([contentionResult.quiet, contentionResult.busy].map(({ tokPerSByThreads, ...row }) => ({ ...row, ...tokPerSByThreads })));
  const pressure = await kvPressure(base);
  console.log('\nRobustness — KV pressure: 48 requests at once on 8 slots and 1,024 cells');
  console.table([pressure]);
  return { interference: interferenceRows, contention: contentionResult, kvPressure: pressure };
}
