/**
 * The AssistantStore contract as one suite, run against every store implementation. A store needs a
 * tenant and key row for each user, so the factory also returns a way to make one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssistantStore, NewUser } from './assistant-store.ts';
import type { PlatformStore } from './platform-store.ts';

export interface StoreUnderTest {
  store: AssistantStore;
  /** A tenant and API key row for a new user to belong to. */
  newOwner(): Promise<{ tenantId: number; keyId: string }>;
}

const DAY_MS = 86_400_000;

let owners = 0;

/** `newOwner` over a platform store on the same database: a tenant and a session-only key per call. */
export function ownersIn(platform: PlatformStore): StoreUnderTest['newOwner'] {
  return async () => {
    owners++;
    const tenant = await platform.createTenant(`owner-${owners}`, 1);
    const key = await platform.createKey({
      id: `key_${owners}`, tenantId: tenant.id, name: null, hash: Buffer.from(`hash-${owners}`), prefix: 'sk-test', isAdmin: false, isSessionOnly: true, createdAt: 1,
      rpm: null, tpm: null, maxConcurrency: null, budgetTokens: null, models: null, expiresAt: null,
    });
    return { tenantId: tenant.id, keyId: key.id };
  };
}

async function newUser(under: StoreUnderTest, username: string, overrides: Partial<NewUser> = {}) {
  const owner = await under.newOwner();
  return under.store.createUser({
    username, ...owner, isAdmin: false, passwordSalt: Buffer.from('salt'), passwordVerifier: Buffer.from('verifier'),
    keyByPassword: Buffer.from('by-password'), keyByRecovery: Buffer.from('by-recovery'), retentionDays: null, createdAt: 1, ...overrides,
  });
}

const conversation = (id: string, userId: number, updatedAt: number) => ({ id, userId, title: Buffer.from(`t-${id}`), body: Buffer.from(`b-${id}`), createdAt: updatedAt, updatedAt });

