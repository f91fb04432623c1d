/**
 * @module platform/conversation
 * The shape of a conversation as its owner sees it, decrypted. Types only, with no imports, so the web
 * app's client shares them without pulling server code into the browser build. Field names are the API's
 * (snake_case), since these are what the app API sends and takes.
 */

/** A file read into a user message: the model sees its text; the file itself is not kept. */
export interface Attachment {
  name: string;
  /** The MIME type the browser gave, or what the name implies. */
  type: string;
  size_bytes: number;
  text: string;
  /** Its text's length under the tokenizer of the model it was counted for. */
  tokens: number;
}

/** What an answer cost, as the API's usage reported it. */
export interface MessageUsage {
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens?: number;
  prompt_cache_hit_tokens?: number;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** The model's reasoning (reasoning_content) before this answer. */
  reasoning?: string;
  reasoning_ms?: number;
  model?: string;
  attachments?: Attachment[];
  /** The reader stopped this answer before the model finished it. */
  stopped?: boolean;
  usage?: MessageUsage;
  /** From the request to the answer's last token. */
  generation_ms?: number;
}

/** How every request of the conversation is made; unset fields take the server's defaults. */
export interface ConversationSettings {
  system_prompt?: string;
  temperature?: number;
}

export interface ConversationItem {
  id: string;
  title: string;
  created_at: number;
  updated_at: number;
}

export interface Conversation extends ConversationItem, ConversationSettings {
  messages: ChatMessage[];
}
