/**
 * What the API must refuse with a clear 4xx instead of a 500 or a silent wrong answer: unknown fields,
 * values past their bounds, bodies nested too deep, names that are Object.prototype properties, and a
 * forced tool call with no tools. Nothing refused may be stored, and a listing must survive any input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];

/** `{"type":"object","properties":{"a": …}}` nested `depth` objects deep, as JSON text (JSON.stringify would overflow the stack). */
function nestedSchema(depth: number): string {
  return '{"type":"object","required":["a"],"properties":{"a":'.repeat(depth) + '{"type":"string"}' + '}}'.repeat(depth);
}

describe('refusals', () => {
  const server = serverForSuite(async () => [await tinyModel('llama')]);
  let adminKey = '';
  const call = async (method: string, path: string, body?: unknown, key = adminKey) => {
    const response = await fetch(`${server().origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as ErrorBody & Record<string, unknown> };
  };
  const chat = (extra: object) => call('POST', '/v1/chat/completions', { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra });

  it('setup: an admin key', async () => {
    const { platform } = server();
    await platform.admin.createTenant('ops', 'test');
    adminKey = (await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'ops', isAdmin: true }, 'test')).secret;
  });

  it('refuses unknown fields with 422 naming them, and creates nothing (observation 3)', async () => {
    const before = (await server().platform.admin.listKeys()).length;
    const refused = await call('POST', '/admin/keys', { tenant: 'ops', budgetTokens: 1000 });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'invalid_parameter');
    assert.equal(refused.body.error.param, 'budgetTokens');
    assert.match(refused.body.error.message, /unknown parameter 'budgetTokens'/);
    assert.equal((await server().platform.admin.listKeys()).length, before, 'no unlimited key was created');

    const nested = await chat({ messages: [{ role: 'user', content: 'hi', colour: 'red' }] });
    assert.deepEqual([nested.status, nested.body.error.param], [422, 'messages[0].colour']);
    const top = await chat({ temperatur: 0.5 });
    assert.deepEqual([top.status, top.body.error.param], [422, 'temperatur']);
    const query = await call('GET', '/admin/usage?bye=day');
    assert.deepEqual([query.status, query.body.error.param], [422, 'bye']);
  });

  it('still accepts the vendor extensions clients send, and a client JSON Schema with any keywords', async () => {
    const accepted = await chat({ top_k: 5, min_p: 0.1, parallel_tool_calls: true, store: false, metadata: { a: 'b' }, cache_prompt: true });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const schema = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], title: 'T' } } }, max_tokens: 8 });
    assert.equal(schema.status, 200, JSON.stringify(schema.body));
  });

  it('shows and takes prices in one spelling, snake_case (observation 3)', async () => {
    const set = await call('PUT', '/admin/prices/deepseek-chat', { cache_hit_per_m: 0.07, cache_miss_per_m: 0.27, output_per_m: 1.1 });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, { model: 'deepseek-chat', currency: 'USD', cache_hit_per_m: 0.07, cache_miss_per_m: 0.27, output_per_m: 1.1 });
    const listed = await call('GET', '/admin/prices');
    assert.deepEqual((listed.body as unknown as { data: unknown[] }).data, [set.body]);
    assert.equal((await call('PUT', '/admin/prices/deepseek-chat', { cacheHitPerM: 1, cache_hit_per_m: 1, cache_miss_per_m: 1, output_per_m: 1 })).status, 422);
  });

  it('bounds a key lifetime and the usage window, and no input breaks the key listing (observation 4)', async () => {
    const before = (await server().platform.admin.listKeys()).length;
    for (const expires of ['99999999d', '3651d', '0d']) {
      const refused = await call('POST', '/admin/keys', { tenant: 'ops', expires_in: expires });
      assert.ok(refused.status === 422, `${expires}: ${refused.status}`);
      assert.equal(refused.body.error.code, 'invalid_parameter');
    }
    assert.equal((await server().platform.admin.listKeys()).length, before, 'nothing was created');
    assert.equal((await call('POST', '/admin/keys', { tenant: 'ops', expires_in: '3650d' })).status, 201);
    assert.equal((await call('GET', '/admin/keys')).status, 200);
    for (const since of ['99999999999d', '36501d']) {
      const refused = await call('GET', `/admin/usage?since=${since}`);
      assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.param], [422, 'invalid_parameter', 'since']);
    }
    assert.equal((await call('GET', '/admin/usage?since=36500d')).status, 200);
    assert.equal((await call('POST', '/admin/keys', { tenant: 'ops', budget_tokens: 2 ** 60 })).status, 422);
  });

  it('refuses a json_schema or tool parameters nested 10,000 levels deep with a 4xx (observation 4)', async () => {
    const deep = nestedSchema(10_000);
    const schema = await call('POST', '/v1/chat/completions',
      `{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${deep}}}}`);
    assert.equal(schema.status, 400);
    assert.match(schema.body.error.message, /nests arrays and objects more than 128 levels deep/);
    const tools = await call('POST', '/v1/chat/completions',
      `{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}],"tool_choice":"required"}`);
    assert.equal(tools.status, 400);
    const fits = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: JSON.parse(nestedSchema(60)) } }, max_tokens: 4 });
    assert.ok(fits.status === 200 || fits.status === 422, `a 60-deep schema is served or refused for what it asks, got ${fits.status}`);
  });

  it('serves no model named after an Object.prototype property (observation 5)', async () => {
    for (const name of PROTOTYPE_NAMES) {
      const refused = await chat({ model: name });
      assert.deepEqual([refused.status, refused.body.error.code], [400, 'model_not_found'], name);
      const lookup = await call('GET', `/v1/models/${encodeURIComponent(name)}`);
      assert.equal(lookup.status, 400, name);
      assert.equal(lookup.body.error.code, 'model_not_found', name);
      const completion = await call('POST', '/v1/completions', { model: name, prompt: 'x', max_tokens: 1 });
      assert.equal(completion.status, 400, name);
    }
  });

  it('refuses tool_choice required or a named function without tools (observation 5)', async () => {
    for (const toolChoice of ['required', { type: 'function', function: { name: 'get_weather' } }]) {
      const refused = await chat({ tool_choice: toolChoice });
      assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.param], [422, 'invalid_parameter', 'tool_choice']);
    }
    assert.equal((await chat({ tool_choice: 'auto' })).status, 200, 'auto and none ask for nothing that needs tools');
    assert.equal((await chat({ tool_choice: 'none' })).status, 200);
  });
});
