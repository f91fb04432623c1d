/**
 * The app API's model routes and conversation settings over plain HTTP: each served model once with its
 * aliases and capabilities, token counts by the model's own tokenizer, bad input refused with a clear
 * error, and a conversation's system prompt, temperature, attachments and stopped note kept (and older
 * bodies, a bare list of messages, still read).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sealText } from '../../src/platform/vault.ts';
import type { ModelEntry } from '../../src/web/api.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';
import { AppClient } from './helpers/app-client.ts';

describe('the app API for models and conversations', () => {
  const suite = serverForSuite(async () => [await tinyModel('qwen2')], { assistant: true });
  let client: AppClient;

  it('lists each served model once, with the aliases that reach it and what it can do', async () => {
    client = new AppClient(suite().origin);
    await client.signUp('carol', 'carol-password');
    const { data } = await client.json<{ data: ModelEntry[] }>('GET', '/app/api/models');
    assert.equal(data.length, 1);
    const [model] = data;
    assert.equal(model.request_name, model.id);
    assert.deepEqual(
      model.aliases.filter((a) => a.name.startsWith('deepseek-')).sort((a, b) => a.name.localeCompare(b.name)),
      [{ name: 'deepseek-chat', thinking: false }, { name: 'deepseek-reasoner', thinking: true }, { name: 'deepseek-v4-flash', thinking: null }, { name: 'deepseek-v4-pro', thinking: null }],
    );
    assert.equal(model.thinking, true, 'the tiny model has an R1-style template');
    assert.equal(typeof model.tools, 'boolean');
    assert.ok(model.context_length >= 4096);
  });

  it('counts tokens with the model\'s tokenizer, and gives its exact context', async () => {
    const [model] = (await client.json<{ data: ModelEntry[] }>('GET', '/app/api/models')).data;
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const counted = await client.json<{ tokens: number; context_length: number; model: string }>('POST', '/app/api/tokens', { model: model.id, text });
    const match = suite().models.resolve(model.id)!;
    const lease = await suite().models.acquire(match);
    try {
      assert.equal(counted.tokens, (await lease.model.client.tokenize(text, false)).length);
      assert.equal(counted.context_length, lease.model.info.maxSeqLen);
    } finally {
      lease[Symbol.dispose]();
    }
    assert.equal((await client.json<{ tokens: number }>('POST', '/app/api/tokens', { model: 'deepseek-chat', text: '' })).tokens, 0, 'an alias works too');
    assert.equal((await client.json<{ data: ModelEntry[] }>('GET', '/app/api/models')).data[0].context_length, counted.context_length, 'exact once loaded');
  });

  it('refuses bad token-count requests with a clear error', async () => {
    const unknown = await client.request('POST', '/app/api/tokens', { model: 'no-such-model', text: 'x' });
    assert.equal(unknown.status, 400, 'as the API answers an unknown model');
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /no-such-model/);
    const missing = await client.request('POST', '/app/api/tokens', { model: 'deepseek-chat' });
    assert.equal(missing.status, 400, 'a missing field makes a malformed request, as in the API');
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /text/);
    const noCsrf = await client.request('POST', '/app/api/tokens', { model: 'deepseek-chat', text: 'x' }, { isCsrfSent: false });
    assert.equal(noCsrf.status, 403, 'a session without its CSRF token is refused');
  });

  it('keeps a conversation\'s system prompt, temperature, attachments, usage and stopped note', async () => {
    const messages = [
      { role: 'user', content: 'read this', attachments: [{ name: 'a.md', type: 'text/markdown', size_bytes: 12, text: '# heading one', tokens: 4 }] },
      { role: 'assistant', content: 'partial', stopped: true, usage: { prompt_tokens: 30, completion_tokens: 5, reasoning_tokens: 0, prompt_cache_hit_tokens: 0 }, generation_ms: 120 },
    ];
    await client.json('PUT', '/app/api/conversations/settings-kept', { title: 'With settings', messages, system_prompt: 'Be brief.', temperature: 0.2 });
    const saved = await client.json<Record<string, unknown>>('GET', '/app/api/conversations/settings-kept');
    assert.equal(saved.system_prompt, 'Be brief.');
    assert.equal(saved.temperature, 0.2);
    assert.deepEqual(saved.messages, messages);
    await client.json('PUT', '/app/api/conversations/settings-kept', { title: 'With settings', messages });
    const cleared = await client.json<Record<string, unknown>>('GET', '/app/api/conversations/settings-kept');
    assert.equal('system_prompt' in cleared || 'temperature' in cleared, false, 'saving without them clears them');
    assert.deepEqual((await client.json<{ data: Array<{ id: string }> }>('GET', '/app/api/conversations?q=a.md')).data.map((c) => c.id), ['settings-kept'], 'search finds a file by its name');
  });

  it('refuses conversation settings outside the API\'s range, and unknown message fields', async () => {
    const base = { title: 't', messages: [{ role: 'user', content: 'x' }] };
    // As in the API: a wrong value or an unknown field is an invalid parameter (422), a missing field a malformed request (400).
    const cases: Array<[object, number]> = [
      [{ ...base, temperature: 2.5 }, 422],
      [{ ...base, temperature: -1 }, 422],
      [{ ...base, messages: [{ role: 'user', content: 'x', stoped: true }] }, 422],
      [{ ...base, messages: [{ role: 'user', content: 'x', attachments: [{ name: 'a' }] }] }, 400],
    ];
    for (const [body, status] of cases) {
      const response = await client.request('PUT', '/app/api/conversations/refused-one', body);
      assert.equal(response.status, status, JSON.stringify(body));
      assert.ok(((await response.json()) as { error: { message: string } }).error.message.length > 0);
    }
    assert.equal((await client.request('GET', '/app/api/conversations/refused-one')).status, 404, 'nothing was saved');
  });

  it('still reads a conversation saved as a bare list of messages, before conversations had settings', async () => {
    const { assistant } = suite();
    const session = await assistant!.accounts.signIn('carol', 'carol-password', '127.0.0.1');
    const signedIn = (await assistant!.accounts.resume(session.cookieValue))!;
    const id = 'older-format';
    const userId = signedIn.user.id;
    await assistant!.store.putConversation({
      id, userId, createdAt: 1, updatedAt: 1,
      title: sealText(signedIn.dataKey, 'Old one', `conversation:${userId}:${id}:title`),
      body: sealText(signedIn.dataKey, JSON.stringify([{ role: 'user', content: 'old question' }, { role: 'assistant', content: 'old answer', reasoningMs: 900 }]), `conversation:${userId}:${id}:body`),
    });
    const old = await client.json<Record<string, unknown>>('GET', `/app/api/conversations/${id}`);
    assert.deepEqual(old.messages, [{ role: 'user', content: 'old question' }, { role: 'assistant', content: 'old answer', reasoning_ms: 900 }]);
    assert.equal('system_prompt' in old, false);
  });
});
