/**
 * Issue 16, `kind=openai`: a gateway in front of upstreams that take only chats. A real Seekstack server
 * (tiny generated model, its own keys) is a genuine OpenAI-compatible server, so it stands for the OpenAI
 * API, LiteLLM or another gateway: the gateway forwards chats to its /v1/chat/completions with the API key
 * it was given, and keeps keys, usage and the ledger its own. All on loopback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { APIError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { startGateway, type Gateway } from '../helpers/nodes.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

type Usage = OpenAI.CompletionUsage & { prompt_cache_hit_tokens: number };
type Message = OpenAI.ChatCompletionMessage & { reasoning_content?: string };

/** A Seekstack server as an OpenAI-compatible upstream: its own tenant and keys, its `stop` for taking it down. */
async function startUpstream(modelPath: string) {
  const cleanups: Array<() => Promise<void>> = [];
  const server = await startServer({ after: (fn) => cleanups.push(fn) }, [modelPath]);
  await server.platform.admin.createTenant('gateway', 'test');
  const key = async (limits: { rpm?: number } = {}) => (await server.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'gateway', ...limits }, 'test')).secret;
  const stop = async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  };
  return Object.assign(server, { key, stop, spec: (name: string, secret: string) => `${name}=${server.baseURL},kind=openai,key=${secret}` });
}

/** A key of a new tenant of the gateway, and an openai client sending it. */
async function clientOf(gateway: Gateway, tenant: string): Promise<OpenAI & { secret: string }> {
  await gateway.platform.admin.createTenant(tenant, 'test');
  const { secret } = await gateway.platform.admin.createKey({ ...UNLIMITED_KEY, tenant }, 'test');
  return Object.assign(gateway.clientWithKey(secret), { secret });
}

function watch(gateway: Gateway) {
  const routed: Array<{ upstream: string; by: string }> = [];
  const failed: Array<{ upstream: string; kind: string }> = [];
  gateway.pool.on('routed', (upstream: string, _model: string, by: string) => routed.push({ upstream, by }));
  gateway.pool.on('failed', (upstream: string, _model: string, kind: string) => failed.push({ upstream, kind }));
  return { routed, failed };
}

const SYSTEM = `You answer questions about the shipping policy. ${'Parcels leave the warehouse within two days. '.repeat(25)}`;

