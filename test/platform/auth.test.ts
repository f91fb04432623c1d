/** Who may call: the secure default, keys (revoked, expired, other models) and the admin API, over real HTTP. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI, { AuthenticationError, PermissionDeniedError } from 'openai';
import { databaseFile } from '../../src/platform/platform.ts';
import { tinyModel, scratchDir } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';

const ask = { model: 'deepseek-chat', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 2 };

async function status(promise: Promise<unknown>): Promise<{ status: number; code?: string; type?: string; message: string }> {
  try {
    await promise;
    return { status: 200, message: '' };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    const body = error.error as { code?: string; type?: string } | undefined;
    return { status: error.status ?? 0, code: body?.code, type: body?.type, message: error.message };
  }
}

describe('authentication', () => {
  const dataDir = scratchDir();
  const server = serverForSuite(async () => [await tinyModel('llama')], { dataDir });

  it('runs open on loopback until the first key exists, then refuses requests without one in DeepSeek\'s 401 shape', async () => {
    const { client, platform, baseURL } = server();
    assert.equal((await status(client.chat.completions.create(ask))).status, 200, 'no key exists yet: local use is open');
    await platform.admin.createTenant('acme', 'test');
    await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme' }, 'test');
    await assert.rejects(client.chat.completions.create(ask), AuthenticationError, 'the SDK raises its typed error');
    const refused = await status(client.chat.completions.create(ask));
    assert.deepEqual([refused.status, refused.type, refused.code], [401, 'authentication_error', 'invalid_request_error']);
    assert.match(refused.message, /Authentication Fails/);
    const raw = await fetch(`${baseURL}/models`);
    assert.equal(raw.status, 401, 'GET /models needs a key too');
    assert.equal((await fetch(baseURL.replace('/v1', '/health'))).status, 200, '/health stays open for probes');
  });

  it('accepts a valid key, and refuses a revoked one from the next request on', async () => {
    const { platform, clientWithKey } = server();
    const { secret, key } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme' }, 'test');
    const client = clientWithKey(secret);
    assert.equal((await status(client.chat.completions.create(ask))).status, 200);
    await platform.admin.revokeKey(key.id, 'test');
    const refused = await status(client.chat.completions.create(ask));
    assert.equal(refused.status, 401);
    assert.match(refused.message, /revoked/);
    assert.equal((await status(clientWithKey(`${secret}x`).chat.completions.create(ask))).status, 401, 'a wrong key');
  });

  it('refuses an expired key', async () => {
    const { platform, clientWithKey } = server();
    const { secret, key } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', expiresInMs: 60_000 }, 'test');
    assert.equal((await status(clientWithKey(secret).chat.completions.create(ask))).status, 200);
    const db = new Database(databaseFile(dataDir));
    db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(Date.now() - 1, key.id);
    db.close();
    const refused = await status(clientWithKey(secret).chat.completions.create(ask));
    assert.equal(refused.status, 401);
    assert.match(refused.message, /expired/);
  });

  it('refuses a model outside the key\'s allow-list, and lists only the allowed ones', async () => {
    const { platform, clientWithKey, models } = server();
    const modelId = models.list()[0].id;
    const { secret } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', models: ['deepseek-reasoner'] }, 'test');
    const client = clientWithKey(secret);
    await assert.rejects(client.chat.completions.create(ask), PermissionDeniedError);
    const refused = await status(client.chat.completions.create(ask));
    assert.deepEqual([refused.status, refused.code], [403, 'model_not_allowed']);
    assert.equal((await status(client.chat.completions.create({ ...ask, model: modelId }))).status, 403);
    assert.equal((await status(client.completions.create({ model: modelId, prompt: 'x', max_tokens: 1 }))).status, 403);
    assert.equal((await status(client.chat.completions.create({ ...ask, model: 'deepseek-reasoner' }))).status, 200);
    assert.deepEqual((await client.models.list()).data.map((m) => m.id), ['deepseek-reasoner']);
  });
});

describe('admin API', () => {
  const server = serverForSuite(async () => [await tinyModel('llama')]);

  it('needs an admin key, and audits what it changes', async () => {
    const { platform, baseURL } = server();
    const origin = baseURL.replace('/v1', '');
    await platform.admin.createTenant('ops', 'test');
    const { secret: adminKey } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'ops', isAdmin: true }, 'test');
    const { secret: userKey } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'ops' }, 'test');
    const call = (method: string, path: string, key: string, body?: object) =>
      fetch(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });

    assert.equal((await call('GET', '/admin/keys', userKey)).status, 403);
    assert.equal((await fetch(`${origin}/admin/keys`)).status, 401);
    assert.equal((await call('POST', '/admin/tenants', adminKey, { name: 'team-b' })).status, 201);
    assert.equal((await call('POST', '/admin/tenants', adminKey, { name: 'team-b' })).status, 409);
    const created = await call('POST', '/admin/keys', adminKey, { tenant: 'team-b', rpm: 5, budget_tokens: 1000, models: ['deepseek-chat'], expires_in: '30d' });
    assert.equal(created.status, 201);
    const key = (await created.json()) as { id: string; key: string; rpm: number; budget_tokens: number; expires_at: string };
    assert.match(key.key, /^sk-/);
    assert.equal(key.rpm, 5);
    assert.ok(Date.parse(key.expires_at) > Date.now() + 29 * 86_400_000);
    assert.equal((await call('POST', '/admin/keys', adminKey, { tenant: 'team-b', rpm: 'five' })).status, 422);

    const client = new OpenAI({ baseURL, apiKey: key.key, maxRetries: 0 });
    assert.equal((await status(client.chat.completions.create(ask))).status, 200);
    const balance = (await (await call('GET', '/user/balance', key.key)).json()) as { is_available: boolean; balance_infos: Array<{ total_balance: string }> };
    assert.equal(balance.is_available, true);
    assert.ok(Number(balance.balance_infos[0].total_balance) < 1000);

    assert.equal((await call('POST', `/admin/keys/${key.id}/revoke`, adminKey)).status, 200);
    assert.equal((await status(client.chat.completions.create(ask))).status, 401);
    assert.equal((await call('POST', `/admin/keys/${key.id}/revoke`, adminKey)).status, 409);

    const usage = (await (await call('GET', '/admin/usage?by=tenant', adminKey)).json()) as { data: Array<{ tenant: string; requests: number }> };
    assert.deepEqual(usage.data.map((r) => [r.tenant, r.requests]), [['team-b', 1]]);
    assert.equal((await call('GET', '/admin/usage?since=yesterday', adminKey)).status, 422);
    const audit = (await (await call('GET', '/admin/audit/verify', adminKey)).json()) as { valid: boolean; rows: number };
    assert.deepEqual(audit, { valid: true, rows: 6, problems: [] });
  });
});
