/** Anthropic's Messages API under /anthropic, through the official @anthropic-ai/sdk, the AI SDK's Anthropic provider and raw HTTP. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import Anthropic, { AuthenticationError, BadRequestError, NotFoundError, RateLimitError } from '@anthropic-ai/sdk';
import { createAnthropic } from '@ai-sdk/anthropic';
import { generateText, streamText, tool } from 'ai';
import type OpenAI from 'openai';
import { z } from 'zod';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite, startServer, type TestServer } from '../helpers/server.ts';

/** Greedy sampling; the SDK's types no longer list `temperature`, which the API still takes. */
const GREEDY = { temperature: 0 };

const anthropicFor = (server: TestServer, apiKey = 'unused') => new Anthropic({ baseURL: `${server.origin}/anthropic`, apiKey, maxRetries: 0 });

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string', maxLength: 20 } }, required: ['city'] },
};

/** The named events of an SSE body, in order. */
function eventNames(body: string): string[] {
  return [...body.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
}

describe("Anthropic's Messages API at /anthropic", () => {
  const server = serverForSuite(async () => [await tinyModel('qwen2')], { keepAliveMs: 50 });

  it('creates a message in Anthropic\'s shape, with system text blocks, usage and max_tokens', async () => {
    const client = anthropicFor(server());
    const message = await client.messages.create({
      model: 'deepseek-chat',
      max_tokens: 8,
      ...GREEDY,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi, how are you?' }] }],
      metadata: { user_id: 'end-user_1' },
    });
    assert.match(message.id, /^msg_/);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, 'deepseek-chat');
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.stop_sequence, null);
    assert.equal(message.usage.output_tokens, 8);
    assert.ok(message.usage.input_tokens > 0);
    assert.equal(message.usage.cache_creation_input_tokens, 0);
    assert.equal(typeof message.usage.cache_read_input_tokens, 'number');
    assert.deepEqual(message.content.map((b) => b.type), ['text']);
  });

  it('streams with the SDK helpers: the same text as the whole message, the exact event sequence on the wire', async () => {
    const client = anthropicFor(server());
    const params = { model: 'deepseek-chat', max_tokens: 12, ...GREEDY, messages: [{ role: 'user' as const, content: 'Tell me something.' }] };
    const whole = await client.messages.create(params);
    let streamed = '';
    const stream = client.messages.stream(params).on('text', (text) => (streamed += text));
    const final = await stream.finalMessage();
    assert.equal(streamed, (whole.content[0] as Anthropic.TextBlock).text);
    assert.deepEqual(final.content, whole.content);
    assert.equal(final.stop_reason, 'max_tokens');
    assert.equal(final.usage.output_tokens, 12);
    assert.equal(final.usage.input_tokens + (final.usage.cache_read_input_tokens ?? 0), whole.usage.input_tokens + (whole.usage.cache_read_input_tokens ?? 0));

    const raw = await server().post('/anthropic/v1/messages', JSON.stringify({ ...params, stream: true }), { 'x-api-key': 'unused', 'anthropic-version': '2023-06-01' });
    assert.equal(raw.status, 200);
    assert.match(raw.headers.get('content-type') ?? '', /^text\/event-stream/);
    const names = eventNames(await raw.text()).filter((n) => n !== 'ping');
    assert.equal(names[0], 'message_start');
    assert.deepEqual(names.slice(-2), ['message_delta', 'message_stop']);
    const blocks = names.slice(1, -2);
    assert.equal(blocks[0], 'content_block_start');
    assert.equal(blocks.at(-1), 'content_block_stop');
    assert.ok(blocks.slice(1, -1).every((n) => n === 'content_block_delta'));
  });

  it('returns thinking blocks with a signature (streamed as thinking_delta and signature_delta) and takes them back', async () => {
    const client = anthropicFor(server());
    const params = {
      model: 'deepseek-reasoner',
      max_tokens: 40,
      ...GREEDY,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }],
    };
    const message = await client.messages.create(params);
    const thinking = message.content[0];
    assert.equal(thinking.type, 'thinking');
    assert.ok(thinking.type === 'thinking' && thinking.thinking.length > 0 && thinking.signature.length > 0);

    const deltas: string[] = [];
    const stream = client.messages.stream(params).on('streamEvent', (event) => {
      if (event.type === 'content_block_delta') deltas.push(event.delta.type);
    });
    const final = await stream.finalMessage();
    assert.deepEqual(final.content, message.content, 'the streamed message equals the whole one');
    assert.ok(deltas.includes('thinking_delta'));
    assert.equal(deltas.filter((d) => d === 'signature_delta').length, 1);

    const next = await client.messages.create({
      ...params,
      messages: [...params.messages, { role: 'assistant', content: message.content }, { role: 'user', content: 'And 3 + 3?' }],
    });
    assert.equal(next.type, 'message');
  });

  it('ends the thinking for the model once budget_tokens are spent, and the answer follows in a text block', async () => {
    const client = anthropicFor(server());
    const params = { model: 'deepseek-reasoner', max_tokens: 40, ...GREEDY, messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }] };
    const uncapped = await client.messages.create({ ...params, thinking: { type: 'enabled', budget_tokens: 1024 } });
    assert.deepEqual(uncapped.content.map((b) => b.type), ['thinking'], 'left alone, the model thinks to max_tokens');
    const capped = await client.messages.create({ ...params, thinking: { type: 'enabled', budget_tokens: 8 } });
    assert.deepEqual(capped.content.map((b) => b.type), ['thinking', 'text']);
    const [thinking, text] = capped.content;
    assert.ok(thinking.type === 'thinking' && uncapped.content[0].type === 'thinking' && uncapped.content[0].thinking.startsWith(thinking.thinking.trimEnd()));
    assert.ok(text.type === 'text' && text.text.trim().length > 0);
    assert.equal(capped.usage.output_tokens, 40);
  });

  it('makes a forced tool call with parsed input, streamed or not, and takes the tool result back', async () => {
    const client = anthropicFor(server());
    const params = {
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      ...GREEDY,
      tools: [weatherTool],
      tool_choice: { type: 'tool' as const, name: 'get_weather' },
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
    };
    const message = await client.messages.create(params);
    assert.equal(message.stop_reason, 'tool_use');
    const call = message.content.find((b) => b.type === 'tool_use');
    assert.ok(call && call.type === 'tool_use');
    assert.match(call.id, /^toolu_/);
    assert.equal(call.name, 'get_weather');
    assert.equal(typeof (call.input as { city: unknown }).city, 'string');

    const final = await client.messages.stream(params).finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const streamedCall = final.content.find((b) => b.type === 'tool_use');
    assert.deepEqual(streamedCall && streamedCall.type === 'tool_use' && streamedCall.input, call.input, 'input_json_delta builds the same input');

    const answer = await client.messages.create({
      ...params,
      tool_choice: { type: 'auto' },
      max_tokens: 8,
      messages: [
        ...params.messages,
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: [{ type: 'text', text: 'Sunny, 21 C' }] }, { type: 'text', text: 'Thanks!' }] },
        { role: 'assistant', content: 'The weather' },
      ],
    });
    assert.equal(answer.type, 'message');
    assert.ok(['end_turn', 'max_tokens', 'tool_use'].includes(answer.stop_reason ?? ''));
  });

  it('stops at a stop sequence and names it', async () => {
    const client = anthropicFor(server());
    const params = { model: 'deepseek-chat', max_tokens: 16, ...GREEDY, messages: [{ role: 'user' as const, content: 'Count with me.' }] };
    const free = await client.messages.create(params);
    const text = (free.content[0] as Anthropic.TextBlock).text;
    const stop = text.slice(Math.floor(text.length / 2)).trim().slice(0, 2);
    assert.ok(stop.length > 0, `the free answer has text to stop at: ${JSON.stringify(text)}`);
    const stopped = await client.messages.create({ ...params, stop_sequences: [stop] });
    assert.equal(stopped.stop_reason, 'stop_sequence');
    assert.equal(stopped.stop_sequence, stop);
    assert.equal((stopped.content[0] as Anthropic.TextBlock | undefined)?.text ?? '', text.slice(0, text.indexOf(stop)));
  });

  it("takes what Claude Code sends: a system message mid-conversation, adaptive thinking, its JSON metadata.user_id, server tools", async () => {
    const client = anthropicFor(server());
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4,
      messages: [{ role: 'user', content: 'hi' }, { role: 'system', content: [{ type: 'text', text: '# Environment' }] }, { role: 'user', content: 'hello?' }],
      thinking: { type: 'adaptive', display: 'omitted' },
      output_config: { effort: 'high' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      tools: [weatherTool, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
      metadata: { user_id: JSON.stringify({ device_id: 'd1f0a4f9', account_uuid: '', session_id: 'f8344b2c-12f0' }) },
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    assert.equal(message.type, 'message');
    const bad = await server().post('/anthropic/v1/messages', JSON.stringify({ model: 'deepseek-chat', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: '{"device_id":"no spaces"}' } }));
    assert.equal(bad.status, 422);
  });

  it('counts tokens as the message would be billed', async () => {
    const client = anthropicFor(server());
    const request = { model: 'deepseek-chat', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Count these tokens, please.' }] };
    const counted = await client.messages.countTokens(request);
    const message = await client.messages.create({ ...request, max_tokens: 1 });
    assert.equal(counted.input_tokens, message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0));
  });

  it("refuses in Anthropic's error shape, mapped to the SDK's error classes", async () => {
    const client = anthropicFor(server());
    const ask = { max_tokens: 4, messages: [{ role: 'user' as const, content: 'hi' }] };
    await assert.rejects(client.messages.create({ ...ask, model: 'gpt-4o' }), (error: unknown) => {
      assert.ok(error instanceof BadRequestError);
      assert.deepEqual((error.error as { type: string; error: { type: string } }).error.type, 'invalid_request_error');
      assert.equal((error.error as { type: string }).type, 'error');
      return true;
    });
    await assert.rejects(
      client.messages.create({ ...ask, model: 'deepseek-chat', messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] }),
      (error: unknown) => error instanceof BadRequestError && /image/.test(error.message),
    );
    const missing = await server().post('/anthropic/v1/messages', JSON.stringify({ model: 'deepseek-chat', messages: ask.messages }));
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), { type: 'error', error: { type: 'invalid_request_error', message: "missing required parameter 'max_tokens'" } });
    const badUser = await server().post('/anthropic/v1/messages', JSON.stringify({ model: 'deepseek-chat', ...ask, metadata: { user_id: 'not ok!' } }));
    assert.equal(badUser.status, 422);
    assert.equal(((await badUser.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
    const notFound = await server().post('/anthropic/v1/nothing', '{}');
    assert.equal(notFound.status, 404);
    assert.equal(((await notFound.json()) as { error: { type: string } }).error.type, 'not_found_error');
    await assert.rejects(client.models.retrieve('nothing-here'), NotFoundError);
  });

  it('lists the models in Anthropic\'s shape', async () => {
    const page = await anthropicFor(server()).models.list();
    assert.equal((await anthropicFor(server()).models.retrieve('deepseek-v4-pro')).id, 'deepseek-v4-pro');
    const ids = page.data.map((m) => m.id);
    for (const name of ['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']) assert.ok(ids.includes(name), name);
    assert.ok(page.data.every((m) => m.type === 'model' && typeof m.created_at === 'string'));
  });

  it("works through the AI SDK's Anthropic provider pointed at the base URL", async () => {
    const anthropic = createAnthropic({ baseURL: `${server().origin}/anthropic/v1`, apiKey: 'unused' });
    const options = { model: anthropic('claude-haiku-4-5'), prompt: 'Tell me something.', maxOutputTokens: 10, temperature: 0 };
    const whole = await generateText(options);
    assert.ok(whole.text.length > 0);
    assert.equal(whole.finishReason, 'length');
    assert.equal(whole.usage.outputTokens, 10);
    let streamed = '';
    for await (const delta of streamText(options).textStream) streamed += delta;
    assert.equal(streamed, whole.text);
    const called = await generateText({
      model: anthropic('claude-haiku-4-5'),
      prompt: 'Weather in Paris?',
      tools: { get_weather: tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string().max(20) }) }) },
      toolChoice: 'required',
      maxOutputTokens: 200,
      temperature: 0,
    });
    assert.equal(called.finishReason, 'tool-calls');
    assert.equal(called.toolCalls[0].toolName, 'get_weather');
    assert.equal(typeof (called.toolCalls[0].input as { city: unknown }).city, 'string');
  });
});

