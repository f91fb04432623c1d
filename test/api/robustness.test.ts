/**
 * Issue 13's observations through the HTTP API: no request can hold up another, a frozen engine is
 * reported and replaced, requests wait out a restart, and every refusal has its real status, streamed
 * or not.
 */
import type { EngineClient } from '../../src/engine/client.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIError } from 'openai';
import { MAX_OBJECT_KEYS } from '../../src/api/json-body.ts';
import { MAX_LOGIT_BIAS_ENTRIES } from '../../src/engine/protocol.ts';
import { tinyModel } from '../helpers/models.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const USER = [{ role: 'user' as const, content: 'Hello there' }];
const TIMEOUT = { timeout: 180_000 };

/** A streamed chat that runs until aborted; `done` resolves with the error that ended it early, if any. */
function openStream(server: TestServer, signal: AbortSignal) {
  let chunks = 0;
  let resolveFirst = () => {};
  let resolveAccepted = () => {};
  const first = new Promise<void>((resolve) => (resolveFirst = resolve));
  /** The head arrived: the engine accepted the request (it may still be queued). */
  const accepted = new Promise<void>((resolve) => (resolveAccepted = resolve));
  const done = (async (): Promise<Error | null> => {
    try {
      const stream = await server.client.chat.completions.create(
        { model: 'deepseek-chat', messages: USER, max_tokens: 100_000, stream: true, ignore_eos: true } as never,
        { signal },
      );
      resolveAccepted();
      for await (const _ of stream as unknown as AsyncIterable<unknown>) {
        chunks++;
        resolveFirst();
      }
      return null;
    } catch (error) {
      return signal.aborted ? null : (error as Error);
    }
  })();
  return { first, accepted, done, count: () => chunks };
}

async function errorBody(res: Response) {
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error: { code: string; param: string | null; message: string } } };
}

describe('no request holds up another', () => {
  it('refuses a 60,000-value enum schema at once with a 422, while a stream keeps going', TIMEOUT, async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const stop = new AbortController();
    const victim = openStream(server, stop.signal);
    await victim.first;
    const schema = { type: 'string', enum: Array.from({ length: 60_000 }, (_, i) => `option number ${i}`) };
    const res = await server.post('/v1/chat/completions', JSON.stringify({ model: 'deepseek-chat', messages: USER, response_format: { type: 'json_schema', json_schema: { name: 'pick', schema } } }));
    const { status, body } = await errorBody(res);
    assert.equal(status, 422);
    assert.equal(body.error.code, 'invalid_parameter');
    assert.equal(body.error.param, 'response_format.json_schema.schema');
    assert.match(body.error.message, /more than 20000 values|exceed 100000 characters/);
    const before = victim.count();
    while (victim.count() < before + 5) await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();
    await victim.done;
  });

  it('answers a large but allowed enum from its values (compiled off the event loop, as a trie)', TIMEOUT, async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const values = Array.from({ length: 2000 }, (_, i) => `item-${i}`);
    const reply = await server.client.chat.completions.create({
      model: 'deepseek-chat',
      messages: USER,
      temperature: 0,
      max_tokens: 20,
      response_format: { type: 'json_schema', json_schema: { name: 'pick', schema: { type: 'string', enum: values } } },
    });
    assert.equal(reply.choices[0].finish_reason, 'stop');
    assert.ok(values.includes(JSON.parse(reply.choices[0].message.content ?? '')));
  });

  it('refuses a 10 MB prompt as too long for the context without tokenizing all of it', TIMEOUT, async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { engine: { totalCells: 1024, maxSeqLen: 1024 } });
    const prompt = 'All work and no play makes a long prompt. '.repeat(250_000);
    const res = await server.post('/v1/completions', JSON.stringify({ model: 'deepseek-chat', prompt, max_tokens: 4 }));
    const { status, body } = await errorBody(res);
    assert.equal(status, 400);
    assert.equal(body.error.code, 'context_length_exceeded');
    assert.match(body.error.message, /more than \d+ tokens \(10500000 bytes\) but the context holds 1024 tokens/);
  });

  it(`refuses more than ${MAX_LOGIT_BIAS_ENTRIES} logit_bias entries with a 422, and a million before parsing them`, TIMEOUT, async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const bias = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), 1]));
    for (const stream of [false, true]) {
      const over = await errorBody(await server.post('/v1/chat/completions', JSON.stringify({ model: 'deepseek-chat', messages: USER, logit_bias: bias(MAX_LOGIT_BIAS_ENTRIES + 1), stream })));
      assert.equal(over.status, 422);
      assert.equal(over.body.error.code, 'invalid_parameter');
      assert.match(over.body.error.message, /logit_bias/);
      const huge = await errorBody(await server.post('/v1/chat/completions', JSON.stringify({ model: 'deepseek-chat', messages: USER, logit_bias: bias(1_000_000), stream })));
      assert.equal(huge.status, 400);
      assert.match(huge.body.error.message, new RegExp(`an object in the request body has more than ${MAX_OBJECT_KEYS} members`));
    }
  });
});

