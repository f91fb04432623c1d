import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDeepSeek } from '@ai-sdk/deepseek';
import { ChatDeepSeek } from '@langchain/deepseek';
import { generateText, streamText, tool } from 'ai';
import { z } from 'zod';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

describe("the Vercel AI SDK's DeepSeek provider works by changing only the base URL", () => {
  const server = serverForSuite(async () => [await tinyModel('qwen2')]);
  const provider = () => createDeepSeek({ baseURL: server().baseURL, apiKey: 'local' });

  it('returns reasoning and text, and usage with cache fields', async () => {
    const reasoner = await generateText({ model: provider()('deepseek-reasoner'), prompt: 'What is 2 + 2?', maxOutputTokens: 12, temperature: 0 });
    assert.ok(reasoner.reasoningText && reasoner.reasoningText.length > 0);
    const chat = await generateText({ model: provider()('deepseek-chat'), prompt: 'What is 2 + 2?', maxOutputTokens: 12, temperature: 0 });
    assert.ok(chat.text.length > 0);
    assert.equal(chat.reasoningText, undefined);
    assert.equal(chat.usage.outputTokens, 12);
    assert.equal(chat.finishReason, 'length');
  });

  it("serves DeepSeek's V4 model names, thinking as the request asks", async () => {
    const flash = await generateText({ model: provider()('deepseek-v4-flash'), prompt: 'What is 2 + 2?', maxOutputTokens: 8, temperature: 0 });
    const pro = await generateText({ model: provider()('deepseek-v4-pro'), prompt: 'What is 2 + 2?', maxOutputTokens: 8, temperature: 0 });
    assert.equal(flash.usage.outputTokens, 8);
    assert.equal(pro.usage.outputTokens, 8);
    assert.equal(flash.response.modelId, 'deepseek-v4-flash');
  });

  it('streams text that equals the non-streamed text', async () => {
    const options = { model: provider()('deepseek-chat'), prompt: 'Tell me something.', maxOutputTokens: 16, temperature: 0 };
    const whole = await generateText(options);
    let streamed = '';
    for await (const delta of streamText(options).textStream) streamed += delta;
    assert.equal(streamed, whole.text);
  });

  it('gets a forced tool call with typed arguments', async () => {
    const result = await generateText({
      model: provider()('deepseek-chat'),
      prompt: 'Weather in Paris?',
      tools: { get_weather: tool({ description: 'Weather for a city', inputSchema: z.object({ city: z.string().max(20), days: z.number().int() }) }) },
      toolChoice: 'required',
      maxOutputTokens: 200,
      temperature: 0,
    });
    assert.equal(result.finishReason, 'tool-calls');
    const [call] = result.toolCalls;
    assert.equal(call.toolName, 'get_weather');
    const input = call.input as { city: string; days: number };
    assert.equal(typeof input.city, 'string');
    assert.ok(Number.isInteger(input.days));
  });
});

describe("LangChain's DeepSeek integration works by changing only the base URL", () => {
  const server = serverForSuite(async () => [await tinyModel('qwen2')]);

  it('invokes deepseek-reasoner and gets reasoning_content alongside the answer', async () => {
    const model = new ChatDeepSeek({ model: 'deepseek-reasoner', apiKey: 'local', configuration: { baseURL: server().baseURL }, maxTokens: 12, temperature: 0, maxRetries: 0 });
    const message = await model.invoke([['human', 'What is 2 + 2?']]);
    assert.ok(String(message.additional_kwargs.reasoning_content ?? '').length > 0);
    const chat = new ChatDeepSeek({ model: 'deepseek-chat', apiKey: 'local', configuration: { baseURL: server().baseURL }, maxTokens: 12, temperature: 0, maxRetries: 0 });
    let streamed = '';
    for await (const chunk of await chat.stream([['human', 'Hello']])) streamed += String(chunk.content);
    const whole = await chat.invoke([['human', 'Hello']]);
    assert.equal(streamed, String(whole.content));
    assert.ok(streamed.length > 0);
  });
});
