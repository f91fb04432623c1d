import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite, startServer } from '../helpers/server.ts';
import { synthVocab } from '../../src/engine/gguf/vocab.ts';

const USER = [{ role: 'user' as const, content: 'What is 2 + 2?' }];
const END_OF_THINKING = synthVocab().specialIds.get('</think>')!;

describe('chat completions through the openai SDK (tiny qwen2 with the R1 template)', () => {
  const suite = serverForSuite(async () => [await tinyModel('qwen2')], { keepAliveMs: 50 });

  it('answers with DeepSeek usage fields, and streams exactly the same text', async () => {
    const request = { model: 'deepseek-chat', messages: USER, max_tokens: 20, temperature: 0 };
    const whole = await suite().client.chat.completions.create(request);
    assert.equal(whole.object, 'chat.completion');
    assert.match(whole.system_fingerprint ?? '', /^fp_/);
    assert.equal(whole.choices[0].message.role, 'assistant');
    const usage = whole.usage as unknown as Record<string, unknown>;
    for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens', 'prompt_cache_hit_tokens', 'prompt_cache_miss_tokens']) {
      assert.equal(typeof usage[key], 'number', key);
    }
    assert.equal(usage.prompt_cache_hit_tokens as number + (usage.prompt_cache_miss_tokens as number), usage.prompt_tokens);
    const stream = await suite().client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let streamedUsage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      streamedUsage = chunk.usage ?? streamedUsage;
    }
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, whole.choices[0].finish_reason);
    assert.equal(streamedUsage?.completion_tokens, whole.usage?.completion_tokens);
  });

  it('puts the output in reasoning_content when thinking is on, and in content when it is off', async () => {
    const reasoner = await suite().client.chat.completions.create({ model: 'deepseek-reasoner', messages: USER, max_tokens: 12, temperature: 0 });
    const message = reasoner.choices[0].message as { content: string | null; reasoning_content?: string };
    assert.ok((message.reasoning_content ?? '').length > 0, 'reasoning streamed into reasoning_content');
    assert.ok(((reasoner.usage as { completion_tokens_details?: { reasoning_tokens?: number } }).completion_tokens_details?.reasoning_tokens ?? 0) > 0);
    const chat = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 12, temperature: 0 });
    const plain = chat.choices[0].message as { content: string | null; reasoning_content?: string };
    assert.equal(plain.reasoning_content, undefined);
    assert.ok((plain.content ?? '').length > 0);
    const toggled = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 12, temperature: 0, thinking: { type: 'enabled' } } as never);
    assert.equal((toggled.choices[0].message as { reasoning_content?: string }).reasoning_content, message.reasoning_content);
    const streamed = await suite().client.chat.completions.create({ model: 'deepseek-reasoner', messages: USER, max_tokens: 12, temperature: 0, stream: true });
    let reasoning = '';
    for await (const chunk of streamed) reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
    assert.equal(reasoning, message.reasoning_content);
  });

  it('caps the reasoning at thinking.budget_tokens: its end is written for the model, which then answers', async () => {
    // The bias keeps the random model from ending its reasoning itself; the written end is not sampled, so it passes.
    const request = { model: 'deepseek-reasoner', messages: USER, max_tokens: 40, temperature: 0, ignore_eos: true, logit_bias: { [END_OF_THINKING]: -100 } };
    type Reply = { choices: Array<{ message: { content: string | null; reasoning_content?: string } }>; usage: { completion_tokens: number; completion_tokens_details?: { reasoning_tokens?: number } } };
    const uncapped = await suite().client.chat.completions.create(request as never) as unknown as Reply;
    assert.equal(uncapped.usage.completion_tokens_details?.reasoning_tokens, 40, 'uncapped, it reasons to max_tokens');
    const capped = await suite().client.chat.completions.create({ ...request, thinking: { type: 'enabled', budget_tokens: 10 } } as never) as unknown as Reply;
    const reasoningTokens = capped.usage.completion_tokens_details?.reasoning_tokens ?? 0;
    assert.ok(reasoningTokens >= 10 && reasoningTokens <= 12, `10 tokens of reasoning and the written end's newline, not ${reasoningTokens}`);
    assert.equal(capped.usage.completion_tokens, 40);
    const { reasoning_content: reasoning = '', content } = capped.choices[0].message;
    assert.ok(reasoning.length > 0 && uncapped.choices[0].message.reasoning_content!.startsWith(reasoning.trimEnd()), 'the same reasoning, cut');
    assert.ok((content ?? '').trim().length > 0, 'an answer follows');
    assert.ok(!(content ?? '').includes('</think>'));
    const streamed = await suite().client.chat.completions.create({ ...request, thinking: { type: 'enabled', budget_tokens: 10 }, stream: true } as never) as unknown as AsyncIterable<{ choices: Array<{ delta: { content?: string; reasoning_content?: string } }> }>;
    let streamedReasoning = '';
    let streamedContent = '';
    for await (const chunk of streamed) {
      streamedReasoning += chunk.choices[0]?.delta.reasoning_content ?? '';
      streamedContent += chunk.choices[0]?.delta.content ?? '';
    }
    assert.deepEqual([streamedReasoning, streamedContent], [reasoning, content]);
  });

  it('accepts reasoning_content sent back in messages (multi-round) without a 400', async () => {
    const reply = await suite().client.chat.completions.create({
      model: 'deepseek-reasoner',
      messages: [...USER, { role: 'assistant', content: '4', reasoning_content: 'two and two make four' } as never, { role: 'user', content: 'And 3 + 3?' }],
      max_tokens: 4,
      temperature: 0,
    });
    assert.ok(['length', 'stop'].includes(reply.choices[0].finish_reason));
  });

  it('reports prompt cache hits for a repeated long prompt', async () => {
    const long = [{ role: 'system' as const, content: 'You are a careful assistant. '.repeat(40) }, ...USER];
    const first = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: long, max_tokens: 2 });
    const second = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: long, max_tokens: 2 });
    const hit = (u: unknown) => (u as { prompt_cache_hit_tokens: number }).prompt_cache_hit_tokens;
    assert.ok(hit(second.usage) > hit(first.usage));
    assert.equal(hit(second.usage), (second.usage?.prompt_tokens ?? 0) - 1);
    assert.equal(second.usage?.prompt_tokens_details?.cached_tokens, hit(second.usage));
  });

  it('supports n > 1, stop strings, max_tokens → length and logprobs', async () => {
    const many = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 8, n: 3, temperature: 1, seed: 3 });
    assert.deepEqual(many.choices.map((c) => c.index), [0, 1, 2]);
    assert.ok(many.choices.every((c) => c.finish_reason === 'length'));
    const greedy = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 30, temperature: 0 });
    const text = greedy.choices[0].message.content ?? '';
    const stop = text.slice(5, 8);
    const stopped = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 30, temperature: 0, stop });
    assert.equal(stopped.choices[0].message.content, text.slice(0, text.indexOf(stop)));
    assert.equal(stopped.choices[0].finish_reason, 'stop');
    const withLogprobs = await suite().client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 3 });
    const entries = withLogprobs.choices[0].logprobs?.content ?? [];
    assert.equal(entries.length, 4);
    assert.ok(entries.every((e) => e.top_logprobs.length === 3 && e.logprob <= 0));
  });

  it('enforces json_schema (strict) and json_object output with a grammar', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'integer' }, unit: { type: 'string', enum: ['apples', 'pears'] }, sure: { type: 'boolean' } },
      required: ['answer', 'unit', 'sure'],
      additionalProperties: false,
    };
    for (const seed of [1, 2, 3]) {
      const reply = await suite().client.chat.completions.create({
        model: 'deepseek-reasoner', messages: USER, max_tokens: 300, temperature: 1, seed,
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
      });
      assert.equal(reply.choices[0].finish_reason, 'stop', 'the grammar ends generation when the value is complete');
      const value = JSON.parse(reply.choices[0].message.content ?? '');
      assert.deepEqual(Object.keys(value), ['answer', 'unit', 'sure']);
      assert.ok(Number.isInteger(value.answer));
      assert.match(reply.choices[0].message.content ?? '', /"answer"\s*:\s*-?\d+\s*,/, 'an integer has no fraction or exponent');
      assert.ok(['apples', 'pears'].includes(value.unit));
      assert.equal(typeof value.sure, 'boolean');
    }
    const object = await suite().client.chat.completions.create({
      model: 'deepseek-chat', messages: USER, max_tokens: 300, temperature: 0, response_format: { type: 'json_object' },
    });
    if (object.choices[0].finish_reason === 'stop') assert.equal(typeof JSON.parse(object.choices[0].message.content ?? ''), 'object');
    else assert.match(object.choices[0].message.content ?? '', /^\{/);
  });

  it('forces tool calls that parse into tool_calls, streamed and not', async () => {
    const tools = [{
      type: 'function' as const,
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 12 }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false },
      },
    }, { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }];
    const named = await suite().client.chat.completions.create({
      model: 'deepseek-chat', messages: USER, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 200, temperature: 0,
    });
    assert.equal(named.choices[0].finish_reason, 'tool_calls');
    const [call] = named.choices[0].message.tool_calls ?? [];
    assert.equal(call.type, 'function');
    assert.equal((call as { function: { name: string } }).function.name, 'get_weather');
    const args = JSON.parse((call as { function: { arguments: string } }).function.arguments);
    assert.equal(typeof args.city, 'string');
    assert.ok(Number.isInteger(args.days));
    assert.match(call.id, /^call_/);
    const required = await suite().client.chat.completions.create({
      model: 'deepseek-chat', messages: USER, tools, tool_choice: 'required', max_tokens: 200, temperature: 0.7, seed: 4, stream: true,
    });
    const names: string[] = [];
    let finish: string | null = null;
    for await (const chunk of required) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) if (delta.function?.name) names.push(delta.function.name);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(names.length, 1);
    assert.ok(['get_weather', 'get_time'].includes(names[0]));
    assert.equal(finish, 'tool_calls');
  });

  it('continues a prefix (chat prefix completion)', async () => {
    const reply = await suite().client.chat.completions.create({
      model: 'deepseek-chat',
      messages: [...USER, { role: 'assistant', content: 'The answer is', prefix: true } as never],
      max_tokens: 5,
      temperature: 0,
    });
    assert.equal(reply.choices[0].finish_reason, 'length');
  });

});

describe('streaming while queued', () => {
  it('sends keep-alive comments while a request waits for a slot, and [DONE] at the end', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')], { keepAliveMs: 20, engine: { numSlots: 1 } });
    const busy = server.client.chat.completions.create({ model: 'deepseek-chat', messages: USER, max_tokens: 400, ignore_eos: true } as never);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const res = await server.post('/chat/completions', JSON.stringify({ model: 'deepseek-chat', messages: USER, max_tokens: 3, stream: true }));
    const raw = await res.text();
    await busy;
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    assert.match(raw, /^: keep-alive$/m);
    assert.ok(raw.trimEnd().endsWith('data: [DONE]'));
  });
});