describe('/anthropic while queued', () => {
  it('sends ping events while a streamed request waits for a slot, and ends with message_stop', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { keepAliveMs: 20, engine: { numSlots: 1 } });
    const messages = [{ role: 'user' as const, content: 'Write a long story.' }];
    const busy = await server.client.chat.completions.create({ model: 'deepseek-chat', messages, max_tokens: 400, ignore_eos: true, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    const chunks = busy[Symbol.asyncIterator]();
    await chunks.next(); // the only slot is taken
    const raw = await server.post('/anthropic/v1/messages', JSON.stringify({ model: 'deepseek-chat', messages, max_tokens: 2, stream: true }));
    const names = eventNames(await raw.text());
    while (!(await chunks.next()).done);
    assert.ok(names.includes('ping'), names.join(' '));
    assert.equal(names.at(-1), 'message_stop');
  });
});

describe('/anthropic keys, limits, model mapping and ledger', () => {
  it('takes x-api-key or a Bearer token, maps claude-opus to the pro model, meters into the same ledger, and limits as /v1 does', async (t) => {
    const [chat, pro] = [await tinyModel('qwen2'), await tinyModel('llama')];
    const server = await startServer(t, [chat, pro], { registry: { aliases: new Map([['deepseek-v4-pro', path.basename(pro)]]) } });
    const [chatId, proId] = server.models.list().map((m) => m.id);
    await server.platform.admin.createTenant('acme', 'test');
    const { secret } = await server.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', rpm: 3 }, 'test');
    const ask = { max_tokens: 2, messages: [{ role: 'user' as const, content: 'hi' }] };

    await assert.rejects(anthropicFor(server, 'wrong').messages.create({ ...ask, model: 'claude-sonnet-4-5' }), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal((error.error as { error: { type: string } }).error.type, 'authentication_error');
      return true;
    });
    const opus = await anthropicFor(server, secret).messages.create({ ...ask, model: 'claude-opus-4-1' });
    assert.equal(opus.model, 'claude-opus-4-1');
    const bearer = await server.post('/anthropic/v1/messages', JSON.stringify({ ...ask, model: 'claude-sonnet-4-5' }), { authorization: `Bearer ${secret}` });
    assert.equal(bearer.status, 200);
    await server.clientWithKey(secret).chat.completions.create({ model: 'deepseek-chat', messages: ask.messages, max_tokens: 2 });
    await assert.rejects(anthropicFor(server, secret).messages.create({ ...ask, model: 'claude-sonnet-4-5' }), (error: unknown) => {
      assert.ok(error instanceof RateLimitError, 'the key\'s rpm counts /v1 and /anthropic together');
      assert.equal((error.error as { error: { type: string } }).error.type, 'rate_limit_error');
      return true;
    });

    const byModel = await server.platform.admin.usage({ tenant: 'acme', by: 'model' });
    assert.deepEqual(byModel.map((r) => [r.group, r.requests]).sort(), [[proId, 1], [chatId, 2]].sort());
    const byName = await server.platform.admin.usage({ tenant: 'acme', by: 'requested_model' });
    assert.deepEqual(byName.map((r) => [r.group, r.requests]).sort(), [['deepseek-chat', 1], ['deepseek-v4-flash', 1], ['deepseek-v4-pro', 1]]);
  });
});
