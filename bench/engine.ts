/**
 * Engine throughput on the ~250M-parameter bench model: aggregate decode tok/s at 1, 4, 8 and 16
 * streams, prefill tok/s, time to first token of a 2,000-token prompt cold vs with 1,900 cached, a
 * burst of 8 requests sharing a 2,000-token prefix (one cache key vs eight), and cold prefill and
 * 8-stream decode again after a mixed workload has filled the cache (BENCH_AGE_S seconds, default 600).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineClient, type GenerateInput } from '../src/engine/client.ts';
import type { EngineConfig } from '../src/engine/protocol.ts';
import { synthModel } from '../src/engine/gguf/synth.ts';
import type { SamplingParams } from '../src/engine/types.ts';

export const GREEDY: SamplingParams = {
  temperature: 0, topP: 1, topK: 0, minP: 0, seed: 0,
  presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, penaltyLastN: 0, logitBias: [],
};
const STREAMS = [1, 4, 8, 16];
const DECODE_TOKENS = 64;
const BURST = 8;

/** The engine's threads: BENCH_THREADS, else every core. */
function benchThreads(): number {
  return Number(process.env.BENCH_THREADS ?? os.availableParallelism());
}

/** The bench model is generated on first use and kept outside git. */
export async function benchModel(): Promise<string> {
  const file = path.join(import.meta.dirname, '..', '.cache', 'bench', 'qwen2-bench-q8_0.gguf');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    console.log(`generating ${path.relative(process.cwd(), file)} (first run only)…`);
    await synthModel({ arch: 'qwen2', preset: 'bench', wtype: 'q8_0', out: `${file}.partial` });
    fs.renameSync(`${file}.partial`, file);
  }
  return file;
}

function input(tokens: number[], cacheKey: string, maxTokens: number): GenerateInput {
  return { cacheKey, prompt: { tokens }, sampling: GREEDY, maxTokens, stop: [], stopOnEog: false };
}

/** Prompt tokens drawn from the vocabulary's ordinary range, different per `salt`. */
function promptTokens(length: number, salt: number): number[] {
  return Array.from({ length }, (_, i) => 300 + ((i * 7919 + salt * 104_729) % 900));
}

export interface StreamTimes {
  firstTokenAt: number;
  tokenTimes: number[];
}

/** Decode rate summed over streams, counting only tokens that arrive once every stream is past its prefill. */
export function aggregateRate(streams: StreamTimes[]): number {
  const from = Math.max(...streams.map((s) => s.firstTokenAt));
  const to = Math.max(...streams.map((s) => s.tokenTimes[s.tokenTimes.length - 1]));
  const tokens = streams.reduce((n, s) => n + s.tokenTimes.filter((t) => t > from).length, 0);
  return (tokens / (to - from)) * 1000;
}

export async function timeStream(engine: EngineClient, request: GenerateInput, start: number): Promise<StreamTimes> {
  const tokenTimes: number[] = [];
  for await (const event of engine.generate(request)) {
    for (let i = 0; i < event.tokens.length; i++) tokenTimes.push(performance.now() - start);
  }
  return { firstTokenAt: tokenTimes[0], tokenTimes };
}

