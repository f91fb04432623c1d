/**
 * @module routing/http
 * HTTP to an upstream: one keep-alive agent per upstream (a streamed request should not pay a TCP
 * handshake), a status and headers as soon as they arrive, and the body as lines. node:http rather than
 * fetch: it adds no buffering of its own between the upstream's chunks and ours.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export type Agent = http.Agent;

export function agentFor(url: URL): Agent {
  const options = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets: Infinity, scheduling: 'lifo' as const };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

export interface UpstreamResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

export interface RequestOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  /** Until the status line arrives. */
  timeoutMs: number;
}

/** Sends the request; resolves with the status and headers, the body still to be read. Rejects on connection errors. */
export function send(agent: Agent, url: URL, options: RequestOptions): Promise<UpstreamResponse> {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: options.method, headers, agent, signal: options.signal }, (response) => {
      clearTimeout(timer);
      resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response });
    });
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.setNoDelay(true);
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(payload);
  });
}

/** Most bytes read from a JSON body (model lists, errors, small RPC answers). */
const MAX_JSON_BYTES = 8 * 2 ** 20;

/** The whole body as JSON; null when it is not JSON. */
export async function readJson(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) {
      body.destroy();
      throw new Error(`the answer is larger than ${MAX_JSON_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * Reads the rest of a response whose answer is complete (its last line only ends it), so that its keep-alive
 * connection goes back to the agent: a stream left unread or broken off is destroyed with its connection, and
 * the next request pays a new TCP handshake before it is even sent. A tail that breaks costs only the connection.
 */
export async function drain(stream: AsyncIterator<unknown>): Promise<void> {
  try {
    while (!(await stream.next()).done);
  } catch {
    // The answer was already whole.
  }
}

/** The body split into lines (NDJSON, or SSE's `data:` lines), without their line ends. */
export async function* lines(body: Readable): AsyncGenerator<string> {
  let rest = '';
  body.setEncoding('utf8');
  for await (const chunk of body) {
    rest += chunk as string;
    let end: number;
    while ((end = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, end).replace(/\r$/, '');
      rest = rest.slice(end + 1);
    }
  }
  if (rest !== '') yield rest;
}
