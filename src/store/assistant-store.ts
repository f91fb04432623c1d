/**
 * @module store/assistant-store
 * What the assistant app needs from storage: users with their wrapped data keys, sessions, conversations
 * and the app's own settings. Conversation titles and bodies arrive here already encrypted: the store
 * only ever sees ciphertext, and every conversation query is scoped by the owner's user id, so one
 * user's rows cannot be named through another's. Times are Unix milliseconds.
 */

export interface UserRecord {
  id: number;
  username: string;
  tenantId: number;
  /** The API key record the user's chat requests are metered and limited under; its secret exists nowhere. */
  keyId: string;
  isAdmin: boolean;
  passwordSalt: Buffer;
  passwordVerifier: Buffer;
  /** The user's data key, sealed under the key derived from the password. */
  keyByPassword: Buffer;
  /** The same data key, sealed under the recovery key shown once at sign-up. */
  keyByRecovery: Buffer;
  /** Conversations older than this are deleted; null keeps them (up to the administrator's maximum). */
  retentionDays: number | null;
  createdAt: number;
  /** Set while the administrator has disabled the account: it cannot sign in, and has no sessions. */
  disabledAt: number | null;
}

export type NewUser = Omit<UserRecord, 'id' | 'disabledAt'>;

export interface PasswordChange {
  passwordSalt: Buffer;
  passwordVerifier: Buffer;
  keyByPassword: Buffer;
}

export interface SessionRecord {
  id: string;
  userId: number;
  tokenHash: Buffer;
  /** The user's data key, sealed under a secret that only the session cookie holds. */
  sealedKey: Buffer;
  createdAt: number;
  expiresAt: number;
}

export interface ConversationRecord {
  id: string;
  userId: number;
  title: Buffer;
  body: Buffer;
  createdAt: number;
  updatedAt: number;
}

export type ConversationSummary = Omit<ConversationRecord, 'body'>;

export interface AssistantStore {
  createUser(user: NewUser): Promise<UserRecord>;
  user(id: number): Promise<UserRecord | undefined>;
  userByName(username: string): Promise<UserRecord | undefined>;
  countUsers(): Promise<number>;
  /** Every user, oldest first. */
  listUsers(): Promise<UserRecord[]>;
  /** Disables the account at `at` (and drops its sessions), or enables it again with null. */
  setDisabled(userId: number, at: number | null): Promise<void>;
  changePassword(userId: number, change: PasswordChange): Promise<void>;
  setRetention(userId: number, days: number | null): Promise<void>;
  /** Removes the user with their sessions and conversations. */
  deleteUser(userId: number): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  session(id: string): Promise<SessionRecord | undefined>;
  deleteSession(id: string): Promise<void>;
  /** Every session of the user but `exceptId` (a password change signs out the other devices). */
  deleteUserSessions(userId: number, exceptId: string | null): Promise<void>;
  deleteExpiredSessions(now: number): Promise<number>;

  /** Inserts or replaces; false when the id belongs to another user (nothing is written then). */
  putConversation(conversation: ConversationRecord): Promise<boolean>;
  conversation(userId: number, id: string): Promise<ConversationRecord | undefined>;
  /** Newest first. */
  listConversations(userId: number): Promise<ConversationSummary[]>;
  /** Newest first, with bodies: for search and export, which decrypt in memory. */
  allConversations(userId: number): Promise<ConversationRecord[]>;
  renameConversation(userId: number, id: string, title: Buffer, updatedAt: number): Promise<boolean>;
  deleteConversation(userId: number, id: string): Promise<boolean>;
  /**
   * Deletes conversations not updated within their owner's retention period, capped by `maxDays`
   * (the administrator's global maximum; null for none). Returns how many were deleted.
   */
  deleteExpiredConversations(now: number, maxDays: number | null): Promise<number>;

  setting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}