describe('a gateway in front of a chat-only (kind=openai) upstream', () => {
  let modelPath: string;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: Gateway;
  let model: string;
  const gateways: Gateway[] = [];
  const open = async (specs: string[]) => {
    const started = await startGateway(specs, { healthIntervalMs: 3_600_000 });
    gateways.push(started);
    return started;
  };

  before(async () => {
    modelPath = await tinyModel('qwen2');
    upstream = await startUpstream(modelPath);
    model = upstream.models.list()[0].id;
    gateway = await open([upstream.spec('up', await upstream.key())]);
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await upstream.stop();
  });

  it('forwards chats, streamed and not, passing reasoning, usage and cache hits through, and keeps its own ledger', async () => {
    const client = await clientOf(gateway, 'alpha');
    assert.ok((await client.models.list()).data.some((m) => m.id === model), 'the upstream\'s model is listed');
    assert.equal(gateway.pool.snapshot()[0].kind, 'openai');

    const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Where is my parcel?' }];
    const ask = { model, messages, max_tokens: 6, temperature: 0 };
    const whole = await client.chat.completions.create(ask);
    const message = whole.choices[0].message as Message;
    // The tiny model's R1 template opens <think>: the upstream answers with reasoning, which the gateway passes on.
    assert.ok((message.reasoning_content ?? '').length > 0, `reasoning_content is passed through: ${JSON.stringify(message)}`);
    assert.equal(whole.choices[0].finish_reason, 'length');
    const usage = whole.usage as Usage;
    assert.equal(usage.completion_tokens, 6);
    assert.ok(usage.prompt_tokens > 100, `the upstream's prompt count: ${JSON.stringify(usage)}`);
    assert.equal(usage.completion_tokens_details?.reasoning_tokens, 6);

    const direct = await upstream.clientWithKey(await upstream.key()).chat.completions.create(ask);
    assert.equal((direct.choices[0].message as Message).reasoning_content, message.reasoning_content, 'the same answer as the upstream gives directly');
    const withLogprobs = { ...ask, logprobs: true, top_logprobs: 2 };
    const forwarded = await client.chat.completions.create(withLogprobs);
    const original = await upstream.clientWithKey(await upstream.key()).chat.completions.create(withLogprobs);
    assert.deepEqual(forwarded.choices[0].logprobs, original.choices[0].logprobs, 'logprobs passed through');

    const stream = await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    let reasoning = '';
    let finish: string | null = null;
    let streamedUsage: Usage | undefined;
    for await (const chunk of stream) {
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      streamedUsage = (chunk.usage as Usage | null) ?? streamedUsage;
    }
    assert.equal(reasoning, message.reasoning_content, 'streamed as not');
    assert.equal(finish, 'length');
    assert.equal(streamedUsage?.completion_tokens, 6);
    assert.ok((streamedUsage?.prompt_cache_hit_tokens ?? 0) > 100, `the repeated prompt hits the upstream's cache, and the hit is reported: ${JSON.stringify(streamedUsage)}`);

    const [row] = await gateway.platform.admin.usage({ tenant: 'alpha', by: 'model' });
    assert.equal(row.group, model);
    assert.equal(row.requests, 3);
    assert.equal(row.completionTokens, 18);
    assert.equal(row.reasoningTokens, 18);
    const usages = [usage, forwarded.usage as Usage, streamedUsage as Usage];
    assert.equal(row.promptTokens, usages.reduce((sum, u) => sum + u.prompt_tokens, 0));
    assert.equal(row.cacheHitTokens, usages.reduce((sum, u) => sum + u.prompt_cache_hit_tokens, 0), 'cache hits in the gateway\'s ledger');
  });

  it('passes tool calls through, and serves the model on Anthropic\'s and Ollama\'s chat APIs the same way', async () => {
    const client = await clientOf(gateway, 'beta');
    const tools = [{
      type: 'function' as const,
      function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 12 } }, required: ['city'], additionalProperties: false } },
    }];
    const reply = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 200, temperature: 0,
    });
    assert.equal(reply.choices[0].finish_reason, 'tool_calls');
    const [call] = reply.choices[0].message.tool_calls ?? [];
    assert.equal((call as { function: { name: string } }).function.name, 'get_weather');
    assert.equal(typeof JSON.parse((call as { function: { arguments: string } }).function.arguments).city, 'string');
    assert.match(call.id, /^call_/, 'the upstream\'s id');

    const origin = gateway.baseURL.replace(/\/v1$/, '');
    const anthropic = await fetch(`${origin}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': client.secret, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model, max_tokens: 200, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [{ name: 'get_weather', input_schema: tools[0].function.parameters }], tool_choice: { type: 'tool', name: 'get_weather' } }),
    });
    assert.equal(anthropic.status, 200);
    const message = (await anthropic.json()) as { stop_reason: string; content: Array<{ type: string; name?: string }> };
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.content.find((b) => b.type === 'tool_use')?.name, 'get_weather');

    const ollama = await fetch(`${origin}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${client.secret}` },
      body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: 'hello' }], options: { num_predict: 3 } }),
    });
    assert.equal(ollama.status, 200);
    const chat = (await ollama.json()) as { done: boolean; eval_count: number };
    assert.equal(chat.done, true);
    assert.equal(chat.eval_count, 3);
  });

  it('refuses fill-in-the-middle, raw completions and embeddings for a chat-only model, clearly and in DeepSeek\'s shape', async () => {
    const client = await clientOf(gateway, 'gamma');
    for (const ask of [{ prompt: 'def add(a, b):', suffix: 'return c' }, { prompt: 'Once upon a time' }]) {
      const refused = await client.completions.create({ model, max_tokens: 4, ...ask }).then(() => null, (error: unknown) => error);
      assert.ok(refused instanceof APIError);
      assert.equal(refused.status, 400);
      assert.equal((refused.error as { type: string }).type, 'invalid_request_error');
      assert.match(refused.message, /chat-only upstream \(kind=openai\)/);
    }
    const embedding = await client.embeddings.create({ model, input: 'hello' }).then(() => null, (error: unknown) => error);
    assert.ok(embedding instanceof APIError);
    assert.equal(embedding.status, 400);
    assert.match(embedding.message, /chat-only/);
    const raw = await fetch(`${gateway.baseURL.replace(/\/v1$/, '')}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${client.secret}` },
      body: JSON.stringify({ model, prompt: 'Once upon a time', raw: true, stream: false }),
    });
    assert.equal(raw.status, 400);
    assert.match(((await raw.json()) as { error: string }).error, /chat-only/);
  });

  it('passes an upstream\'s 429 on with its Retry-After', async () => {
    const limited = await open([upstream.spec('lim', await upstream.key({ rpm: 1 }))]);
    const client = await clientOf(limited, 'delta');
    const ask = { model, messages: [{ role: 'user' as const, content: 'hello' }], max_tokens: 2 };
    assert.equal((await client.chat.completions.create(ask)).choices[0].finish_reason, 'length');
    const refused = await client.chat.completions.create(ask).then(() => null, (error: unknown) => error);
    assert.ok(refused instanceof APIError);
    assert.equal(refused.status, 429);
    assert.match(refused.headers?.get('retry-after') ?? '', /^\d+$/);
    assert.equal((refused.error as { type: string }).type, 'rate_limit_error');
  });

  it('keeps a conversation on the upstream holding its prefix, and retries on another when that one is down before the first token', async () => {
    const second = await startUpstream(modelPath);
    const pair = await open([second.spec('b', await second.key()), upstream.spec('a', await upstream.key())]);
    const { routed, failed } = watch(pair);
    const client = await clientOf(pair, 'epsilon');
    const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: SYSTEM }];
    const turn = async (question: string) => {
      messages.push({ role: 'user', content: question });
      const answer = await client.chat.completions.create({ model, messages, max_tokens: 3, temperature: 0 });
      messages.push({ role: 'assistant', content: answer.choices[0].message.content || 'I see.' });
      return answer;
    };
    await turn('Where is my parcel?');
    const second_turn = await turn('Can it go faster?');
    assert.deepEqual(routed, [{ upstream: 'b', by: 'load' }, { upstream: 'b', by: 'cache' }], 'the second turn follows its prefix');
    assert.ok((second_turn.usage as Usage).prompt_cache_hit_tokens > 100, 'and hits it there');

    await second.stop();
    const third = await turn('And on weekends?');
    assert.equal(third.choices[0].finish_reason, 'length', 'answered all the same');
    assert.deepEqual(routed.slice(2), [{ upstream: 'b', by: 'cache' }, { upstream: 'a', by: 'load' }]);
    assert.deepEqual(failed, [{ upstream: 'b', kind: 'unreachable' }]);
  });
});