describe('a frozen engine', () => {
  it('is reported by /health, keeps /metrics answering, and is replaced by the supervisor', TIMEOUT, async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { registry: { engine: { stallTimeoutMs: 1000, stallRestartMs: 4000 } } });
    const client = server.models.list()[0].client as EngineClient | undefined;
    assert.ok(client);
    const health = async () => {
      const res = await fetch(`${server.origin}/health`);
      return { status: res.status, body: (await res.json()) as { status: string } };
    };
    assert.equal((await health()).status, 200);
    const stop = new AbortController();
    const victim = openStream(server, stop.signal);
    await victim.first;
    const restarted = new Promise((resolve) => client.once('restart', resolve));
    process.kill(client.pid as number, 'SIGSTOP');
    let seen = await health();
    while (seen.status !== 503) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await health();
    }
    assert.equal(seen.body.status, 'degraded');
    const metrics = await fetch(`${server.origin}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /seekstack_engine_stalled\{model="[^"]+"\} 1/);
    // The supervisor kills the stopped process (SIGKILL reaches it) and starts a new one.
    await restarted;
    const ended = (await victim.done) as APIError;
    assert.equal((ended.error as { code: string }).code, 'engine_unavailable', 'the stream ends with the error, in the stream');
    assert.match((ended.error as { message: string }).message, /^the engine process stopped \(killed after \d+\.\d s without progress\); retry shortly$/);
    assert.equal((await health()).status, 200);
    const after = await server.client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 2 });
    assert.equal(after.choices[0].finish_reason, 'length');
  });

  it('makes the requests that arrive during a restart wait for it, instead of failing them', TIMEOUT, async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const client = server.models.list()[0].client as EngineClient | undefined;
    assert.ok(client);
    const restarted = new Promise((resolve) => client.once('restart', resolve));
    process.kill(client.pid as number, 'SIGKILL');
    await new Promise((resolve) => client.once('crash', resolve));
    const [plain, streamed] = await Promise.all([
      server.client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 2 }),
      (async () => {
        const stream = await server.client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 2, stream: true });
        let finish: string | null = null;
        for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
        return finish;
      })(),
    ]);
    await restarted;
    assert.equal(plain.choices[0].finish_reason, 'length');
    assert.equal(streamed, 'length');
  });
});

describe('refusals have their status whether streamed or not', () => {
  it('prompt too long (400), out-of-vocabulary logit_bias (422) and a full queue (503 with Retry-After)', TIMEOUT, async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { engine: { numSlots: 1, maxQueueLength: 1 } });
    const refusals = [
      { name: 'too long', body: { messages: [{ role: 'user', content: 'word '.repeat(5000) }] }, status: 400, code: 'context_length_exceeded' },
      { name: 'logit_bias', body: { messages: USER, logit_bias: { 99999999: 5 } }, status: 422, code: 'invalid_parameter' },
    ];
    for (const refusal of refusals) {
      const plain = await errorBody(await server.post('/v1/chat/completions', JSON.stringify({ model: 'deepseek-chat', ...refusal.body })));
      const streamed = await errorBody(await server.post('/v1/chat/completions', JSON.stringify({ model: 'deepseek-chat', ...refusal.body, stream: true })));
      assert.equal(plain.status, refusal.status, refusal.name);
      assert.equal(plain.body.error.code, refusal.code, refusal.name);
      assert.deepEqual(streamed, plain, `${refusal.name}: the same status and body when streamed`);
    }
    // One running, one queued (each answered once accepted): the next is refused.
    const stop = new AbortController();
    const running = openStream(server, stop.signal);
    await running.accepted;
    const queued = openStream(server, stop.signal);
    await queued.accepted;
    for (const stream of [false, true]) {
      const full = await errorBody(await server.post('/v1/chat/completions', JSON.stringify({ model: 'deepseek-chat', messages: USER, max_tokens: 2, stream })));
      assert.equal(full.status, 503);
      assert.equal(full.body.error.code, 'overloaded');
      assert.ok(Number(full.retryAfter) > 0, 'a 503 says when to retry');
    }
    stop.abort();
    await Promise.all([running.done, queued.done]);
  });
});
