/**
 * Server-sent events over a hijacked reply, in OpenAI's framing (`data: {json}\n\n`, `data: [DONE]`),
 * with `: keep-alive` comments until the first event (as DeepSeek sends while a request is queued).
 * `signal` aborts when the client goes away, so the generation is cancelled at the next decode step.
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.ts';

export class SseStream {
  readonly #reply: FastifyReply;
  readonly #controller = new AbortController();
  #keepAlive: NodeJS.Timeout | null;
  #isEnded = false;

  constructor(reply: FastifyReply, keepAliveMs: number) {
    this.#reply = reply;
    reply.hijack();
    const raw = reply.raw;
    // Headers already set on the reply (x-ratelimit-*) go out with the stream's head.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.flushHeaders();
    raw.on('close', () => {
      this.#stopKeepAlive();
      if (!this.#isEnded) this.#controller.abort();
    });
    this.#keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  send(data: unknown): void {
    this.#stopKeepAlive();
    if (!this.#controller.signal.aborted) this.#reply.raw.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** An error after the 200 went out can only travel in the stream, in the API's error shape. */
  fail(error: unknown): void {
    this.send({ error: (error instanceof ApiError ? error : new ApiError('internal', 'generation failed')).toBody().error });
  }

  end(): void {
    this.#stopKeepAlive();
    this.#isEnded = true;
    if (!this.#controller.signal.aborted) this.#reply.raw.end('data: [DONE]\n\n');
  }

  #stopKeepAlive(): void {
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
  }
}

/** An AbortSignal for a non-streamed request: aborts if the client disconnects before the reply is sent. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