export function runAssistantStoreContract(name: string, newStore: () => Promise<StoreUnderTest>): void {
  describe(`AssistantStore contract: ${name}`, () => {
    it('creates users, finds them by id and name, and changes their sealed keys', async () => {
      const under = await newStore();
      const { store } = under;
      assert.equal(await store.countUsers(), 0);
      const alice = await newUser(under, 'alice', { isAdmin: true });
      assert.deepEqual(await store.user(alice.id), alice);
      assert.deepEqual(await store.userByName('alice'), alice);
      assert.equal(await store.userByName('bob'), undefined);
      await store.changePassword(alice.id, { passwordSalt: Buffer.from('s2'), passwordVerifier: Buffer.from('v2'), keyByPassword: Buffer.from('k2') });
      await store.setRetention(alice.id, 7);
      const changed = await store.user(alice.id);
      assert.deepEqual([changed?.passwordSalt, changed?.keyByPassword, changed?.retentionDays, changed?.keyByRecovery], [Buffer.from('s2'), Buffer.from('k2'), 7, Buffer.from('by-recovery')]);
      await assert.rejects(newUser(under, 'alice'));
      await store.close();
    });

    it('lists users, and disables one (dropping its sessions) until it is enabled again', async () => {
      const under = await newStore();
      const { store } = under;
      const alice = await newUser(under, 'alice', { isAdmin: true });
      const bob = await newUser(under, 'bob');
      assert.deepEqual((await store.listUsers()).map((u) => [u.username, u.disabledAt]), [['alice', null], ['bob', null]]);
      await store.createSession({ id: 's', userId: bob.id, tokenHash: Buffer.from('h'), sealedKey: Buffer.from('k'), createdAt: 1, expiresAt: 10 ** 15 });
      await store.setDisabled(bob.id, 42);
      assert.equal((await store.user(bob.id))?.disabledAt, 42);
      assert.equal(await store.session('s'), undefined, 'a disabled account is signed out everywhere');
      await store.setDisabled(bob.id, null);
      assert.equal((await store.userByName('bob'))?.disabledAt, null);
      assert.equal((await store.user(alice.id))?.disabledAt, null);
      await store.close();
    });

    it('keeps sessions until deleted or expired', async () => {
      const under = await newStore();
      const { store } = under;
      const alice = await newUser(under, 'alice');
      const session = (id: string, expiresAt: number) => ({ id, userId: alice.id, tokenHash: Buffer.from('h'), sealedKey: Buffer.from('k'), createdAt: 1, expiresAt });
      await store.createSession(session('a', 100));
      await store.createSession(session('b', 200));
      await store.createSession(session('c', 300));
      assert.deepEqual(await store.session('a'), session('a', 100));
      assert.equal(await store.deleteExpiredSessions(150), 1);
      assert.equal(await store.session('a'), undefined);
      await store.deleteUserSessions(alice.id, 'c');
      assert.equal(await store.session('b'), undefined);
      assert.ok(await store.session('c'));
      await store.deleteSession('c');
      assert.equal(await store.session('c'), undefined);
      await store.close();
    });

    it('scopes every conversation operation to its owner', async () => {
      const under = await newStore();
      const { store } = under;
      const alice = await newUser(under, 'alice');
      const bob = await newUser(under, 'bob');
      assert.equal(await store.putConversation(conversation('c1', alice.id, 10)), true);
      assert.equal(await store.putConversation(conversation('c2', alice.id, 20)), true);
      assert.equal(await store.putConversation({ ...conversation('c1', bob.id, 30), body: Buffer.from('stolen') }), false, 'bob cannot overwrite alice\'s id');
      assert.equal((await store.conversation(alice.id, 'c1'))?.body.toString(), 'b-c1');
      assert.equal(await store.conversation(bob.id, 'c1'), undefined);
      assert.deepEqual((await store.listConversations(alice.id)).map((c) => c.id), ['c2', 'c1']);
      assert.deepEqual(await store.listConversations(bob.id), []);
      assert.equal(await store.renameConversation(bob.id, 'c1', Buffer.from('x'), 40), false);
      assert.equal(await store.deleteConversation(bob.id, 'c1'), false);
      assert.equal(await store.renameConversation(alice.id, 'c1', Buffer.from('renamed'), 40), true);
      assert.deepEqual((await store.allConversations(alice.id)).map((c) => [c.id, c.title.toString()]), [['c1', 'renamed'], ['c2', 't-c2']]);
      assert.equal(await store.deleteConversation(alice.id, 'c1'), true);
      assert.deepEqual((await store.listConversations(alice.id)).map((c) => c.id), ['c2']);
      await store.close();
    });

    it('deletes conversations past the owner\'s retention, capped by the global maximum', async () => {
      const under = await newStore();
      const { store } = under;
      const keeper = await newUser(under, 'keeper');
      const weekly = await newUser(under, 'weekly', { retentionDays: 7 });
      const now = 100 * DAY_MS;
      for (const [user, age] of [[keeper, 40], [keeper, 10], [weekly, 8], [weekly, 2]] as const) {
        await store.putConversation(conversation(`${user.username}-${age}`, user.id, now - age * DAY_MS));
      }
      assert.equal(await store.deleteExpiredConversations(now, null), 1, 'only weekly\'s 8-day-old one');
      assert.equal(await store.deleteExpiredConversations(now, 30), 1, 'the global maximum removes keeper\'s 40-day-old one');
      assert.deepEqual((await store.listConversations(keeper.id)).map((c) => c.id), ['keeper-10']);
      assert.deepEqual((await store.listConversations(weekly.id)).map((c) => c.id), ['weekly-2']);
      await store.close();
    });

    it('deletes a user with every session and conversation', async () => {
      const under = await newStore();
      const { store } = under;
      const alice = await newUser(under, 'alice');
      await store.createSession({ id: 's', userId: alice.id, tokenHash: Buffer.from('h'), sealedKey: Buffer.from('k'), createdAt: 1, expiresAt: Date.now() + DAY_MS });
      await store.putConversation(conversation('c', alice.id, 1));
      assert.equal(await store.deleteUser(alice.id), true);
      assert.equal(await store.user(alice.id), undefined);
      assert.equal(await store.session('s'), undefined);
      assert.equal(await store.conversation(alice.id, 'c'), undefined);
      assert.equal(await store.countUsers(), 0);
      await store.close();
    });

    it('keeps settings by key', async () => {
      const { store } = await newStore();
      assert.equal(await store.setting('x'), undefined);
      await store.setSetting('x', '1');
      await store.setSetting('x', '2');
      assert.equal(await store.setting('x'), '2');
      await store.close();
    });
  });
}
