/** Ollama's API (/api/*) through the official `ollama` npm client, against the real server and engine. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Ollama } from 'ollama';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { VERSION } from '../../src/version.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';
import { startFakeHub, type FakeHub } from '../models/fake-hub.ts';
import { until } from '../helpers/until.ts';

const REPO = 'someone/Tiny-Llama-GGUF';
const FILE = 'tiny-llama-F32.gguf';
const PULLED = `${REPO}:${FILE}`;

/** The error an ollama client call failed with: Ollama's `{error}` message and the HTTP status. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { status: (error as { status_code?: number }).status_code ?? 0, message: (error as Error).message };
  }
  assert.fail('the call succeeded');
}

describe("Ollama's API through the ollama client (tiny qwen2 with the R1 template)", () => {
  let hub: FakeHub;
  const hfEndpoint = process.env.HF_ENDPOINT;
  before(async () => {
    hub = await startFakeHub({ repos: { [REPO]: { [FILE]: { bytes: fs.readFileSync(await tinyModel('llama')) } } } });
    process.env.HF_ENDPOINT = hub.endpoint;
  });
  after(async () => {
    process.env.HF_ENDPOINT = hfEndpoint;
    await hub.close();
  });
  const suite = serverForSuite(async () => [await tinyModel('qwen2')], { library: true });
  const ollama = () => new Ollama({ host: suite().origin });
  let model: string;
  before(async () => {
    model = (await ollama().list()).models[0].name;
  });

  it('lists, shows and reports its version', async () => {
    const { models } = await ollama().list();
    assert.equal(models[0].details.format, 'gguf');
    assert.equal(models[0].details.family, 'qwen2');
    assert.match(models[0].digest, /^[0-9a-f]{64}$/);
    assert.ok(models[0].size > 0);
    assert.ok(!Number.isNaN(new Date(models[0].modified_at).getTime()));
    const shown = await ollama().show({ model });
    // The client types model_info as a Map; on the wire it is an object.
    const info = (shown: { model_info: unknown }) => shown.model_info as Record<string, unknown>;
    assert.match(shown.template, /<｜Assistant｜>/);
    assert.equal(info(shown)['general.architecture'], 'qwen2');
    assert.equal(info(shown)['tokenizer.ggml.tokens'], null, 'the vocabulary only when verbose');
    assert.ok(Array.isArray(info(await ollama().show({ model, verbose: true } as { model: string }))['tokenizer.ggml.tokens']));
    assert.ok(shown.capabilities.includes('completion') && shown.capabilities.includes('thinking'));
    assert.deepEqual(await ollama().version(), { version: VERSION });
    assert.deepEqual(await failure(ollama().show({ model: 'no-such-model' })), { status: 404, message: "the model 'no-such-model' does not exist; GET /models lists the models served here" });
  });

  it('chats, streamed and not, with the same text, counts and durations in nanoseconds', async () => {
    const request = { model, messages: [{ role: 'user', content: 'What is 2 + 2?' }], think: false, options: { temperature: 0, num_predict: 12 } };
    const whole = await ollama().chat(request);
    assert.equal(whole.message.role, 'assistant');
    assert.ok(whole.message.content.length > 0);
    assert.equal(whole.message.thinking, undefined);
    assert.equal(whole.done, true);
    assert.equal(whole.done_reason, 'length');
    assert.equal(whole.eval_count, 12);
    assert.ok(whole.prompt_eval_count > 0);
    assert.ok(whole.total_duration >= whole.prompt_eval_duration + whole.eval_duration, 'durations are parts of the total');
    assert.ok(whole.eval_duration > 1000, 'nanoseconds, not seconds or milliseconds');
    let text = '';
    let last;
    for await (const part of await ollama().chat({ ...request, stream: true })) {
      text += part.message.content;
      last = part;
    }
    assert.equal(text, whole.message.content);
    assert.equal(last?.done, true);
    assert.equal(last?.done_reason, 'length');
    assert.equal(last?.eval_count, 12);
  });

  it('puts reasoning in `thinking` with think: true, streamed and not', async () => {
    const request = { model, messages: [{ role: 'user', content: 'What is 2 + 2?' }], think: true, options: { temperature: 0, num_predict: 12 } };
    const whole = await ollama().chat(request);
    assert.ok((whole.message.thinking ?? '').length > 0);
    let thinking = '';
    for await (const part of await ollama().chat({ ...request, stream: true })) thinking += part.message.thinking ?? '';
    assert.equal(thinking, whole.message.thinking);
    const generated = await ollama().generate({ model, prompt: 'What is 2 + 2?', think: true, options: { temperature: 0, num_predict: 12 } });
    assert.equal(generated.thinking, whole.message.thinking, 'generate applies the same chat template');
  });

  it('follows a JSON Schema in `format`, and a seed reproduces', async () => {
    const format = { type: 'object', properties: { city: { type: 'string', maxLength: 12 }, sure: { type: 'boolean' } }, required: ['city', 'sure'], additionalProperties: false };
    const request = { model, messages: [{ role: 'user', content: 'Where is the Eiffel tower?' }], format, options: { temperature: 1, seed: 7, num_predict: 200 } };
    const reply = await ollama().chat(request);
    assert.equal(reply.done_reason, 'stop', 'the grammar ends the answer when the value is complete');
    const value = JSON.parse(reply.message.content ?? '');
    assert.deepEqual(Object.keys(value), ['city', 'sure']);
    assert.equal(typeof value.sure, 'boolean');
    assert.equal((await ollama().chat(request)).message.content, reply.message.content);
    const json = await ollama().generate({ model, prompt: 'Say something', format: 'json', options: { temperature: 0, num_predict: 300 } });
    assert.match(json.response ?? '', /^\s*\{/);
  });

  it('takes tools and a tool-call history with tool results by tool_name', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const reply = await ollama().chat({
      model,
      tools,
      think: false,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
        { role: 'tool', content: '{"celsius": 21}', tool_name: 'get_weather' },
      ],
      options: { temperature: 0, num_predict: 8 },
    });
    assert.equal(reply.done, true);
    assert.equal(reply.eval_count, 8);
  });

  it('generates raw and templated, continues from `context`, and stops at a stop string', async () => {
    const raw = await ollama().generate({ model, prompt: 'Once upon a time', raw: true, options: { temperature: 0, num_predict: 10 } });
    assert.equal(raw.context, undefined, 'raw answers carry no context');
    const templated = await ollama().generate({ model, prompt: 'Once upon a time', think: false, options: { temperature: 0, num_predict: 10 } });
    assert.notEqual(templated.response, raw.response, 'the chat template changes the prompt');
    assert.ok(templated.context.length > templated.prompt_eval_count - 1);
    const next = await ollama().generate({ model, prompt: 'And then?', context: templated.context, think: false, options: { temperature: 0, num_predict: 4 } });
    assert.ok(next.prompt_eval_count > templated.context.length, 'the earlier conversation is part of the prompt');
    const rawText = raw.response ?? '';
    const cut = rawText.slice(3, 6);
    const stopped = await ollama().generate({ model, prompt: 'Once upon a time', raw: true, options: { temperature: 0, num_predict: 10, stop: [cut] } });
    assert.equal(stopped.done_reason, 'stop');
    assert.equal(stopped.response, rawText.slice(0, rawText.indexOf(cut)));
  });

  it('refuses images, a Go template and unknown fields with a clear error', async () => {
    const images = await failure(ollama().chat({ model, messages: [{ role: 'user', content: 'What is this?', images: ['aGVsbG8='] }] }));
    assert.equal(images.status, 400);
    assert.match(images.message, /cannot read images/);
    assert.match((await failure(ollama().generate({ model, prompt: 'x', template: '{{ .Prompt }}' }))).message, /template/);
    const unknown = await failure(ollama().generate({ model, prompt: 'x', width: 512 }));
    assert.equal(unknown.status, 422);
    assert.match(unknown.message, /unknown parameter 'width'/);
    assert.match((await failure(ollama().chat({ model, messages: [{ role: 'user', content: 'x' }], keep_alive: 'soon' }))).message, /keep_alive/);
  });

  it('shows loaded models in ps, keeps them for keep_alive, and loads and unloads with an empty request', async () => {
    await ollama().chat({ model, messages: [{ role: 'user', content: 'hi' }], keep_alive: -1, options: { num_predict: 1 } });
    const [loaded] = (await ollama().ps()).models;
    assert.equal(loaded.name, model);
    assert.ok(new Date(loaded.expires_at).getFullYear() > 2200, 'keep_alive -1 keeps it for good');
    assert.ok(loaded.size > 0);
    await ollama().chat({ model, messages: [{ role: 'user', content: 'hi' }], keep_alive: '10m', options: { num_predict: 1 } });
    const expires = new Date((await ollama().ps()).models[0].expires_at).getTime() - Date.now();
    assert.ok(expires > 9 * 60_000 && expires <= 10 * 60_000, `expires in ${expires} ms`);
    const unloaded = await ollama().generate({ model, prompt: '', keep_alive: 0 });
    assert.equal(unloaded.done_reason, 'unload');
    await until('the model is unloaded', async () => (await ollama().ps()).models.length === 0);
    const loading = await ollama().chat({ model, messages: [], keep_alive: -1 });
    assert.equal(loading.done_reason, 'load');
    assert.equal((await ollama().ps()).models.length, 1);
  });

  it('pulls with streamed progress, serves the pulled model at once, and deletes it', async () => {
    const statuses: string[] = [];
    let completed = 0;
    for await (const progress of await ollama().pull({ model: PULLED, stream: true })) {
      statuses.push(progress.status);
      completed = Math.max(completed, progress.completed ?? 0);
    }
    assert.equal(statuses[0], 'pulling manifest');
    assert.equal(statuses.at(-1), 'success');
    assert.ok(statuses.some((s) => s.startsWith('pulling tiny-llama')));
    assert.equal(completed, fs.statSync(await tinyModel('llama')).size);
    assert.ok((await ollama().list()).models.some((m) => m.name === PULLED));
    const reply = await ollama().generate({ model: PULLED, prompt: 'Once', raw: true, options: { num_predict: 3 } });
    assert.equal(reply.eval_count, 3);
    assert.deepEqual(await ollama().pull({ model: PULLED }), { status: 'success' }, 'pulling again finds it present');
    await ollama().delete({ model: PULLED });
    assert.ok(!(await ollama().list()).models.some((m) => m.name === PULLED));
    assert.equal((await failure(ollama().delete({ model: PULLED }))).status, 404);
    const missing = await failure(ollama().pull({ model: 'someone/Nothing-GGUF:x.gguf' }));
    assert.match(missing.message, /Nothing-GGUF/);
  });

  it('needs a key once keys exist, takes it as a bearer header, and pulls and deletes only with an admin key', async () => {
    const { platform } = suite();
    await platform.admin.createTenant('ollama-users', 'test');
    const { secret } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'ollama-users' }, 'test');
    assert.equal((await failure(ollama().list())).status, 401);
    const withKey = new Ollama({ host: suite().origin, headers: { Authorization: `Bearer ${secret}` } });
    assert.equal((await withKey.generate({ model, prompt: 'hi', options: { num_predict: 2 } })).eval_count, 2);
    assert.equal((await failure(withKey.pull({ model: PULLED }))).status, 403);
    assert.equal((await failure(withKey.delete({ model: PULLED }))).status, 403);
    assert.deepEqual(await ollama().version(), { version: VERSION }, '/api/version stays open');
  });
});
