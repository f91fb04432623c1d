/** The assistant app's security edges over HTTP: sessions, CSRF, and one user's data out of another's reach. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppClient } from './helpers/app-client.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';

const CONVERSATION = '/app/api/conversations/alice-conversation-1';

describe('assistant app security', () => {
  const suite = serverForSuite(async () => [await tinyModel('qwen2')], { assistant: true });
  let alice: AppClient;
  let bob: AppClient;

  it('signs users up with an HttpOnly, SameSite=Strict session cookie', async () => {
    alice = new AppClient(suite().origin);
    const response = await alice.request('POST', '/app/api/signup', { username: 'alice', password: 'alice-password' });
    assert.equal(response.status, 200);
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^seekstack_session=[0-9a-f]{32}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    alice.csrfToken = ((await response.json()) as { csrf_token: string }).csrf_token;
    bob = new AppClient(suite().origin);
    await bob.signUp('bob', 'bob-password');
    await alice.json('PUT', CONVERSATION, { title: 'Alice private plans', messages: [{ role: 'user', content: 'alice only' }] });
  });

  it('refuses every app route without a session', async () => {
    const stranger = new AppClient(suite().origin);
    for (const [method, path, body] of [
      ['GET', '/app/api/session'], ['GET', '/app/api/conversations'], ['GET', CONVERSATION], ['GET', '/app/api/export'],
      ['PUT', CONVERSATION, { title: 't', messages: [] }], ['PATCH', CONVERSATION, { title: 't' }], ['DELETE', CONVERSATION],
      ['PUT', '/app/api/settings', { retention_days: 1 }], ['POST', '/app/api/account/delete', { password: 'alice-password' }],
      ['POST', '/app/api/password', { current_password: 'alice-password', new_password: 'x-password' }],
    ] as const) {
      const response = await stranger.request(method, path, body);
      assert.equal(response.status, 401, `${method} ${path}`);
    }
    stranger.cookie = `seekstack_session=${alice.cookie.split('=')[1].split('.')[0]}.${'A'.repeat(43)}`;
    assert.equal((await stranger.request('GET', '/app/api/conversations')).status, 401, 'a forged secret for a real session id');
  });

  it('refuses state-changing requests whose CSRF token is missing or wrong', async () => {
    for (const [method, path, body] of [
      ['PUT', CONVERSATION, { title: 'hijacked', messages: [] }], ['PATCH', CONVERSATION, { title: 'hijacked' }], ['DELETE', CONVERSATION],
      ['POST', '/app/api/account/delete', { password: 'alice-password' }], ['POST', '/app/api/signout', {}],
      ['POST', '/v1/chat/completions', { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }],
    ] as const) {
      const missing = await alice.request(method, path, body, { isCsrfSent: false });
      assert.equal(missing.status, 403, `${method} ${path} without a token`);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'permission_denied');
      const wrong = await alice.request(method, path, body, { isCsrfSent: false, headers: { 'x-csrf-token': bob.csrfToken } });
      assert.equal(wrong.status, 403, `${method} ${path} with another session's token`);
    }
    const kept = await alice.json<{ title: string }>('GET', CONVERSATION);
    assert.equal(kept.title, 'Alice private plans');
  });

  it('keeps one user out of another\'s conversations through every route', async () => {
    assert.equal((await bob.request('GET', CONVERSATION)).status, 404);
    assert.equal((await bob.request('PUT', CONVERSATION, { title: 'mine now', messages: [] })).status, 404);
    assert.equal((await bob.request('PATCH', CONVERSATION, { title: 'mine now' })).status, 404);
    assert.equal((await bob.request('DELETE', CONVERSATION)).status, 404);
    assert.deepEqual((await bob.json<{ data: unknown[] }>('GET', '/app/api/conversations')).data, []);
    assert.deepEqual((await bob.json<{ data: unknown[] }>('GET', '/app/api/conversations?q=alice')).data, []);
    assert.deepEqual((await bob.json<{ conversations: unknown[] }>('GET', '/app/api/export')).conversations, []);
    const aliceView = await alice.json<{ title: string; messages: Array<{ content: string }> }>('GET', CONVERSATION);
    assert.deepEqual([aliceView.title, aliceView.messages[0].content], ['Alice private plans', 'alice only']);
    assert.equal((await bob.request('PUT', '/app/api/admin/settings', { is_sign_up_open: false })).status, 403, 'only the first user administers');
  });

  it('meters chat through the session under the user\'s own tenant, and keeps Bearer keys working as before', async () => {
    const reply = await alice.chat({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    assert.ok(reply.choices[0].message.content.length > 0);
    const session = await alice.json<{ user: { username: string } }>('GET', '/app/api/session');
    assert.equal(session.user.username, 'alice');
    const usage = await suite().platform.store.usage({ by: 'tenant' });
    assert.equal(usage.length, 1);
    assert.match(usage[0].group, /^app\.alice\./);
    const anonymous = () => fetch(`${suite().origin}/v1/models`);
    assert.equal((await anonymous()).status, 200, 'app accounts alone do not make the local API require keys');
    const { secret } = await suite().platform.admin.createKey(
      { ...UNLIMITED_KEY, tenant: 'local' }, 'test');
    const bearer = new AppClient(suite().origin);
    bearer.cookie = alice.cookie;
    const models = await bearer.request('POST', '/v1/chat/completions', { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(models.status, 200, 'a Bearer header wins over the cookie and needs no CSRF token');
    assert.equal((await anonymous()).status, 401, 'the first API key does');
  });

  it('serves the page under a strict Content-Security-Policy', async () => {
    const page = await fetch(suite().origin + '/');
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'/);
    assert.equal((await fetch(suite().origin + '/assets/..%2f..%2fpackage.json')).status, 404);
  });
});
