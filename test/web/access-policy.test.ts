/**
 * One access policy for the API and the assistant app (observation 1): once the API needs keys, nobody
 * signs up unless the administrator opened sign-up, the first administrator comes from the operator's
 * shell, and app accounts are limited by the same gate as API keys. Also the administrator's backend for
 * the admin page, and the settings carried by sign-in responses (observation 9).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { BIN } from '../helpers/serve-process.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';
import { AppClient } from './helpers/app-client.ts';

const ASK = { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 };

interface Account {
  username: string;
  is_admin: boolean;
  is_disabled: boolean;
  limits: { rpm: number | null; tpm: number | null; max_concurrency: number | null; budget_tokens: number | null };
  usage: { requests: number };
}

describe('the assistant app on a server that requires API keys', () => {
  const suite = serverForSuite(async () => [await tinyModel('llama')], { assistant: true });
  const root = () => new AppClient(suite().origin);
  let admin: AppClient;
  let adminKey = '';

  it('lets no visitor sign up, nor become the administrator', async () => {
    const { platform, assistant } = suite();
    await platform.admin.createTenant('ops', 'test');
    adminKey = (await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'ops', isAdmin: true }, 'test')).secret;
    const tenants = (await platform.admin.listTenants()).length;
    const visitor = root();
    assert.deepEqual(await visitor.json('GET', '/app/api/status'), { is_sign_up_open: false });
    const refused = await visitor.request('POST', '/app/api/signup', { username: 'mallory', password: 'mallory-password' });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /seekstack users create <name> --admin/);
    assert.equal(await assistant!.store.countUsers(), 0);
    assert.equal((await platform.admin.listTenants()).length, tenants, 'nothing was created for the refused visitor');
    assert.equal((await fetch(`${suite().baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ASK) })).status, 401);
  });

  it('gets its first administrator from the operator, whose sign-in carries the settings', async () => {
    const created = spawnSync(process.execPath, [BIN, 'users', 'create', 'root', '--admin', '--data-dir', suite().dataDir], { input: 'root-password\n', encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^recovery key: rk-[A-Za-z0-9_-]{43}$/m);
    admin = root();
    const session = await admin.json<{ csrf_token: string; user: { is_admin: boolean }; settings: { is_sign_up_open: boolean | null; is_sign_up_open_now: boolean } }>(
      'POST', '/app/api/signin', { username: 'root', password: 'root-password' });
    admin.csrfToken = session.csrf_token;
    assert.equal(session.user.is_admin, true);
    assert.deepEqual([session.settings.is_sign_up_open, session.settings.is_sign_up_open_now], [null, false], 'the settings come with the sign-in');
    const listed = spawnSync(process.execPath, [BIN, 'users', 'list', '--data-dir', suite().dataDir], { encoding: 'utf8' });
    assert.match(listed.stdout, /root\s+admin\s+active/);
  });

  it('opens sign-up at the administrator\'s word, with default limits enforced by the gate', async () => {
    const settings = await admin.json<{ is_sign_up_open_now: boolean; default_limits: { rpm: number | null } }>(
      'PUT', '/app/api/admin/settings', { is_sign_up_open: true, default_limits: { rpm: 2 } });
    assert.deepEqual([settings.is_sign_up_open_now, settings.default_limits.rpm], [true, 2]);
    const bob = root();
    const signedUp = await bob.json<{ user: { is_admin: boolean }; settings: unknown }>('POST', '/app/api/signup', { username: 'bob', password: 'bob-password' });
    bob.csrfToken = (signedUp as unknown as { csrf_token: string }).csrf_token;
    assert.deepEqual([signedUp.user.is_admin, signedUp.settings], [false, null]);
    assert.equal((await bob.request('POST', '/v1/chat/completions', ASK)).status, 200);
    assert.equal((await bob.request('POST', '/v1/chat/completions', ASK)).status, 200);
    const limited = await bob.request('POST', '/v1/chat/completions', ASK);
    assert.equal(limited.status, 429, 'the account\'s rpm, from the defaults');
    assert.equal(limited.headers.get('x-ratelimit-limit-requests'), '2');

    const accounts = (await admin.json<{ data: Account[] }>('GET', '/app/api/admin/accounts')).data;
    const entry = accounts.find((a) => a.username === 'bob')!;
    assert.deepEqual([entry.is_admin, entry.is_disabled, entry.limits.rpm, entry.usage.requests], [false, false, 2, 2]);
    const changed = await admin.json<Account>('PUT', '/app/api/admin/accounts/bob/limits', { rpm: null, budget_tokens: 1 });
    assert.deepEqual(changed.limits, { rpm: null, tpm: null, max_concurrency: null, budget_tokens: 1 });
    const broke = await bob.request('POST', '/v1/chat/completions', ASK);
    assert.equal(broke.status, 402, 'a budget set by the administrator holds from the next request');
    const unknown = await admin.request('PUT', '/app/api/admin/accounts/bob/limits', { requests_per_minute: 5 });
    assert.equal(unknown.status, 422);
  });

  it('disables, enables and deletes accounts, but never the last administrator', async () => {
    const bob = root();
    const signedIn = await bob.json<{ csrf_token: string }>('POST', '/app/api/signin', { username: 'bob', password: 'bob-password' });
    bob.csrfToken = signedIn.csrf_token;
    assert.equal((await admin.json<Account>('POST', '/app/api/admin/accounts/bob/disable')).is_disabled, true);
    assert.equal((await bob.request('GET', '/app/api/session')).status, 401, 'its sessions are gone');
    assert.equal((await bob.request('POST', '/app/api/signin', { username: 'bob', password: 'bob-password' })).status, 403);
    assert.equal((await admin.json<Account>('POST', '/app/api/admin/accounts/bob/enable')).is_disabled, false);
    assert.equal((await bob.request('POST', '/app/api/signin', { username: 'bob', password: 'bob-password' })).status, 200);
    assert.equal((await admin.request('POST', '/app/api/admin/accounts/root/disable')).status, 409);
    assert.equal((await admin.request('DELETE', '/app/api/admin/accounts/root')).status, 409);
    assert.equal((await bob.request('GET', '/app/api/admin/accounts')).status, 403, 'only an administrator');

    const byKey = (method: string, path: string) => fetch(`${suite().origin}/admin/app${path}`, { method, headers: { authorization: `Bearer ${adminKey}` } });
    assert.deepEqual(((await (await byKey('GET', '/accounts')).json()) as { data: Account[] }).data.map((a) => a.username), ['root', 'bob']);
    assert.equal((await byKey('DELETE', '/accounts/bob')).status, 200);
    assert.equal(await suite().assistant!.store.userByName('bob'), undefined);
    assert.equal((await bob.request('POST', '/v1/chat/completions', ASK)).status, 401);
    assert.equal((await byKey('DELETE', '/accounts/bob')).status, 404);
    const audit = await suite().platform.store.auditLog();
    assert.ok(['account.disable', 'account.enable', 'account.delete', 'app.settings', 'key.limits'].every((action) => audit.some((r) => r.action === action)));
  });
});
