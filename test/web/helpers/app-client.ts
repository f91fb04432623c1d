/** A signed-in client of the assistant app over plain HTTP: one cookie jar, the CSRF token sent unless a test says not to. */
import assert from 'node:assert/strict';

export interface RequestOptions {
  isCsrfSent?: boolean;
  headers?: Record<string, string>;
}

export class AppClient {
  readonly origin: string;
  cookie = '';
  csrfToken = '';

  constructor(origin: string) {
    this.origin = origin;
  }

  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if ((options.isCsrfSent ?? true) && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.origin + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return response;
  }

  /** The JSON body of a request that must succeed. */
  async json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    const parsed = (await response.json()) as T;
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
    return parsed;
  }

  async signUp(username: string, password: string): Promise<{ recovery_key: string }> {
    const session = await this.json<{ csrf_token: string; recovery_key: string }>('POST', '/app/api/signup', { username, password });
    this.csrfToken = session.csrf_token;
    return session;
  }

  /** A non-streamed chat completion through the public API, authenticated by the session. */
  chat(body: Record<string, unknown>) {
    return this.json<{
      choices: Array<{ message: { content: string; reasoning_content?: string } }>;
      usage: { completion_tokens_details: { reasoning_tokens: number } };
    }>('POST', '/v1/chat/completions', body);
  }
}
