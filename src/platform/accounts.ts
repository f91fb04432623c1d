/**
 * @module platform/accounts
 * The assistant app's accounts. Each user gets a tenant and an API key record of their own (created
 * through PlatformAdmin, so it is audited and carries limits like any key); the key's secret is dropped
 * at once, because the app authenticates by session. Signing in opens the user's data key with the
 * password and reseals it under a fresh per-session secret that is returned in the cookie value and
 * never stored, so history can be decrypted only while a session of that user presents its cookie.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { UNLIMITED_KEY, type PlatformAdmin } from './admin.ts';
import { checkRetentionDays, type AppSettings } from './app-settings.ts';
import { PlatformError } from './errors.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { derivePasswordKeys, expandKey, isSameSecret, open, randomKey, seal, sha256 } from './vault.ts';
import type { AssistantStore, UserRecord } from '../store/assistant-store.ts';

export const SESSION_TTL_MS = 30 * 86_400_000;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
const MIN_PASSWORD_CHARS = 8;
const RECOVERY_PREFIX = 'rk-';

/** A signed-in request: the user, their session, and the data key opened for this request only. */
export interface SignedIn {
  user: UserRecord;
  sessionId: string;
  dataKey: Buffer;
  csrfToken: string;
}

/** What the client receives on sign-in: the cookie value (HttpOnly) and the CSRF token for headers. */
export interface IssuedSession {
  cookieValue: string;
  csrfToken: string;
  user: UserRecord;
}

const passwordAad = (username: string) => `user:${username}:key-by-password`;
const recoveryAad = (username: string) => `user:${username}:key-by-recovery`;
const sessionAad = (sessionId: string) => `session:${sessionId}:data-key`;

/** Bound to the session secret, which only the cookie holds: a cross-site page can neither read nor forge it. */
const csrfTokenOf = (sessionSecret: Buffer) => createHmac('sha256', sessionSecret).update('seekstack csrf').digest('base64url');

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_CHARS) throw new PlatformError('invalid', `a password needs at least ${MIN_PASSWORD_CHARS} characters`);
}

function checkNewAccount(username: string, password: string): void {
  if (!USERNAME.test(username)) throw new PlatformError('invalid', "a username is 1–48 letters, digits, '.', '_' or '-', starting with a letter or digit");
  checkPassword(password);
}

/** Told only after the password was right, so a disabled account's name is not revealed to a guesser. */
function refuseDisabled(user: UserRecord): void {
  if (user.disabledAt !== null) throw new PlatformError('permission_denied', 'this account is disabled; ask the server\'s administrator');
}

/** What decides whether strangers are kept out: the gate (keys required, or listening beyond loopback). */
export interface AccessPolicy {
  isClosed(): Promise<boolean>;
}

export class Accounts {
  readonly #store: AssistantStore;
  readonly #admin: PlatformAdmin;
  readonly #settings: AppSettings;
  readonly #throttle: LoginThrottle;
  readonly #policy: AccessPolicy;

  constructor(store: AssistantStore, admin: PlatformAdmin, settings: AppSettings, throttle: LoginThrottle, policy: AccessPolicy) {
    this.#store = store;
    this.#admin = admin;
    this.#settings = settings;
    this.#throttle = throttle;
    this.#policy = policy;
  }

