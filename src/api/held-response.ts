/**
 * @module api/held-response
 * A response whose status line waits until the answer is known to be a success: a generation request
 * is refused (400, 422, 503…) with the same status and body whether or not it streams, because the head
 * goes out only once the engine has accepted it (`open`). A request that waits longer than the
 * keep-alive interval (a queue, an engine restarting) gets its head then, and keep-alives after it, so
 * proxies and clients do not time it out; a refusal after that can only travel in the body.
 * `signal` aborts when the client goes away, so its generation is cancelled at the next decode step.
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from './errors.ts';

export abstract class HeldResponse {
  protected readonly reply: FastifyReply;
  readonly #controller = new AbortController();
  readonly #keepAliveMs: number;
  #timer: NodeJS.Timeout | null;
  #isOpen = false;
  #isEnded = false;

  constructor(reply: FastifyReply, keepAliveMs: number) {
    this.reply = reply;
    this.#keepAliveMs = keepAliveMs;
    reply.raw.on('close', () => {
      this.#stopKeepAlive();
      if (!this.#isEnded && !reply.raw.writableFinished) this.#controller.abort();
    });
    this.#timer = setTimeout(() => this.#openForKeepAlive(), keepAliveMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get isOpen(): boolean {
    return this.#isOpen;
  }

  /** Send the status line and headers now (a 200: the request was accepted); keep-alives follow until content does. */
  open(): void {
    if (this.#isOpen) return;
    this.#isOpen = true;
    this.#stopKeepAlive();
    this.reply.hijack();
    const raw = this.reply.raw;
    // Headers already set on the reply (x-ratelimit-*) go out with the head.
    for (const [name, value] of Object.entries(this.reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
    raw.writeHead(200, this.headers());
    raw.flushHeaders();
    this.#timer = setInterval(() => this.write(this.keepAliveChunk()), this.#keepAliveMs);
  }

  /**
   * The request failed. Before the head: rethrown, for the error handler to answer with its status.
   * After it: written into the body in the API's error shape, and the response ends.
   */
  refuse(error: unknown): FastifyReply {
    if (!this.#isOpen) {
      this.#stopKeepAlive();
      throw error;
    }
    this.writeError(error instanceof ApiError ? error : new ApiError('internal', 'generation failed'));
    this.end(this.closingChunk());
    return this.reply;
  }

  protected abstract headers(): Record<string, string>;
  /** What keeps an idle connection alive in this format. */
  protected abstract keepAliveChunk(): string;
  protected abstract writeError(error: ApiError): void;
  /** What ends the body after an error. */
  protected closingChunk(): string {
    return '';
  }

  /** Write body bytes unless the client is gone. */
  protected write(chunk: string): void {
    if (!this.#controller.signal.aborted) this.reply.raw.write(chunk);
  }

  /** Keep-alives stop once the body has real content. */
  protected stopKeepAlive(): void {
    this.#stopKeepAlive();
  }

  end(last = ''): void {
    this.#stopKeepAlive();
    this.#isEnded = true;
    if (!this.#controller.signal.aborted) this.reply.raw.end(last);
  }

  #openForKeepAlive(): void {
    this.open();
    this.write(this.keepAliveChunk());
  }

  #stopKeepAlive(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/**
 * A JSON answer that may wait long (a non-streamed generation): if it is not ready within the keep-alive
 * interval, the head goes out and an empty line follows each interval, as DeepSeek's API does; JSON
 * parsers skip the leading whitespace.
 */
export class JsonReply extends HeldResponse {
  readonly #errorBody: (error: ApiError) => object;

  /** `errorBody` gives an error written after the head its API's shape (DeepSeek's by default). */
  constructor(reply: FastifyReply, keepAliveMs: number, errorBody: (error: ApiError) => object = (error) => error.toBody()) {
    super(reply, keepAliveMs);
    this.#errorBody = errorBody;
  }

  /** Run a generation to its end (`each` per event), then answer `body()`; a refusal keeps its status. */
  async collect<T>(start: () => Promise<AsyncIterable<T>>, each: (item: T) => void, body: () => object): Promise<object> {
    try {
      for await (const item of await start()) each(item);
    } catch (error) {
      return this.refuse(error);
    }
    return this.finish(body());
  }

  /** The answer: returned for Fastify to send when the head is still held, else written here. */
  finish(body: object): object {
    if (!this.isOpen) {
      this.stopKeepAlive();
      return body;
    }
    this.end(JSON.stringify(body));
    return this.reply;
  }

  protected headers(): Record<string, string> {
    return { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
  }

  protected keepAliveChunk(): string {
    return '\n';
  }

  protected writeError(error: ApiError): void {
    this.write(JSON.stringify(this.#errorBody(error)));
  }
}