async function decodeRate(engine: EngineClient, numStreams: number, round: number): Promise<number> {
  const start = performance.now();
  const streams = await Promise.all(
    Array.from({ length: numStreams }, (_, i) =>
      timeStream(engine, input(promptTokens(32, round * 100 + i), `decode-${round}-${i}`, DECODE_TOKENS), start)),
  );
  return aggregateRate(streams);
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

async function timeToFirstToken(engine: EngineClient, tokens: number[], cacheKey: string): Promise<number> {
  const start = performance.now();
  const { firstTokenAt } = await timeStream(engine, input(tokens, cacheKey, 1), start);
  return firstTokenAt;
}

/** The engine both bench sections measure: 16 slots, so 16 streams run at once. */
export async function benchEngineConfig(): Promise<EngineConfig> {
  return {
    modelPath: await benchModel(), gpuLayers: -1, threads: benchThreads(), numSlots: 16, numCacheHolders: 8,
    totalCells: 8192, maxSeqLen: 4096, maxPrefillTokensPerStep: 512, maxQueueLength: 64,
  };
}

export async function runEngineBench() {
  const config = await benchEngineConfig();
  const { modelPath, threads } = config;
  const engine = await EngineClient.start(config);
  try {
    await decodeRate(engine, 1, 0); // warm-up: page in the weights
    const decode: Record<string, number> = {};
    for (const [round, n] of STREAMS.entries()) decode[n] = await decodeRate(engine, n, round + 1);

    // Three rounds with different prompts; medians, since one slow step on a shared machine skews a single run.
    const colds: number[] = [];
    const cacheds: number[] = [];
    for (let round = 0; round < 3; round++) {
      const long = promptTokens(2000, 999 + round);
      colds.push(await timeToFirstToken(engine, long, `cold-${round}`));
      await timeToFirstToken(engine, long.slice(0, 1900), `warm-${round}`);
      cacheds.push(await timeToFirstToken(engine, long, `warm-${round}`));
    }
    const coldMs = median(colds);
    const cachedMs = median(cacheds);
    const prefillTokPerS = (2000 / coldMs) * 1000;

    const burstShared = await burstLastFirstToken(engine, 'one-key', 0);
    const burstIsolated = await burstLastFirstToken(engine, 'own-keys', 1);

    const ageSeconds = Number(process.env.BENCH_AGE_S ?? 600);
    const aging = await mixedWorkload(engine, ageSeconds * 1000);
    // A pause as traffic has: the engine packs its prefix cache once it has been idle for a second.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const agedColds: number[] = [];
    for (let round = 0; round < 3; round++) agedColds.push(await timeToFirstToken(engine, promptTokens(2000, 5999 + round), `aged-cold-${round}`));
    const agedColdMs = median(agedColds);
    const agedDecode8 = await decodeRate(engine, 8, 77);
    const agedStats = await engine.stats();

    const result = {
      model: { path: path.basename(modelPath), params: engine.model.numParams, description: engine.model.description },
      threads,
      decodeTokPerS: decode,
      decodeSpeedup8vs1: decode[8] / decode[1],
      prefillTokPerS,
      ttft2000: { coldMs, cached1900Ms: cachedMs, ratio: cachedMs / coldMs, coldRunsMs: colds, cachedRunsMs: cacheds },
      burst2000x8: { lastFirstTokenSharedMs: burstShared, lastFirstTokenOwnKeysMs: burstIsolated, ratio: burstShared / burstIsolated, vsSingleCold: burstShared / coldMs },
      afterLoad: {
        seconds: ageSeconds, ...aging, cachedTokens: agedStats.numCachedTokens, evictedTokens: agedStats.numEvictedTokens, compactions: agedStats.numCompactions,
        coldMs: agedColdMs, coldRunsMs: agedColds, freshOverAgedCold: coldMs / agedColdMs,
        decode8TokPerS: agedDecode8, agedOverFreshDecode8: agedDecode8 / decode[8],
      },
    };
    console.log(`\nEngine — ${result.model.description}, ${(result.model.params / 1e6).toFixed(1)}M params, ${threads} threads`);
    console.table(STREAMS.map((n) => ({ streams: n, 'decode tok/s (sum)': +decode[n].toFixed(1), 'vs 1 stream': +(decode[n] / decode[1]).toFixed(2) })));
    console.table([
      { metric: 'prefill tok/s (2,000-token prompt)', value: +prefillTokPerS.toFixed(1) },
      { metric: 'TTFT cold, 2,000 tokens (ms)', value: +coldMs.toFixed(1) },
      { metric: 'TTFT with 1,900 cached (ms)', value: +cachedMs.toFixed(1) },
      { metric: 'cached / cold', value: +(cachedMs / coldMs).toFixed(3) },
      { metric: `TTFT of the last of ${BURST} sharing a 2,000-token prefix (ms)`, value: +burstShared.toFixed(1) },
      { metric: `the same ${BURST} under ${BURST} cache keys (ms)`, value: +burstIsolated.toFixed(1) },
      { metric: 'shared / own keys', value: +(burstShared / burstIsolated).toFixed(3) },
    ]);
    console.log(`\nAfter ${ageSeconds} s of mixed load and 2 s idle (${aging.requests} requests, ${agedStats.numCachedTokens} tokens cached, ${agedStats.numEvictedTokens} evicted, ${agedStats.numCompactions} cache compactions)`);
    console.table([
      { metric: 'TTFT cold, 2,000 tokens (ms)', fresh: +coldMs.toFixed(1), 'after load': +agedColdMs.toFixed(1), 'fresh / after': +(coldMs / agedColdMs).toFixed(3) },
      { metric: 'decode tok/s, 8 streams', fresh: +decode[8].toFixed(1), 'after load': +agedDecode8.toFixed(1), 'after / fresh': +(agedDecode8 / decode[8]).toFixed(3) },
    ]);
    return result;
  } finally {
    await engine.close();
  }
}

/**
 * A burst of requests that share a 2,000-token prefix, each with its own question, sent at once: the
 * time to the last one's first token. Under one cache key the prefix is computed once while they run;
 * under a key each (as for separate tenants) every request computes it.
 */
async function burstLastFirstToken(engine: EngineClient, keys: 'one-key' | 'own-keys', salt: number): Promise<number> {
  const prefix = promptTokens(2000, 7000 + salt);
  const start = performance.now();
  const times = await Promise.all(Array.from({ length: BURST }, (_, i) => {
    const cacheKey = keys === 'one-key' ? `burst-${salt}` : `burst-${salt}-${i}`;
    return timeStream(engine, input([...prefix, ...promptTokens(32, 8000 + salt * BURST + i)], cacheKey, 1), start);
  }));
  return Math.max(...times.map((t) => t.firstTokenAt));
}

/**
 * Traffic that leaves the cache as hours of use would: eight clients in a loop, each sending prompts of
 * 50 to 2,000 tokens, often continuing an earlier conversation of a few tenants, for `durationMs`.
 */
async function mixedWorkload(engine: EngineClient, durationMs: number): Promise<{ requests: number }> {
  const until = performance.now() + durationMs;
  let requests = 0;
  let seed = 1;
  const random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
  const conversations = new Map<string, number[]>();
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (performance.now() < until) {
      const key = `tenant-${Math.floor(random() * 4)}`;
      const convo = `${key}/${Math.floor(random() * 6)}`;
      const earlier = random() < 0.6 ? conversations.get(convo) ?? [] : [];
      const tokens = [...earlier, ...promptTokens(50 + Math.floor(random() * 600), requests + 13)].slice(-2000);
      conversations.set(convo, tokens);
      requests++;
      for await (const event of engine.generate(input(tokens, key, 8 + Math.floor(random() * 120)))) void event;
    }
  }));
  return { requests };
}
