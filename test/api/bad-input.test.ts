import type { EngineClient } from '../../src/engine/client.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI, { APIError, BadRequestError, InternalServerError, UnprocessableEntityError } from 'openai';
import { tinyModel } from '../helpers/models.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

async function expectError(server: TestServer, body: string | Buffer, status: number, code: string, pattern?: RegExp) {
  const res = await server.post('/v1/chat/completions', body);
  assert.equal(res.status, status, `status for ${String(body).slice(0, 60)}`);
  const json = (await res.json()) as ErrorBody;
  assert.equal(json.error.code, code);
  assert.equal(typeof json.error.type, 'string');
  if (pattern) assert.match(json.error.message, pattern);
  return json;
}

const ok = (extra: object = {}) => JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra });

describe('bad input gets a clear error and the server keeps serving', () => {
  it('rejects malformed bodies, wrong types, out-of-range values and unknown models', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { bodyLimitBytes: 64 * 1024 });
    await expectError(server, '{"model": "deepseek-chat", "messages": [', 400, 'invalid_json', /not valid JSON/);
    await expectError(server, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 400, 'invalid_json', /UTF-8/);
    await expectError(server, '[1, 2]', 400, 'invalid_request');
    await expectError(server, JSON.stringify({ model: 'deepseek-chat' }), 400, 'invalid_request', /messages/);
    await expectError(server, ok({ messages: [] }), 422, 'invalid_parameter', /messages must have at least 1 item/);
    const wrongType = await expectError(server, ok({ temperature: 'hot' }), 422, 'invalid_parameter', /temperature must be number/);
    assert.equal(wrongType.error.param, 'temperature');
    await expectError(server, ok({ temperature: 2.5 }), 422, 'invalid_parameter', /temperature must be <= 2/);
    await expectError(server, ok({ top_logprobs: 21, logprobs: true }), 422, 'invalid_parameter', /top_logprobs must be <= 20/);
    await expectError(server, ok({ stop: Array.from({ length: 17 }, (_, i) => `s${i}`) }), 422, 'invalid_parameter', /stop/);
    await expectError(server, ok({ messages: [{ role: 'wizard', content: 'x' }] }), 422, 'invalid_parameter', /messages\[0\]\.role/);
    await expectError(server, ok({ model: 'gpt-9' }), 400, 'model_not_found', /gpt-9/);
    await expectError(server, ok({ messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }), 413, 'payload_too_large');
    await expectError(server, ok({ messages: [{ role: 'user', content: 'word '.repeat(5000) }] }), 400, 'context_length_exceeded', /\d+ tokens.*\d+ tokens/);
    const res = await server.post('/v1/chat/completions', ok(), { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    const after = await server.client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'still there?' }], max_tokens: 3 });
    assert.equal(after.choices[0].finish_reason, 'length');
  });

  it('raises typed SDK errors', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    await assert.rejects(
      server.client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      (e: APIError) => e instanceof BadRequestError && (e.error as ErrorBody['error']).code === 'model_not_found',
    );
    await assert.rejects(
      server.client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'x' }], temperature: -1 }),
      (e: APIError) => e instanceof UnprocessableEntityError && e.status === 422,
    );
  });

  it('cancels the generation when a client disconnects mid-stream', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { engine: { numSlots: 1 } });
    const controller = new AbortController();
    const stream = await server.client.chat.completions.create(
      { model: 'deepseek-chat', messages: [{ role: 'user', content: 'go on forever' }], max_tokens: 100000, stream: true, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsStreaming,
      { signal: controller.signal },
    );
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 5) {
        controller.abort();
        break;
      }
    }
    assert.equal(chunks, 5);
    const client = server.models.list()[0].client as EngineClient | undefined;
    assert.ok(client, 'the default model stays loaded');
    await until('the slot was freed', async () => (await client.stats()).numRunning === 0, { timeoutMs: 1_000, everyMs: 20 });
    const next = await server.client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'next' }], max_tokens: 2 });
    assert.equal(next.choices[0].finish_reason, 'length');
  });

  it('answers 503 when the engine dies mid-request, and serves again after the restart', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const client = server.models.list()[0].client as EngineClient | undefined;
    assert.ok(client, 'the default model is loaded at start');
    // ignore_eos keeps it generating until the kill, whatever the random model samples.
    const pending = server.client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'long' }], max_tokens: 100000, ignore_eos: true } as never);
    const restarted = new Promise((resolve) => client.once('restart', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(client.pid as number, 'SIGKILL');
    await assert.rejects(pending, (e: APIError) => {
      assert.ok(e instanceof InternalServerError);
      assert.equal(e.status, 503);
      assert.equal((e.error as ErrorBody['error']).code, 'engine_unavailable');
      return true;
    });
    await restarted;
    const after = await server.client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'back?' }], max_tokens: 2 });
    assert.ok(after.choices[0].finish_reason);
  });
});
