/** The app's calls to its own server: JSON in and out, the session's CSRF token on every request. */
import type { Attachment, ChatMessage, Conversation, ConversationItem, ConversationSettings, MessageUsage } from '../platform/conversation.ts';

export type { Attachment, ChatMessage, Conversation, ConversationItem, ConversationSettings, MessageUsage };

export interface User {
  username: string;
  is_admin: boolean;
  retention_days: number | null;
  created_at: number;
}

export interface Limits {
  rpm: number | null;
  tpm: number | null;
  max_concurrency: number | null;
  budget_tokens: number | null;
}

export interface AdminSettings {
  /** Null follows the server's policy; is_sign_up_open_now says what that means now. */
  is_sign_up_open: boolean | null;
  is_sign_up_open_now: boolean;
  max_retention_days: number | null;
  default_limits: Limits;
}

export interface Account {
  username: string;
  is_admin: boolean;
  is_disabled: boolean;
  created_at: string;
  limits: Limits | null;
  spent_tokens: number;
  usage: { requests: number; prompt_tokens: number; prompt_cache_hit_tokens: number; completion_tokens: number; reasoning_tokens: number; cost: number };
}

/** A served model once, with the names that reach it. */
export interface ModelEntry {
  id: string;
  /** What to send as `model`. */
  request_name: string;
  aliases: Array<{ name: string; thinking: boolean | null }>;
  thinking: boolean;
  tools: boolean;
  context_length: number;
  state: 'unloaded' | 'loading' | 'loaded';
}

export interface Session {
  user: User;
  csrf_token: string;
  settings?: AdminSettings | null;
  recovery_key?: string;
}

export class HttpError extends Error {
  readonly status: number;
  /** The error body's code, e.g. context_length_exceeded. */
  readonly code: string | null;

  constructor(status: number, message: string, code: string | null = null) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken = '';

export function useSession(session: Session | null): void {
  csrfToken = session?.csrf_token ?? '';
}

export function headers(hasBody: boolean): Record<string, string> {
  return { 'x-csrf-token': csrfToken, ...(hasBody ? { 'content-type': 'application/json' } : {}) };
}

export async function errorOf(response: Response): Promise<HttpError> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string; code?: string | null } } | null;
  return new HttpError(response.status, body?.error?.message ?? response.statusText, body?.error?.code ?? null);
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

export const api = {
  status: () => call<{ is_sign_up_open: boolean }>('GET', '/app/api/status'),
  session: () => call<Session>('GET', '/app/api/session'),
  signUp: (username: string, password: string) => call<Session>('POST', '/app/api/signup', { username, password }),
  signIn: (username: string, password: string) => call<Session>('POST', '/app/api/signin', { username, password }),
  recover: (username: string, recoveryKey: string, newPassword: string) => call<Session>('POST', '/app/api/recover', { username, recovery_key: recoveryKey, new_password: newPassword }),
  signOut: () => call<unknown>('POST', '/app/api/signout', {}),
  changePassword: (currentPassword: string, newPassword: string) => call<unknown>('POST', '/app/api/password', { current_password: currentPassword, new_password: newPassword }),
  deleteAccount: (password: string) => call<unknown>('POST', '/app/api/account/delete', { password }),
  setRetention: (retentionDays: number | null) => call<unknown>('PUT', '/app/api/settings', { retention_days: retentionDays }),
  setAdminSettings: (settings: Partial<Pick<AdminSettings, 'is_sign_up_open' | 'max_retention_days' | 'default_limits'>>) => call<AdminSettings>('PUT', '/app/api/admin/settings', settings),
  adminSettings: () => call<AdminSettings>('GET', '/app/api/admin/settings'),
  accounts: () => call<{ data: Account[] }>('GET', '/app/api/admin/accounts'),
  setDisabled: (username: string, isDisabled: boolean) => call<Account>('POST', `/app/api/admin/accounts/${encodeURIComponent(username)}/${isDisabled ? 'disable' : 'enable'}`, {}),
  setLimits: (username: string, limits: Partial<Limits>) => call<Account>('PUT', `/app/api/admin/accounts/${encodeURIComponent(username)}/limits`, limits),
  deleteAccountAsAdmin: (username: string) => call<unknown>('DELETE', `/app/api/admin/accounts/${encodeURIComponent(username)}`),
  conversations: (q = '') => call<{ data: ConversationItem[] }>('GET', `/app/api/conversations${q ? `?q=${encodeURIComponent(q)}` : ''}`),
  conversation: (id: string) => call<Conversation>('GET', `/app/api/conversations/${id}`),
  save: (id: string, title: string, messages: ChatMessage[], settings: ConversationSettings) => call<ConversationItem>('PUT', `/app/api/conversations/${id}`, { title, messages, ...settings }),
  rename: (id: string, title: string) => call<unknown>('PATCH', `/app/api/conversations/${id}`, { title }),
  remove: (id: string) => call<unknown>('DELETE', `/app/api/conversations/${id}`),
  models: () => call<{ data: ModelEntry[] }>('GET', '/app/api/models'),
  tokens: (model: string, text: string) => call<{ tokens: number; context_length: number }>('POST', '/app/api/tokens', { model, text }),
};
