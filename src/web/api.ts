/** The app's calls to its own server: JSON in and out, the session's CSRF token on every request. */
import type { ChatMessage, Conversation, ConversationItem } from '../platform/conversation.ts';

export type { ChatMessage, Conversation, ConversationItem };

export interface User {
  username: string;
  is_admin: boolean;
  retention_days: number | null;
  created_at: number;
}

export interface AdminSettings {
  /** Null follows the server's policy; is_sign_up_open_now says what that means now. */
  is_sign_up_open: boolean | null;
  is_sign_up_open_now: boolean;
  max_retention_days: number | null;
}

export interface Session {
  user: User;
  csrf_token: string;
  settings?: AdminSettings | null;
  recovery_key?: string;
}

export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
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
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return new HttpError(response.status, body?.error?.message ?? response.statusText);
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
  setAdminSettings: (settings: Partial<Pick<AdminSettings, 'is_sign_up_open' | 'max_retention_days'>>) => call<AdminSettings>('PUT', '/app/api/admin/settings', settings),
  conversations: (q = '') => call<{ data: ConversationItem[] }>('GET', `/app/api/conversations${q ? `?q=${encodeURIComponent(q)}` : ''}`),
  conversation: (id: string) => call<Conversation>('GET', `/app/api/conversations/${id}`),
  save: (id: string, title: string, messages: ChatMessage[]) => call<ConversationItem>('PUT', `/app/api/conversations/${id}`, { title, messages }),
  rename: (id: string, title: string) => call<unknown>('PATCH', `/app/api/conversations/${id}`, { title }),
  remove: (id: string) => call<unknown>('DELETE', `/app/api/conversations/${id}`),
  models: () => call<{ data: Array<{ id: string }> }>('GET', '/v1/models'),
};
