/**
 * Errors raised below the router, over raw sockets: what Node's HTTP parser refuses, a request body that
 * never finishes, and CONNECT, each answered in DeepSeek's error shape with a fitting 4xx, after which the
 * server keeps serving (observation 6).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { describe, it } from 'node:test';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

const REQUEST_TIMEOUT_MS = 1500;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: { message: string; type: string; param: string | null; code: string } };
}

/** Sends `chunks` (then keeps the connection open) and reads the answer until the server closes it. */
function raw(port: number, chunks: string[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => (received += data));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = received.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      try {
        resolve({ status, headers, body: JSON.parse(rest.join('\r\n\r\n')) });
      } catch {
        reject(new Error(`not a JSON answer: ${JSON.stringify(received.slice(0, 300))}`));
      }
    });
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer within 30 s')));
    for (const chunk of chunks) socket.write(chunk);
  });
}

function assertShape(answer: RawAnswer, status: number, code: string) {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, code);
  assert.equal(typeof answer.body.error.message, 'string');
  assert.equal(typeof answer.body.error.type, 'string');
  assert.ok('param' in answer.body.error);
  assert.match(answer.headers['content-type'] ?? '', /application\/json/);
}

describe('errors below the router', () => {
  const server = serverForSuite(async () => [await tinyModel('llama')], { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const port = () => Number(new URL(server().origin).port);

  it('answers a 64 KB header and 500 headers with 431', async () => {
    assertShape(await raw(port(), [`GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]), 431, 'headers_too_large');
    const many = Array.from({ length: 500 }, (_, i) => `x-header-number-${i}: ${'v'.repeat(24)}\r\n`).join('');
    assertShape(await raw(port(), [`GET /v1/models HTTP/1.1\r\nhost: x\r\n${many}\r\n`]), 431, 'headers_too_large');
  });

  it('answers a malformed chunked body with 400', async () => {
    const answer = await raw(port(), [
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
      'zz\r\n{"model"\r\n0\r\n\r\n',
    ]);
    assertShape(answer, 400, 'invalid_request');
  });

  it('answers an unknown method and CONNECT with 405 and Allow', async () => {
    const brew = await raw(port(), ['BREW /coffee HTTP/1.1\r\nhost: x\r\n\r\n']);
    assertShape(brew, 405, 'method_not_allowed');
    assert.match(brew.headers.allow, /GET/);
    const connect = await raw(port(), ['CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n']);
    assertShape(connect, 405, 'method_not_allowed');
  });

  it('answers what the router refuses: a path that is not valid percent-encoding, a path parameter past its bound', async () => {
    assertShape(await raw(port(), ['GET /v1/models/%E0%A4%A HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n']), 400, 'invalid_request');
    assertShape(await raw(port(), [`GET /v1/models/${'m'.repeat(500)} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`]), 414, 'uri_too_long');
  });

  it('answers a body that never finishes with 408 once the request timeout passes', async () => {
    const started = Date.now();
    const answer = await raw(port(), [
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n',
      '{"model": "deepseek-chat", ',
    ]);
    assertShape(answer, 408, 'request_timeout');
    assert.ok(Date.now() - started >= REQUEST_TIMEOUT_MS - 100, 'not before the timeout');
  });

  it('keeps serving, and a stream that outlives the request timeout is not cut', async () => {
    const stream = await server().client.chat.completions.create({
      model: 'deepseek-chat', messages: [{ role: 'user', content: 'go on' }], max_tokens: 100_000, stream: true, ignore_eos: true,
    } as never) as unknown as AsyncIterable<{ choices: Array<{ delta: { content?: string }; finish_reason: string | null }> }>;
    const started = Date.now();
    let chunks = 0;
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      // Held after the first chunk, however fast the model: the response then surely lasts past the timeout.
      if (chunks++ === 0) await sleep(REQUEST_TIMEOUT_MS * 2);
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    assert.ok(Date.now() - started > REQUEST_TIMEOUT_MS * 2, 'the stream lasted past the request timeout');
    assert.equal(finishReason, 'length', `the stream ran to its end, not cut (${chunks} chunks)`);
  });
});

describe('the OpenAPI document', () => {
  const server = serverForSuite(async () => [await tinyModel('llama')], { assistant: true });

  it('lists every route with the schemas that validate it', async () => {
    const document = (await (await fetch(`${server().origin}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; additionalProperties: boolean } }> }; parameters?: Array<{ name: string }> }>>;
    };
    assert.equal(document.openapi, '3.1.0');
    for (const [path, method] of [['/v1/chat/completions', 'post'], ['/v1/models/{id}', 'get'], ['/admin/keys', 'post'], ['/admin/usage', 'get'], ['/app/api/admin/accounts/{username}/limits', 'put'], ['/health', 'get'], ['/openapi.json', 'get']]) {
      assert.ok(document.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
    }
    const createKey = document.paths['/admin/keys'].post.requestBody!.content['application/json'].schema;
    assert.equal(createKey.additionalProperties, false, 'the strict schema, as validated');
    assert.ok('budget_tokens' in createKey.properties);
    const chat = document.paths['/v1/chat/completions'].post.requestBody!.content['application/json'].schema;
    assert.ok(['messages', 'top_k', 'parallel_tool_calls'].every((field) => field in chat.properties), 'core fields and the listed vendor extensions');
    assert.deepEqual(document.paths['/admin/usage'].get.parameters!.map((p) => p.name), ['tenant', 'since', 'by']);
  });
});
