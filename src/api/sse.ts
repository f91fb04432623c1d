/**
 * Server-sent events in OpenAI's framing (`data: {json}\n\n`, `data: [DONE]`), with `: keep-alive`
 * comments until the first event (as DeepSeek sends while a request is queued). The head waits for
 * `open()`: see HeldResponse.
 */
import type { FastifyReply } from 'fastify';
import type { ApiError } from './errors.ts';
import { HeldResponse } from './held-response.ts';

export class SseStream extends HeldResponse {
  /**
   * Stream a generation: `start` submits it (a refusal is thrown before the head, so the client gets its
   * status), the head goes out once it is accepted, `each` turns its events into chunks, `last` sends
   * what follows them; an error after the head ends the stream with an error event.
   */
  async pipe<T>(start: () => Promise<AsyncIterable<T>>, each: (item: T) => void, last?: () => void): Promise<FastifyReply> {
    let items: AsyncIterable<T>;
    try {
      items = await start();
    } catch (error) {
      return this.refuse(error);
    }
    this.open();
    try {
      for await (const item of items) each(item);
      last?.();
    } catch (error) {
      return this.refuse(error);
    }
    this.done();
    return this.reply;
  }

  send(data: unknown): void {
    this.open();
    this.stopKeepAlive();
    this.write(this.frame(data));
  }

  /** One event as it goes on the wire. */
  protected frame(data: unknown): string {
    return `data: ${JSON.stringify(data)}\n\n`;
  }

  /** An error after the 200 went out can only travel in the stream, in the API's error shape. */
  fail(error: unknown): void {
    this.open();
    this.refuse(error);
  }

  done(): void {
    this.end(this.closingChunk());
  }

  protected override closingChunk(): string {
    return 'data: [DONE]\n\n';
  }

  protected headers(): Record<string, string> {
    return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' };
  }

  protected keepAliveChunk(): string {
    return ': keep-alive\n\n';
  }

  protected writeError(error: ApiError): void {
    this.write(this.frame(error.toBody()));
  }
}
