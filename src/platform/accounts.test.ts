import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { openAssistant } from './assistant.ts';
import { openPlatform } from './platform.ts';

async function open(t: TestContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-accounts-'));
  const platform = await openPlatform(dir);
  const assistant = await openAssistant(platform, { throttle: { maxFailuresPerName: 3 } });
  t.after(async () => {
    await assistant.close();
    await platform.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { platform, assistant, accounts: assistant.accounts, history: assistant.history };
}

const ADDRESS = '127.0.0.1';

describe('accounts', () => {
  it('makes the first user the administrator, each user a tenant and key of their own, and can close sign-up', async (t) => {
    const { platform, assistant, accounts } = await open(t);
    const first = await accounts.signUp('alice', 'password-a');
    const second = await accounts.signUp('bob', 'password-b');
    assert.equal(first.session.user.isAdmin, true);
    assert.equal(second.session.user.isAdmin, false);
    assert.notEqual(first.session.user.tenantId, second.session.user.tenantId);
    const caller = await platform.gate.callerForKey(first.session.user.keyId);
    assert.equal(caller.tenantId, first.session.user.tenantId);
    assert.match(first.recoveryKey, /^rk-[A-Za-z0-9_-]{43}$/);
    await assert.rejects(accounts.signUp('alice', 'password-c'), { code: 'conflict' });
    await assistant.settings.update({ isSignUpOpen: false });
    await assert.rejects(accounts.signUp('carol', 'password-c'), { code: 'permission_denied' });
  });

  it('on a server reachable from the network, lets no visitor sign up, not even the first; the operator creates accounts', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-accounts-'));
    const platform = await openPlatform(dir, { isExposed: true });
    const assistant = await openAssistant(platform);
    t.after(async () => {
      await assistant.close();
      await platform.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    assert.equal(await assistant.accounts.isSignUpOpen(), false);
    await assert.rejects(assistant.accounts.signUp('alice', 'password-a'), { code: 'permission_denied' });
    const { user } = await assistant.accounts.createAccount('alice', 'password-a', { isAdmin: true, actor: 'cli:test' });
    assert.equal(user.isAdmin, true);
    assert.equal(await assistant.accounts.isSignUpOpen(), false, 'still closed: the administrator has not opened it');
    await assistant.settings.update({ isSignUpOpen: true });
    assert.equal((await assistant.accounts.signUp('bob', 'password-b')).session.user.isAdmin, false);
  });

  it('resumes a session only with its exact cookie, and signs in only with the right password, throttled', async (t) => {
    const { accounts } = await open(t);
    const { session } = await accounts.signUp('alice', 'password-a');
    const resumed = await accounts.resume(session.cookieValue);
    assert.equal(resumed?.user.username, 'alice');
    assert.equal(resumed?.csrfToken, session.csrfToken);
    const [id, secret] = session.cookieValue.split('.');
    assert.equal(await accounts.resume(`${id}.${secret.slice(0, -2)}AA`), null);
    assert.equal(await accounts.resume(`nope.${secret}`), null);
    assert.equal(await accounts.resume(undefined), null);
    await accounts.signOut(resumed!);
    assert.equal(await accounts.resume(session.cookieValue), null, 'signed out');
    for (let i = 0; i < 3; i++) await assert.rejects(accounts.signIn('alice', 'wrong-password', ADDRESS), { code: 'authentication_failed' });
    await assert.rejects(accounts.signIn('alice', 'password-a', ADDRESS), { code: 'rate_limited' });
    await assert.rejects(accounts.signIn('nobody', 'password-a', '10.0.0.1'), { code: 'authentication_failed' });
  });

  it('keeps the history readable across a password change and a recovery, and signs out other sessions', async (t) => {
    const { accounts, history } = await open(t);
    const { session, recoveryKey } = await accounts.signUp('alice', 'password-a');
    const here = (await accounts.resume(session.cookieValue))!;
    const elsewhere = await accounts.signIn('alice', 'password-a', ADDRESS);
    await history.save(here, 'conversation-1', 'Title', [{ role: 'user', content: 'hello' }]);
    await accounts.changePassword(here, 'password-a', 'password-b', ADDRESS);
    assert.equal(await accounts.resume(elsewhere.cookieValue), null, 'the other session was signed out');
    await assert.rejects(accounts.signIn('alice', 'password-a', ADDRESS), { code: 'authentication_failed' });
    const againCookie = (await accounts.signIn('alice', 'password-b', ADDRESS)).cookieValue;
    const again = (await accounts.resume(againCookie))!;
    assert.equal((await history.get(again, 'conversation-1')).messages[0].content, 'hello');

    await assert.rejects(accounts.recover('alice', 'rk-AAAA', 'password-c', ADDRESS), { code: 'authentication_failed' });
    const recovered = (await accounts.resume((await accounts.recover('alice', recoveryKey, 'password-c', ADDRESS)).cookieValue))!;
    assert.equal((await history.get(recovered, 'conversation-1')).title, 'Title');
    assert.equal(await accounts.resume(againCookie), null, 'a recovery signs out every earlier session');
  });

  it('deletes an account: rows gone, API key revoked', async (t) => {
    const { platform, assistant, accounts, history } = await open(t);
    const { session } = await accounts.signUp('alice', 'password-a');
    const here = (await accounts.resume(session.cookieValue))!;
    await history.save(here, 'conversation-1', 'Title', [{ role: 'user', content: 'hello' }]);
    await assert.rejects(accounts.deleteAccount(here, 'wrong-password', ADDRESS), { code: 'authentication_failed' });
    await accounts.deleteAccount(here, 'password-a', ADDRESS);
    assert.equal(await accounts.resume(session.cookieValue), null);
    assert.equal(await assistant.store.userByName('alice'), undefined);
    assert.deepEqual(await assistant.store.listConversations(here.user.id), []);
    await assert.rejects(platform.gate.callerForKey(here.user.keyId), { code: 'authentication_failed' });
  });

  it('applies retention in the sweep', async (t) => {
    const { assistant, accounts, history } = await open(t);
    const here = (await accounts.resume((await accounts.signUp('alice', 'password-a')).session.cookieValue))!;
    await history.save(here, 'conversation-1', 'Old', [{ role: 'user', content: 'hello' }]);
    assert.equal(await assistant.sweep(Date.now() + 400 * 86_400_000), 0, 'kept: no retention set');
    await assert.rejects(accounts.setRetention(here, 0), { code: 'invalid' });
    await accounts.setRetention(here, 30);
    assert.equal(await assistant.sweep(Date.now() + 10 * 86_400_000), 0);
    assert.equal(await assistant.sweep(Date.now() + 31 * 86_400_000), 1);
    assert.deepEqual(await history.list(here), []);
  });
});
