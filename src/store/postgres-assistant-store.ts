/**
 * @module store/postgres-assistant-store
 * The AssistantStore over PostgreSQL: app accounts, sessions and encrypted conversations shared by every
 * replica, so a session made on one works on all. As in SQLite, the store only ever sees ciphertext, and
 * every conversation query is scoped by its owner.
 */
import type { AssistantStore } from './assistant-store.ts';
import type { PostgresDatabase } from './postgres.ts';
import { conversationRecord, conversationSummary, sessionRecord, userRecord } from './rows.ts';

const DAY_MS = 86_400_000;

export function createPostgresAssistantStore(db: PostgresDatabase): AssistantStore {
  const one = async (text: string, values: unknown[] = []) => (await db.query(text, values)).rows[0];
  const changes = async (text: string, values: unknown[]) => (await db.query(text, values)).rowCount ?? 0;

  return {
    async createUser(user) {
      const row = await one(`INSERT INTO app_users (username, tenant_id, key_id, is_admin, password_salt, password_verifier, key_by_password,
        key_by_recovery, retention_days, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, [
        user.username, user.tenantId, user.keyId, user.isAdmin, user.passwordSalt, user.passwordVerifier, user.keyByPassword, user.keyByRecovery,
        user.retentionDays, user.createdAt,
      ]);
      return { ...user, id: row.id as number, disabledAt: null };
    },
    async user(id) {
      const row = await one('SELECT * FROM app_users WHERE id = $1', [id]);
      return row && userRecord(row);
    },
    async userByName(username) {
      const row = await one('SELECT * FROM app_users WHERE username = $1', [username]);
      return row && userRecord(row);
    },
    async countUsers() {
      return (await one('SELECT COUNT(*) AS n FROM app_users')).n as number;
    },
    async listUsers() {
      return (await db.query('SELECT * FROM app_users ORDER BY id')).rows.map(userRecord);
    },
    async setDisabled(userId, at) {
      await db.transaction(async (client) => {
        await client.query('UPDATE app_users SET disabled_at = $1 WHERE id = $2', [at, userId]);
        if (at !== null) await client.query('DELETE FROM app_sessions WHERE user_id = $1', [userId]);
      });
    },
    async changePassword(userId, change) {
      await db.query('UPDATE app_users SET password_salt = $1, password_verifier = $2, key_by_password = $3 WHERE id = $4',
        [change.passwordSalt, change.passwordVerifier, change.keyByPassword, userId]);
    },
    async setRetention(userId, days) {
      await db.query('UPDATE app_users SET retention_days = $1 WHERE id = $2', [days, userId]);
    },
    async deleteUser(userId) {
      return (await changes('DELETE FROM app_users WHERE id = $1', [userId])) > 0;
    },

    async createSession(session) {
      await db.query('INSERT INTO app_sessions (id, user_id, token_hash, sealed_key, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [session.id, session.userId, session.tokenHash, session.sealedKey, session.createdAt, session.expiresAt]);
    },
    async session(id) {
      const row = await one('SELECT * FROM app_sessions WHERE id = $1', [id]);
      return row && sessionRecord(row);
    },
    async deleteSession(id) {
      await db.query('DELETE FROM app_sessions WHERE id = $1', [id]);
    },
    async deleteUserSessions(userId, exceptId) {
      await db.query('DELETE FROM app_sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2', [userId, exceptId]);
    },
    async deleteExpiredSessions(now) {
      return changes('DELETE FROM app_sessions WHERE expires_at <= $1', [now]);
    },

    async putConversation(record) {
      const written = await changes(`INSERT INTO app_conversations (id, user_id, title, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, updated_at = excluded.updated_at
        WHERE app_conversations.user_id = excluded.user_id`, [record.id, record.userId, record.title, record.body, record.createdAt, record.updatedAt]);
      return written > 0;
    },
    async conversation(userId, id) {
      const row = await one('SELECT * FROM app_conversations WHERE id = $1 AND user_id = $2', [id, userId]);
      return row && conversationRecord(row);
    },
    async listConversations(userId) {
      const rows = await db.query('SELECT id, user_id, title, created_at, updated_at FROM app_conversations WHERE user_id = $1 ORDER BY updated_at DESC, id COLLATE "C"', [userId]);
      return rows.rows.map(conversationSummary);
    },
    async allConversations(userId) {
      const rows = await db.query('SELECT * FROM app_conversations WHERE user_id = $1 ORDER BY updated_at DESC, id COLLATE "C"', [userId]);
      return rows.rows.map(conversationRecord);
    },
    async renameConversation(userId, id, title, updatedAt) {
      return (await changes('UPDATE app_conversations SET title = $1, updated_at = $2 WHERE id = $3 AND user_id = $4', [title, updatedAt, id, userId])) > 0;
    },
    async deleteConversation(userId, id) {
      return (await changes('DELETE FROM app_conversations WHERE id = $1 AND user_id = $2', [id, userId])) > 0;
    },
    async deleteExpiredConversations(now, maxDays) {
      // LEAST ignores NULLs: the shorter of the owner's period and the maximum, whichever is set; neither set keeps it.
      return changes(`DELETE FROM app_conversations c USING app_users u WHERE u.id = c.user_id
        AND c.updated_at < $1::bigint - LEAST(u.retention_days, $2::integer)::bigint * ${DAY_MS}`, [now, maxDays]);
    },

    async setting(key) {
      return (await one('SELECT value FROM app_settings WHERE key = $1', [key]))?.value as string | undefined;
    },
    async setSetting(key, value) {
      await db.query('INSERT INTO app_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
    async close() {
      await db.close();
    },
  };
}
