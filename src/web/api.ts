/** The app's calls to its own server: JSON in and out, the session's CSRF token on every request. */
import type { ChatMessage, Conversation, ConversationItem } from '../platform/conversation.ts';

export type { ChatMessage, Conversation, ConversationItem };

export interface User {
  username: string;
  isAdmin: boolean;
  retentionDays: number | null;
  createdAt: number;
}

export interface AdminSettings {
  isSignUpOpen: boolean;
  maxRetentionDays: number | null;
}

export interface Session {
  user: User;
  csrfToken: string;
  settings?: AdminSettings | null;
  recoveryKey?: string;
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
  csrfToken = session?.csrfToken ?? '';
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
  status: () => call<{ isSignUpOpen: boolean }>('GET', '/app/api/status'),
  session: () => call<Session>('GET', '/app/api/session'),
  signUp: (username: string, password: string) => call<Session>('POST', '/app/api/signup', { username, password }),
  signIn: (username: string, password: string) => call<Session>('POST', '/app/api/signin', { username, password }),
  recover: (username: string, recoveryKey: string, newPassword: string) => call<Session>('POST', '/app/api/recover', { username, recoveryKey, newPassword }),
  signOut: () => call<unknown>('POST', '/app/api/signout', {}),
  changePassword: (currentPassword: string, newPassword: string) => call<unknown>('POST', '/app/api/password', { currentPassword, newPassword }),
  deleteAccount: (password: string) => call<unknown>('POST', '/app/api/account/delete', { password }),
  setRetention: (retentionDays: number | null) => call<unknown>('PUT', '/app/api/settings', { retentionDays }),
  setAdminSettings: (settings: Partial<AdminSettings>) => call<AdminSettings>('PUT', '/app/api/admin/settings', settings),
  conversations: (q = '') => call<{ data: ConversationItem[] }>('GET', `/app/api/conversations${q ? `?q=${encodeURIComponent(q)}` : ''}`),
  conversation: (id: string) => call<Conversation>('GET', `/app/api/conversations/${id}`),
  save: (id: string, title: string, messages: ChatMessage[]) => call<ConversationItem>('PUT', `/app/api/conversations/${id}`, { title, messages }),
  rename: (id: string, title: string) => call<unknown>('PATCH', `/app/api/conversations/${id}`, { title }),
  remove: (id: string) => call<unknown>('DELETE', `/app/api/conversations/${id}`),
  models: () => call<{ data: Array<{ id: string }> }>('GET', '/v1/models'),
};
