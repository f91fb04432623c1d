/**
 * @module platform/conversation
 * The shape of a conversation as its owner sees it, decrypted. Types only, with no imports, so the web
 * app's client shares them without pulling server code into the browser build. Field names are the API's
 * (snake_case), since these are what the app API sends and takes.
 */

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** The model's reasoning (reasoning_content) before this answer. */
  reasoning?: string;
  reasoning_ms?: number;
  model?: string;
}

export interface ConversationItem {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
}

export interface Conversation extends ConversationItem {
  messages: ChatMessage[];
}
