/** Embeddings through the openai client (/v1/embeddings) and the ollama client (/api/embed, /api/embeddings). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

const EMBED_MODEL = 'seekstack-synth-llama-embed-f32';
const TEXTS = Array.from({ length: 20 }, (_, i) => `sentence number ${i}: ${'the quick brown fox '.repeat(1 + (i % 4))}jumps`);

function dot(a: number[], b: number[]): number {
  return a.reduce((sum, x, i) => sum + x * b[i], 0);
}

function cosine(a: number[], b: number[]): number {
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

function maxDifference(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

async function floats(client: OpenAI, input: string | string[] | number[], extra: { dimensions?: number; model?: string } = {}) {
  const reply = await client.embeddings.create({ model: EMBED_MODEL, input, encoding_format: 'float', ...extra });
  return { vectors: reply.data.map((d) => d.embedding), reply };
}

describe('embeddings (tiny llama declaring mean pooling, and a generative qwen2)', () => {
  const suite = serverForSuite(async () => [await tinyModel('llama', 'embed'), await tinyModel('qwen2')]);

  it('answers in OpenAI shape: normalized vectors of the model size, usage, self-cosine 1', async () => {
    const { vectors, reply } = await floats(suite().client, 'hello world');
    assert.equal(reply.object, 'list');
    assert.equal(reply.model, EMBED_MODEL);
    assert.equal(reply.data[0].object, 'embedding');
    assert.equal(vectors[0].length, 64, 'the embedding length of the model');
    assert.ok(Math.abs(dot(vectors[0], vectors[0]) - 1) < 1e-6, 'unit length');
    assert.ok(Math.abs(cosine(vectors[0], vectors[0]) - 1) < 1e-9);
    assert.ok(reply.usage.prompt_tokens > 0);
    assert.equal(reply.usage.total_tokens, reply.usage.prompt_tokens);
  });

  it('gives identical vectors for identical inputs, and batched equal to one by one within 1e-5', async () => {
    const { client } = suite();
    const { vectors: batched } = await floats(client, [...TEXTS, TEXTS[0]]);
    assert.equal(batched.length, TEXTS.length + 1);
    assert.deepEqual((await floats(client, [...TEXTS, TEXTS[0]])).vectors, batched, 'the same request again: bit for bit');
    assert.deepEqual((await floats(client, TEXTS[0])).vectors, (await floats(client, TEXTS[0])).vectors, 'the same single input again: bit for bit');
    // Within one decode, llama.cpp pools by a matrix product over the whole batch, so a copy elsewhere in it can differ in the last bit.
    assert.ok(maxDifference(batched[TEXTS.length], batched[0]) < 1e-6, 'the same text twice in one request');
    for (const [i, text] of TEXTS.entries()) {
      const [alone] = (await floats(client, text)).vectors;
      assert.ok(maxDifference(alone, batched[i]) < 1e-5, `input ${i}: ${maxDifference(alone, batched[i])}`);
    }
    assert.ok(cosine(batched[0], batched[1]) < 0.999999, 'different texts, different vectors');
  });

  it('decodes base64 (the client default) to the float vectors, and takes token arrays', async () => {
    const { client, models } = suite();
    const decoded = await client.embeddings.create({ model: EMBED_MODEL, input: TEXTS[3] });
    const { vectors } = await floats(client, TEXTS[3]);
    assert.ok(maxDifference(decoded.data[0].embedding, vectors[0]) < 1e-6);
    const tokens = await models.list().find((m) => m.id === EMBED_MODEL)!.client!.tokenize(TEXTS[3], true);
    const fromTokens = await floats(client, tokens);
    assert.deepEqual(fromTokens.vectors[0], vectors[0]);
    assert.equal(fromTokens.reply.usage.prompt_tokens, tokens.length);
    const many = await client.embeddings.create({ model: EMBED_MODEL, input: [tokens, tokens.slice(0, 3)], encoding_format: 'float' });
    assert.deepEqual(many.data[0].embedding, vectors[0]);
  });

  it('cuts to `dimensions` and normalizes again; refuses more dimensions than the model has', async () => {
    const { client } = suite();
    const { vectors } = await floats(client, 'hello', { dimensions: 16 });
    assert.equal(vectors[0].length, 16);
    assert.ok(Math.abs(dot(vectors[0], vectors[0]) - 1) < 1e-6);
    await assert.rejects(floats(client, 'hello', { dimensions: 65 }), (error: InstanceType<typeof OpenAI.APIError>) => error.status === 422);
  });

  it('refuses an input longer than the context, an empty input and an unknown model', async () => {
    const { client } = suite();
    await assert.rejects(floats(client, 'word '.repeat(6000)), (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400 && /more than the 4096/.test(error.message));
    await assert.rejects(floats(client, ''), (error: InstanceType<typeof OpenAI.APIError>) => error.status === 422);
    await assert.rejects(floats(client, 'x', { model: 'nope' }), (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400);
  });

  it('lets a generative model embed too (mean pooling)', async () => {
    const { vectors } = await floats(suite().client, ['a', 'b'], { model: 'seekstack-synth-qwen2-tiny-f32' });
    assert.equal(vectors.length, 2);
    assert.ok(Math.abs(dot(vectors[1], vectors[1]) - 1) < 1e-6);
  });

  it("answers Ollama's /api/embed with the same normalized vectors, and /api/embeddings with the raw one", async () => {
    const ollama = new Ollama({ host: suite().origin });
    const embedded = await ollama.embed({ model: EMBED_MODEL, input: [TEXTS[1], TEXTS[2]] });
    const { vectors } = await floats(suite().client, [TEXTS[1], TEXTS[2]]);
    assert.equal(embedded.model, EMBED_MODEL);
    assert.deepEqual(embedded.embeddings, vectors);
    assert.ok(embedded.prompt_eval_count > 0 && embedded.total_duration > embedded.load_duration);
    const legacy = await ollama.embeddings({ model: EMBED_MODEL, prompt: TEXTS[1] });
    assert.ok(Math.abs(cosine(legacy.embedding, vectors[0]) - 1) < 1e-6, 'the same direction, not normalized');
    const cut = await ollama.embed({ model: EMBED_MODEL, input: 'word '.repeat(6000) });
    assert.equal(cut.embeddings[0].length, 64, 'Ollama truncates by default');
    await assert.rejects(ollama.embed({ model: EMBED_MODEL, input: 'word '.repeat(6000), truncate: false }));
  });

  it('counts embedding tokens against a key budget and in the ledger', async () => {
    const { platform, clientWithKey } = suite();
    await platform.admin.createTenant('embedders', 'test');
    const { secret, key } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'embedders', budgetTokens: 1000 }, 'test');
    const reply = await clientWithKey(secret).embeddings.create({ model: EMBED_MODEL, input: TEXTS.slice(0, 3), encoding_format: 'float' });
    const spent = (await platform.admin.listKeys('embedders')).find((k) => k.id === key.id)!.spentTokens;
    assert.equal(spent, reply.usage.prompt_tokens);
  });
});
