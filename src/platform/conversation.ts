/**
 * @module platform/conversation
 * The shape of a conversation as its owner sees it, decrypted. Types only, with no imports, so the web
 * app's client shares them without pulling server code into the browser build.
 */

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** The model's reasoning (reasoning_content) before this answer. */
  reasoning?: string;
  reasoningMs?: number;
  model?: string;
}

export interface ConversationItem {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
}

export interface Conversation extends ConversationItem {
  messages: ChatMessage[];
}
