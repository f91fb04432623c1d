/**
 * @module platform/history
 * A signed-in user's conversations: encrypted with their data key on the way into the store and
 * decrypted on the way out, in memory only. Search decrypts that one user's conversations and matches
 * them here, since the store holds nothing it could match against.
 */
import { PlatformError } from './errors.ts';
import { openText, sealText } from './vault.ts';
import type { SignedIn } from './accounts.ts';
import type { ChatMessage, Conversation, ConversationItem, ConversationSettings } from './conversation.ts';
import type { AssistantStore, ConversationRecord, ConversationSummary } from '../store/assistant-store.ts';

const aad = (userId: number, id: string, field: 'title' | 'body') => `conversation:${userId}:${id}:${field}`;

export class History {
  readonly #store: AssistantStore;

  constructor(store: AssistantStore) {
    this.#store = store;
  }

  async list(who: SignedIn, query?: string): Promise<ConversationItem[]> {
    const needle = query?.trim().toLocaleLowerCase();
    if (!needle) return (await this.#store.listConversations(who.user.id)).map((row) => this.#item(who, row));
    return (await this.#store.allConversations(who.user.id))
      .map((row) => this.#conversation(who, row))
      .filter((c) => [c.title, ...c.messages.flatMap((m) => [m.content, m.reasoning ?? '', ...(m.attachments ?? []).map((a) => a.name)])].some((text) => text.toLocaleLowerCase().includes(needle)))
      .map(({ id, title, created_at, updated_at }) => ({ id, title, created_at, updated_at }));
  }

  async get(who: SignedIn, id: string): Promise<Conversation> {
    const row = await this.#store.conversation(who.user.id, id);
    if (!row) throw new PlatformError('not_found', `no conversation '${id}'`);
    return this.#conversation(who, row);
  }

  /**
   * Creates or replaces the conversation; an id another user holds is answered as not found. Its settings
   * (system prompt, temperature) and attachments are sealed in the body with the messages.
   */
  async save(who: SignedIn, id: string, title: string, messages: ChatMessage[], settings: ConversationSettings = {}): Promise<ConversationItem> {
    const now = Date.now();
    const existing = await this.#store.conversation(who.user.id, id);
    const createdAt = existing?.createdAt ?? now;
    const saved = await this.#store.putConversation({
      id, userId: who.user.id, createdAt, updatedAt: now,
      title: sealText(who.dataKey, title, aad(who.user.id, id, 'title')),
      body: sealText(who.dataKey, JSON.stringify({ ...settings, messages }), aad(who.user.id, id, 'body')),
    });
    if (!saved) throw new PlatformError('not_found', `no conversation '${id}'`);
    return { id, title, created_at: createdAt, updated_at: now };
  }

  async rename(who: SignedIn, id: string, title: string): Promise<void> {
    if (!(await this.#store.renameConversation(who.user.id, id, sealText(who.dataKey, title, aad(who.user.id, id, 'title')), Date.now()))) {
      throw new PlatformError('not_found', `no conversation '${id}'`);
    }
  }

  async delete(who: SignedIn, id: string): Promise<void> {
    if (!(await this.#store.deleteConversation(who.user.id, id))) throw new PlatformError('not_found', `no conversation '${id}'`);
  }

  async all(who: SignedIn): Promise<Conversation[]> {
    return (await this.#store.allConversations(who.user.id)).map((row) => this.#conversation(who, row));
  }

  #item(who: SignedIn, row: ConversationSummary): ConversationItem {
    return { id: row.id, title: openText(who.dataKey, row.title, aad(who.user.id, row.id, 'title')), created_at: row.createdAt, updated_at: row.updatedAt };
  }

  #conversation(who: SignedIn, row: ConversationRecord): Conversation {
    type Stored = Array<ChatMessage & { reasoningMs?: number }>;
    const body = JSON.parse(openText(who.dataKey, row.body, aad(who.user.id, row.id, 'body'))) as Stored | (ConversationSettings & { messages: Stored });
    // Bodies saved before conversations had settings are the bare list of messages.
    const { messages, ...settings } = Array.isArray(body) ? { messages: body } : body;
    // Conversations saved before the API was all snake_case hold reasoningMs.
    return { ...this.#item(who, row), ...settings, messages: messages.map(({ reasoningMs, ...message }) => (reasoningMs === undefined ? message : { ...message, reasoning_ms: reasoningMs })) };
  }
}
