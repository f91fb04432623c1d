import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { APIError } from 'openai';
import { ModelRegistry } from '../../src/routing/registry.ts';
import { engineConfig } from '../helpers/engine.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { BIN, startServeProcess } from '../helpers/serve-process.ts';
import { until } from '../helpers/until.ts';

interface Ps {
  memory_limit_bytes: number;
  data: Array<{ id: string; state: string; active_requests: number; idle_seconds: number; expires_in_seconds: number | null; slots: number | null; memory: { total_bytes: number } }>;
}

const ps = async (server: TestServer): Promise<Ps> => (await fetch(`${server.baseURL}/ps`)).json() as Promise<Ps>;
const loadedIds = async (server: TestServer) => (await ps(server)).data.map((m) => m.id);
const complete = (server: TestServer, model: string) => server.client.completions.create({ model, prompt: 'Once upon', max_tokens: 3, temperature: 0 });
const idOf = (server: TestServer, index: number) => server.models.list()[index].id;

async function refusal(promise: Promise<unknown>): Promise<APIError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  assert.ok(error instanceof APIError, `expected an API error, got ${String(error)}`);
  return error;
}

describe('several models in one server', () => {
  it('serves two models, lists both in /models, and shows the loaded ones in /ps and `seekstack ps`', async (t) => {
    const server = await startServer(t, [await tinyModel('llama'), await tinyModel('qwen2')]);
    const [first, second] = [idOf(server, 0), idOf(server, 1)];
    assert.deepEqual((await server.client.models.list()).data.map((m) => m.id), ['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro', first, second]);
    assert.deepEqual(await loadedIds(server), [first], 'only the default model is loaded at start');
    const loads: string[] = [];
    server.models.on('loaded', (id: string) => loads.push(id));
    const startedAt = performance.now();
    const together = await Promise.all([complete(server, second), complete(server, second)]);
    t.diagnostic(`first requests to an unloaded model (load included): ${(performance.now() - startedAt).toFixed(0)} ms`);
    assert.deepEqual(together.map((r) => r.usage?.completion_tokens), [3, 3]);
    assert.deepEqual(loads, [second], 'two requests arriving together share one load');
    assert.equal((await complete(server, first)).usage?.completion_tokens, 3);
    const { data } = await ps(server);
    assert.deepEqual(data.map((m) => [m.id, m.state, m.slots, m.active_requests]), [[first, 'loaded', 4, 0], [second, 'loaded', 4, 0]]);
    assert.ok(data.every((m) => m.memory.total_bytes > 0 && m.expires_in_seconds === null));
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'ps', '--url', server.baseURL]);
    assert.match(stdout, /^NAME\s+STATE\s+MEMORY\s+CONTEXT\s+SLOTS\s+REQUESTS\s+IDLE\s+UNLOADS IN$/m);
    assert.match(stdout, new RegExp(`^${first}\\s+loaded\\s.*\\snever$`, 'm'));
    assert.match(stdout, new RegExp(`^${second}\\s+loaded\\s`, 'm'));
  });

  it('with room for one, asking for the other model unloads the idle one, and asking again reloads it', async (t) => {
    const server = await startServer(t, [await tinyModel('llama'), await tinyModel('qwen2')], { registry: { maxLoaded: 1 } });
    const [first, second] = [idOf(server, 0), idOf(server, 1)];
    await complete(server, second);
    assert.deepEqual(await loadedIds(server), [second]);
    const startedAt = performance.now();
    await complete(server, 'deepseek-chat');
    t.diagnostic(`swap back to the default model: ${(performance.now() - startedAt).toFixed(0)} ms`);
    assert.deepEqual(await loadedIds(server), [first]);
  });

  it('unloads a model idle past keep-alive and reloads it on the next request', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { registry: { keepAliveMs: 300 } });
    const id = idOf(server, 0);
    await complete(server, id);
    const [entry] = (await ps(server)).data;
    assert.ok(entry.expires_in_seconds !== null && entry.expires_in_seconds <= 0.3, `expires in ${entry.expires_in_seconds} s`);
    await until('the idle model is unloaded', async () => (await loadedIds(server)).length === 0);
    const startedAt = performance.now();
    assert.equal((await complete(server, id)).usage?.completion_tokens, 3);
    t.diagnostic(`reload after keep-alive: ${(performance.now() - startedAt).toFixed(0)} ms`);
    assert.deepEqual(await loadedIds(server), [id]);
  });

  it('never unloads a model while a stream holds it, and says why another cannot load meanwhile', async (t) => {
    const server = await startServer(t, [await tinyModel('llama'), await tinyModel('qwen2')], { registry: { maxLoaded: 1, keepAliveMs: 300 } });
    const [first, second] = [idOf(server, 0), idOf(server, 1)];
    const controller = new AbortController();
    const stream = await server.client.completions.create(
      { model: first, prompt: 'Once', max_tokens: 100000, stream: true, ignore_eos: true } as never,
      { signal: controller.signal },
    );
    const chunks = (stream as unknown as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    await chunks.next();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const [held] = (await ps(server)).data;
    assert.deepEqual([held.id, held.active_requests, held.expires_in_seconds], [first, 1, null]);
    const busy = await refusal(complete(server, second));
    assert.deepEqual([busy.status, busy.code], [503, 'model_capacity']);
    assert.match(busy.message, new RegExp(`1 of at most 1 models are loaded, and the ones in the way are serving requests: ${first} \\(1 requests\\)`));
    assert.equal((await chunks.next()).done, false, 'the stream goes on');
    controller.abort();
    await until('the cancelled stream lets go of the model', async () => (await ps(server)).data[0]?.active_requests === 0);
    await complete(server, second);
    assert.deepEqual(await loadedIds(server), [second]);
  });

  it('refuses a model too large for the memory limit, naming what it needs and what is free', async (t) => {
    const [small, large] = [await tinyModel('deepseek2'), await tinyModel('llama')];
    // The registry reads estimates without loading anything; the limit fits the small model only.
    const [smallBytes, largeBytes] = new ModelRegistry([small, large].map((p) => ({ config: engineConfig(p) })), { maxLoaded: 2, keepAliveMs: -1, memoryLimitBytes: os.totalmem() })
      .list()
      .map((m) => m.memory.totalBytes);
    assert.ok(smallBytes < largeBytes);
    const server = await startServer(t, [small, large], { registry: { memoryLimitBytes: Math.floor((smallBytes + largeBytes) / 2) } });
    const tooLarge = await refusal(complete(server, idOf(server, 1)));
    assert.deepEqual([tooLarge.status, tooLarge.code], [400, 'model_too_large']);
    assert.match(tooLarge.message, /needs ~[\d.]+ MB \(weights [\d.]+ MB \+ KV cache [\d.]+ MB at 4096 tokens \+ [\d.]+ MB for compute buffers\) but [\d.]+ kB of the [\d.]+ MB memory limit is free/);
    assert.deepEqual(await loadedIds(server), [idOf(server, 0)], 'nothing was unloaded for it');
    assert.equal((await complete(server, 'deepseek-chat')).usage?.completion_tokens, 3);
  });

  it('`seekstack serve` also offers every local model under --data-dir, by its library name, loaded on demand', async () => {
    const dataDir = scratchDir();
    fs.mkdirSync(path.join(dataDir, 'models'), { recursive: true });
    fs.copyFileSync(await tinyModel('qwen2'), path.join(dataDir, 'models', 'placed-by-hand.gguf'));
    const args = ['--model', await tinyModel('llama'), '--data-dir', dataDir, '--threads', '1', '--slots', '2', '--max-loaded', '1', '--model-keep-alive', '1s', '--memory-limit', '4GiB'];
    const { child, url } = await startServeProcess(args);
    try {
      const headers = { 'content-type': 'application/json' };
      const listed = (await (await fetch(`${url}/models`)).json()) as { data: Array<{ id: string }> };
      assert.ok(listed.data.some((m) => m.id === 'placed-by-hand'), JSON.stringify(listed.data));
      const body = JSON.stringify({ model: 'placed-by-hand', prompt: 'Once', max_tokens: 2 });
      assert.equal((await fetch(`${url}/completions`, { method: 'POST', headers, body })).status, 200);
      const loaded = (await (await fetch(`${url}/ps`)).json()) as Ps;
      assert.deepEqual(loaded.data.map((m) => m.id), ['placed-by-hand']);
      assert.equal(loaded.memory_limit_bytes, 4 * 2 ** 30);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
