/**
 * The HTTP layer's cost: the same decode streams as the engine bench, sent through HTTP+SSE with the
 * openai client and compared with the engine alone on the same engine process (alternating, so load
 * drift hits both), and the latency a request that needs no inference (GET /v1/models) sees: over
 * loopback with node:http keep-alive (fetch's own overhead is ~0.3 ms and would hide the server's), and
 * in process through Fastify's inject (routing, hooks and serialisation without the socket).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { buildServer } from '../src/api/server.ts';
import type { EngineClient } from '../src/engine/client.ts';
import { ModelRegistry } from '../src/engine/registry.ts';
import { openPlatform } from '../src/platform/platform.ts';
import { latencies } from './latency.ts';
import { aggregateRate, benchEngineConfig, GREEDY, timeStream, type StreamTimes } from './engine.ts';

const STREAMS = [1, 4, 8, 16];
const TOKENS = 64;
const prompt = (i: number, round: number) => `Stream ${i} of round ${round}: tell a long story about the number ${i * 7919 + round}.`;

async function engineRate(engine: EngineClient, numStreams: number, round: number): Promise<number> {
  const start = performance.now();
  return aggregateRate(await Promise.all(Array.from({ length: numStreams }, (_, i) => timeStream(engine, {
    cacheKey: `e${round}-${i}`, prompt: { text: prompt(i, round), addSpecial: true }, sampling: GREEDY, maxTokens: TOKENS, stop: [], stopOnEog: false,
  }, start))));
}

async function httpStream(client: OpenAI, model: string, text: string, start: number): Promise<StreamTimes> {
  const tokenTimes: number[] = [];
  const stream = await client.completions.create({ model, prompt: text, max_tokens: TOKENS, temperature: 0, stream: true, ignore_eos: true } as OpenAI.CompletionCreateParamsStreaming);
  for await (const chunk of stream) {
    if (chunk.choices[0]?.text) tokenTimes.push(performance.now() - start);
  }
  return { firstTokenAt: tokenTimes[0], tokenTimes };
}

async function httpRate(client: OpenAI, model: string, numStreams: number, round: number): Promise<number> {
  const start = performance.now();
  return aggregateRate(await Promise.all(Array.from({ length: numStreams }, (_, i) => httpStream(client, model, prompt(i, round), start))));
}


export async function runHttpBench() {
  const models = await ModelRegistry.start([{ config: await benchEngineConfig() }], { maxLoaded: 1, keepAliveMs: -1, memoryLimitBytes: os.totalmem() });
  const platform = await openPlatform(fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-bench-')), { checkpointInBackground: true });
  const app = await buildServer({ models, platform });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'bench', maxRetries: 0 });
    // Held for the whole bench, so the engine measured directly is the one the HTTP requests use.
    const { model } = await models.acquire({ model: models.list()[0] });
    await engineRate(model.client, 1, 0);
    const rows = [];
    for (const [round, n] of STREAMS.entries()) {
      const engine = (await engineRate(model.client, n, round * 2 + 1) + await engineRate(model.client, n, round * 2 + 2)) / 2;
      const http = (await httpRate(client, model.id, n, round * 2 + 1) + await httpRate(client, model.id, n, round * 2 + 2)) / 2;
      rows.push({ streams: n, 'engine tok/s': +engine.toFixed(1), 'HTTP+SSE tok/s': +http.toFixed(1), 'HTTP / engine': +(http / engine).toFixed(3) });
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const overLoopback = () => new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/v1/models', agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
    const inProcess = async () => void (await app.inject({ method: 'GET', url: '/v1/models' }));
    const noInference = { loopback: await latencies(overLoopback), inProcess: await latencies(inProcess) };
    agent.destroy();
    console.log(`\nHTTP — ${path.basename(model.info.path)}, openai client over loopback`);
    console.table(rows);
    console.table(Object.entries(noInference).map(([how, l]) => ({ 'GET /v1/models': how, 'p50 ms': +l.p50Ms.toFixed(3), 'p99 ms': +l.p99Ms.toFixed(3) })));
    return { streams: rows, noInference };
  } finally {
    await app.close();
  }
}
