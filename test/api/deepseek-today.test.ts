/** Where Seekstack's chat API differed from DeepSeek's as it is today, through the openai SDK and raw HTTP. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

const USER = [{ role: 'user' as const, content: 'Weather in Paris?' }];
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

type Logprobs = { content: unknown[]; reasoning_content?: unknown[] };

describe("DeepSeek's chat API as it is today", () => {
  const server = serverForSuite(async () => [await tinyModel('qwen2')]);

  it('never leaks tool-call markup when max_tokens cuts a call short, streamed or not', async () => {
    const { client } = server();
    for (const max_tokens of [2, 4, 6, 9]) {
      const ask = { model: 'deepseek-chat', messages: USER, tools, tool_choice: 'required' as const, max_tokens, temperature: 0 };
      const whole = await client.chat.completions.create(ask);
      const [choice] = whole.choices;
      assert.equal(choice.finish_reason, 'length', `max_tokens ${max_tokens}`);
      assert.doesNotMatch(choice.message.content ?? '', /｜/, `max_tokens ${max_tokens}: ${choice.message.content}`);
      assert.equal(choice.message.tool_calls, undefined);
      let streamed = '';
      for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
        streamed += chunk.choices[0]?.delta.content ?? '';
        assert.equal(chunk.choices[0]?.delta.tool_calls, undefined);
      }
      assert.equal(streamed, choice.message.content ?? '');
    }
  });

  it('puts the logprobs of reasoning tokens in logprobs.reasoning_content and only the answer\'s in logprobs.content', async () => {
    const { client } = server();
    const ask = { model: 'deepseek-reasoner', messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }], max_tokens: 40, temperature: 0, logprobs: true, top_logprobs: 2 };
    const whole = await client.chat.completions.create(ask);
    const logprobs = whole.choices[0].logprobs as unknown as Logprobs;
    const reasoningTokens = whole.usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    assert.ok(reasoningTokens > 0);
    assert.equal(logprobs.reasoning_content?.length, reasoningTokens);
    assert.equal(logprobs.content.length, (whole.usage?.completion_tokens ?? 0) - reasoningTokens);
    let [reasoning, answer] = [0, 0];
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
      const part = chunk.choices[0]?.logprobs as unknown as Logprobs | null | undefined;
      reasoning += part?.reasoning_content?.length ?? 0;
      answer += part?.content?.length ?? 0;
    }
    assert.deepEqual([reasoning, answer], [logprobs.reasoning_content?.length, logprobs.content.length]);
  });

  it('sends usage: null on every chunk before the usage chunk when include_usage is set', async () => {
    const body = { model: 'deepseek-chat', messages: USER, max_tokens: 5, stream: true, stream_options: { include_usage: true } };
    const raw = await server().post('/v1/chat/completions', JSON.stringify(body));
    const chunks = (await raw.text()).split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as { usage?: unknown; choices: unknown[] });
    const last = chunks.pop();
    assert.ok(last && last.usage !== null && last.choices.length === 0);
    assert.ok(chunks.length > 1);
    for (const chunk of chunks) assert.ok('usage' in chunk && chunk.usage === null, JSON.stringify(chunk));
    const without = await server().post('/v1/chat/completions', JSON.stringify({ ...body, stream_options: undefined }));
    assert.doesNotMatch(await without.text(), /"usage"/);
  });

  it('serves chat prefix completion and the model list at the /beta base URL', async () => {
    const beta = new OpenAI({ baseURL: `${server().origin}/beta`, apiKey: 'unused', maxRetries: 0 });
    const reply = await beta.chat.completions.create({
      model: 'deepseek-v4-flash',
      messages: [{ role: 'user', content: 'Write a list.' }, { role: 'assistant', content: '1.', prefix: true } as OpenAI.ChatCompletionAssistantMessageParam],
      max_tokens: 4,
      temperature: 0,
    });
    assert.equal(reply.choices[0].finish_reason, 'length');
    assert.ok((await beta.models.list()).data.some((m) => m.id === 'deepseek-v4-pro'));
  });
});

describe('a prompt longer than the context', () => {
  const server = serverForSuite(async () => [await tinyModel('qwen2')]);

  it('is a 400 naming both lengths wherever its tokens are counted first (a key with a tpm limit, an Anthropic stream)', async () => {
    const { platform, clientWithKey, post } = server();
    await platform.admin.createTenant('acme', 'test');
    const { secret } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', tpm: 10_000_000 }, 'test');
    const content = 'word '.repeat(6000);
    await assert.rejects(
      clientWithKey(secret).chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content }], max_tokens: 4 }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /context holds/.test(error.message),
    );
    const streamed = await post('/anthropic/v1/messages', JSON.stringify({ model: 'deepseek-chat', max_tokens: 4, stream: true, messages: [{ role: 'user', content }] }), { 'x-api-key': secret });
    assert.equal(streamed.status, 400);
    assert.match(((await streamed.json()) as { error: { message: string } }).error.message, /context holds/);
  });
});
