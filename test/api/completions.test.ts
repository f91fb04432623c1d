import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APIError } from 'openai';
import { tinyModel } from '../helpers/models.ts';
import { startServer } from '../helpers/server.ts';

describe('completions API', () => {
  it('lists models with the DeepSeek names, with and without /v1, and at /beta', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const page = await server.client.models.list();
    const ids = page.data.map((m) => m.id);
    assert.deepEqual(ids.slice(0, 4), ['deepseek-chat', 'deepseek-reasoner', 'deepseek-v4-flash', 'deepseek-v4-pro']);
    assert.equal(ids.length, 5);
    for (const url of ['/models', '/beta/models']) {
      const bare = (await fetch(server.origin + url).then((r) => r.json())) as { data: Array<{ id: string }> };
      assert.deepEqual(bare.data.map((m) => m.id), ids, url);
    }
    await assert.rejects(server.client.models.retrieve('nope'), (e: APIError) => e.status === 400);
  });

  it('completes text, streams the same text, and honours max_tokens, stop, n and echo', async (t) => {
    const server = await startServer(t, [await tinyModel('llama')]);
    const [model] = server.models.list();
    const base = { model: model.id, prompt: 'The engine', max_tokens: 12, temperature: 0 };
    const plain = await server.client.completions.create(base);
    assert.equal(plain.object, 'text_completion');
    assert.equal(plain.choices[0].finish_reason, 'length');
    assert.equal(plain.usage?.completion_tokens, 12);
    const stream = await server.client.completions.create({ ...base, stream: true, stream_options: { include_usage: true } });
    let streamed = '';
    let usage;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(streamed, plain.choices[0].text);
    assert.equal(usage?.completion_tokens, 12);
    const stop = plain.choices[0].text.slice(4, 7);
    const stopped = await server.client.completions.create({ ...base, stop: [stop] });
    assert.equal(stopped.choices[0].text, plain.choices[0].text.slice(0, plain.choices[0].text.indexOf(stop)));
    assert.equal(stopped.choices[0].finish_reason, 'stop');
    const several = await server.client.completions.create({ ...base, n: 3, temperature: 1, seed: 5, echo: true });
    assert.equal(several.choices.length, 3);
    assert.ok(several.choices.every((c) => c.text.startsWith('The engine')));
  });

  it('fills in the middle with the model FIM tokens', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const fim = await server.client.completions.create({ model: 'deepseek-chat', prompt: 'def add(a, b):\n', suffix: '\n    return c', max_tokens: 8, temperature: 0 });
    assert.equal(fim.usage?.completion_tokens, 8);
    assert.equal(typeof fim.choices[0].text, 'string');
    const res = await server.post('/beta/completions', JSON.stringify({ model: 'deepseek-chat', prompt: 'x', suffix: 'y', max_tokens: 2 }));
    assert.equal(res.status, 200);
  });
});