  /**
   * Whether a visitor may create an account. A server closed to strangers (keys required, or reachable
   * from the network) admits nobody unless the administrator opened sign-up, and never makes its first
   * visitor the administrator: the operator creates that account (`seekstack users create --admin`). A
   * loopback server without keys is one person's: its first visitor becomes the administrator.
   */
  async isSignUpOpen(): Promise<boolean> {
    const isClosed = await this.#policy.isClosed();
    if ((await this.#store.countUsers()) === 0) return !isClosed;
    return (await this.#settings.get()).isSignUpOpen ?? !isClosed;
  }

  /** A visitor's sign-up, as the policy allows. Returns the session and the recovery key, shown this once and never stored. */
  async signUp(username: string, password: string): Promise<{ session: IssuedSession; recoveryKey: string }> {
    checkNewAccount(username, password);
    if (!(await this.isSignUpOpen())) {
      const why = (await this.#store.countUsers()) === 0
        ? 'this server has no administrator yet: its operator creates one with `seekstack users create <name> --admin`'
        : 'sign-up is closed on this server; ask its administrator for an account';
      throw new PlatformError('permission_denied', why);
    }
    const { user, dataKey, recoveryKey } = await this.createAccount(username, password, { isAdmin: (await this.#store.countUsers()) === 0, actor: `app:${username}` });
    return { session: await this.#issue(user, dataKey), recoveryKey };
  }

  /**
   * An account with its own tenant and session-only key, limited as the administrator's defaults say; the
   * operator's CLI calls this directly. The recovery key is shown this once and never stored.
   */
  async createAccount(username: string, password: string, options: { isAdmin: boolean; actor: string }): Promise<{ user: UserRecord; dataKey: Buffer; recoveryKey: string }> {
    checkNewAccount(username, password);
    if (await this.#store.userByName(username)) throw new PlatformError('conflict', `the username '${username}' is taken`);
    const { actor, isAdmin } = options;
    const tenant = await this.#admin.createTenant(`app.${username}.${randomBytes(4).toString('hex')}`, actor);
    const { key } = await this.#admin.createKey(
      { ...UNLIMITED_KEY, ...(await this.#settings.get()).defaultLimits, tenant: tenant.name, name: 'assistant app', isSessionOnly: true },
      actor,
    );
    const dataKey = randomKey();
    const recoverySecret = randomBytes(32);
    const passwordSalt = randomBytes(16);
    const { verifier, sealingKey } = await derivePasswordKeys(password, passwordSalt);
    const user = await this.#store.createUser({
      username, tenantId: tenant.id, keyId: key.id, isAdmin, passwordSalt, passwordVerifier: verifier,
      keyByPassword: seal(sealingKey, dataKey, passwordAad(username)),
      keyByRecovery: seal(expandKey(recoverySecret, 'recovery'), dataKey, recoveryAad(username)),
      retentionDays: null, createdAt: Date.now(),
    });
    return { user, dataKey, recoveryKey: RECOVERY_PREFIX + recoverySecret.toString('base64url') };
  }

  async signIn(username: string, password: string, address: string): Promise<IssuedSession> {
    const { user, dataKey } = await this.#unlock(username, password, address);
    return this.#issue(user, dataKey);
  }

  /** The signed-in state for a cookie value, or null when it names no live session or does not match it. */
  async resume(cookieValue: string | undefined): Promise<SignedIn | null> {
    const [sessionId, secretText] = (cookieValue ?? '').split('.');
    if (!sessionId || !secretText) return null;
    const session = await this.#store.session(sessionId);
    const secret = Buffer.from(secretText, 'base64url');
    if (!session || session.expiresAt <= Date.now() || !isSameSecret(sha256(secret), session.tokenHash)) return null;
    const dataKey = open(expandKey(secret, 'session'), session.sealedKey, sessionAad(sessionId));
    const user = dataKey && (await this.#store.user(session.userId));
    if (!dataKey || !user || user.disabledAt !== null) return null;
    return { user, sessionId, dataKey, csrfToken: csrfTokenOf(secret) };
  }

  async signOut(signedIn: SignedIn): Promise<void> {
    await this.#store.deleteSession(signedIn.sessionId);
  }

  /** Reseals the data key under the new password and signs out every other session. */
  async changePassword(signedIn: SignedIn, currentPassword: string, newPassword: string, address: string): Promise<void> {
    checkPassword(newPassword);
    const { user, dataKey } = await this.#unlock(signedIn.user.username, currentPassword, address);
    await this.#setPassword(user, dataKey, newPassword);
    await this.#store.deleteUserSessions(user.id, signedIn.sessionId);
  }

  /** A forgotten password: the recovery key opens the data key, which is resealed under a new password. */
  async recover(username: string, recoveryKey: string, newPassword: string, address: string): Promise<IssuedSession> {
    checkPassword(newPassword);
    this.#throttle.check(username, address);
    const user = await this.#store.userByName(username);
    const secret = recoveryKey.startsWith(RECOVERY_PREFIX) ? Buffer.from(recoveryKey.slice(RECOVERY_PREFIX.length), 'base64url') : Buffer.alloc(0);
    const dataKey = user && secret.length === 32 ? open(expandKey(secret, 'recovery'), user.keyByRecovery, recoveryAad(user.username)) : null;
    if (!user || !dataKey) {
      this.#throttle.fail(username, address);
      throw new PlatformError('authentication_failed', 'the username or recovery key is wrong');
    }
    this.#throttle.succeed(username);
    refuseDisabled(user);
    await this.#setPassword(user, dataKey, newPassword);
    await this.#store.deleteUserSessions(user.id, null);
    return this.#issue(user, dataKey);
  }

  /** Conversations not updated for this many days are deleted (null keeps them, up to the administrator's maximum). */
  async setRetention(signedIn: SignedIn, days: number | null): Promise<void> {
    checkRetentionDays(days);
    await this.#store.setRetention(signedIn.user.id, days);
  }

  /** Destroys the sealed keys with every row of the user, and revokes the user's API key. */
  async deleteAccount(signedIn: SignedIn, password: string, address: string): Promise<void> {
    const { user } = await this.#unlock(signedIn.user.username, password, address);
    await this.#store.deleteUser(user.id);
    await this.#admin.revokeKey(user.keyId, `app:${user.username}`);
  }

  async #unlock(username: string, password: string, address: string): Promise<{ user: UserRecord; dataKey: Buffer }> {
    this.#throttle.check(username, address);
    const user = await this.#store.userByName(username);
    // An unknown name costs the same scrypt run as a known one, so timing does not tell which names exist.
    const keys = await derivePasswordKeys(password, user?.passwordSalt ?? randomBytes(16));
    const dataKey = user && isSameSecret(keys.verifier, user.passwordVerifier) ? open(keys.sealingKey, user.keyByPassword, passwordAad(user.username)) : null;
    if (!user || !dataKey) {
      this.#throttle.fail(username, address);
      throw new PlatformError('authentication_failed', 'the username or password is wrong');
    }
    this.#throttle.succeed(username);
    refuseDisabled(user);
    return { user, dataKey };
  }

  async #setPassword(user: UserRecord, dataKey: Buffer, password: string): Promise<void> {
    const passwordSalt = randomBytes(16);
    const { verifier, sealingKey } = await derivePasswordKeys(password, passwordSalt);
    await this.#store.changePassword(user.id, { passwordSalt, passwordVerifier: verifier, keyByPassword: seal(sealingKey, dataKey, passwordAad(user.username)) });
  }

  async #issue(user: UserRecord, dataKey: Buffer): Promise<IssuedSession> {
    const sessionId = randomBytes(16).toString('hex');
    const secret = randomBytes(32);
    const now = Date.now();
    await this.#store.createSession({
      id: sessionId, userId: user.id, tokenHash: sha256(secret), sealedKey: seal(expandKey(secret, 'session'), dataKey, sessionAad(sessionId)),
      createdAt: now, expiresAt: now + SESSION_TTL_MS,
    });
    return { cookieValue: `${sessionId}.${secret.toString('base64url')}`, csrfToken: csrfTokenOf(secret), user };
  }
}
