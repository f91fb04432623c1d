/**
 * @module store/sqlite-assistant-store
 * The AssistantStore over the embedded SQLite database, on its own connection to the platform's file.
 * `secure_delete` overwrites deleted rows in place, so a deleted conversation or account leaves no
 * ciphertext behind in free pages either.
 */
import type { AssistantStore, NewUser } from './assistant-store.ts';
import { conversationRecord, conversationSummary, sessionRecord, userRecord, type Row } from './rows.ts';
import type { SqliteDatabase } from './sqlite.ts';

const DAY_MS = 86_400_000;

export function createSqliteAssistantStore(db: SqliteDatabase): AssistantStore {
  db.pragma('secure_delete = ON');
  const insertUser = db.prepare(`INSERT INTO app_users (username, tenant_id, key_id, is_admin, password_salt, password_verifier,
    key_by_password, key_by_recovery, retention_days, created_at) VALUES (@username, @tenantId, @keyId, @isAdmin, @passwordSalt,
    @passwordVerifier, @keyByPassword, @keyByRecovery, @retentionDays, @createdAt)`);
  const userById = db.prepare('SELECT * FROM app_users WHERE id = ?');
  const userByName = db.prepare('SELECT * FROM app_users WHERE username = ?');
  const upsertConversation = db.prepare(`INSERT INTO app_conversations (id, user_id, title, body, created_at, updated_at)
    VALUES (@id, @userId, @title, @body, @createdAt, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, updated_at = excluded.updated_at
    WHERE app_conversations.user_id = excluded.user_id`);
  // MIN(a, NULL) is NULL in SQLite, so COALESCE falls back to whichever limit is set.
  const deleteExpired = db.prepare(`DELETE FROM app_conversations WHERE id IN (
    SELECT c.id FROM app_conversations c JOIN app_users u ON u.id = c.user_id
    WHERE c.updated_at < @now - COALESCE(MIN(u.retention_days, @maxDays), u.retention_days, @maxDays) * ${DAY_MS})`);

  return {
    async createUser(user: NewUser) {
      const { lastInsertRowid } = insertUser.run({ ...user, isAdmin: user.isAdmin ? 1 : 0 });
      return { ...user, id: Number(lastInsertRowid), disabledAt: null };
    },
    async user(id) {
      const row = userById.get(id) as Row | undefined;
      return row && userRecord(row);
    },
    async userByName(username) {
      const row = userByName.get(username) as Row | undefined;
      return row && userRecord(row);
    },
    async countUsers() {
      return (db.prepare('SELECT COUNT(*) AS n FROM app_users').get() as { n: number }).n;
    },
    async listUsers() {
      return (db.prepare('SELECT * FROM app_users ORDER BY id').all() as Row[]).map(userRecord);
    },
    async setDisabled(userId, at) {
      db.transaction(() => {
        db.prepare('UPDATE app_users SET disabled_at = ? WHERE id = ?').run(at, userId);
        if (at !== null) db.prepare('DELETE FROM app_sessions WHERE user_id = ?').run(userId);
      }).immediate();
    },
    async changePassword(userId, change) {
      db.prepare('UPDATE app_users SET password_salt = @passwordSalt, password_verifier = @passwordVerifier, key_by_password = @keyByPassword WHERE id = @userId')
        .run({ ...change, userId });
    },
    async setRetention(userId, days) {
      db.prepare('UPDATE app_users SET retention_days = ? WHERE id = ?').run(days, userId);
    },
    async deleteUser(userId) {
      return db.prepare('DELETE FROM app_users WHERE id = ?').run(userId).changes > 0;
    },

    async createSession(session) {
      db.prepare(`INSERT INTO app_sessions (id, user_id, token_hash, sealed_key, created_at, expires_at)
        VALUES (@id, @userId, @tokenHash, @sealedKey, @createdAt, @expiresAt)`).run(session);
    },
    async session(id) {
      const row = db.prepare('SELECT * FROM app_sessions WHERE id = ?').get(id) as Row | undefined;
      return row && sessionRecord(row);
    },
    async deleteSession(id) {
      db.prepare('DELETE FROM app_sessions WHERE id = ?').run(id);
    },
    async deleteUserSessions(userId, exceptId) {
      db.prepare('DELETE FROM app_sessions WHERE user_id = ? AND id IS NOT ?').run(userId, exceptId);
    },
    async deleteExpiredSessions(now) {
      return db.prepare('DELETE FROM app_sessions WHERE expires_at <= ?').run(now).changes;
    },

    async putConversation(record) {
      return upsertConversation.run(record).changes > 0;
    },
    async conversation(userId, id) {
      const row = db.prepare('SELECT * FROM app_conversations WHERE id = ? AND user_id = ?').get(id, userId) as Row | undefined;
      return row && conversationRecord(row);
    },
    async listConversations(userId) {
      const rows = db.prepare('SELECT id, user_id, title, created_at, updated_at FROM app_conversations WHERE user_id = ? ORDER BY updated_at DESC, id').all(userId);
      return (rows as Row[]).map(conversationSummary);
    },
    async allConversations(userId) {
      const rows = db.prepare('SELECT * FROM app_conversations WHERE user_id = ? ORDER BY updated_at DESC, id').all(userId);
      return (rows as Row[]).map(conversationRecord);
    },
    async renameConversation(userId, id, title, updatedAt) {
      return db.prepare('UPDATE app_conversations SET title = ?, updated_at = ? WHERE id = ? AND user_id = ?').run(title, updatedAt, id, userId).changes > 0;
    },
    async deleteConversation(userId, id) {
      return db.prepare('DELETE FROM app_conversations WHERE id = ? AND user_id = ?').run(id, userId).changes > 0;
    },
    async deleteExpiredConversations(now, maxDays) {
      return deleteExpired.run({ now, maxDays }).changes;
    },

    async setting(key) {
      return (db.prepare('SELECT value FROM app_settings WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    },
    async setSetting(key, value) {
      db.prepare('INSERT INTO app_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
    },
    async close() {
      db.close();
    },
  };
}
