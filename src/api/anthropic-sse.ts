/**
 * Server-sent events in Anthropic's framing: each event named by its type (`event: message_start` then its
 * `data:`), `ping` events while a request waits, an `error` event for a failure after the head, and no
 * `[DONE]` (message_stop ends the stream).
 */
import { anthropicErrorBody } from './anthropic-errors.ts';
import type { ApiError } from './errors.ts';
import { SseStream } from './sse.ts';

export class AnthropicSseStream extends SseStream {
  protected override frame(data: unknown): string {
    return `event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  protected override closingChunk(): string {
    return '';
  }

  protected override keepAliveChunk(): string {
    return this.frame({ type: 'ping' });
  }

  protected override writeError(error: ApiError): void {
    this.write(this.frame(anthropicErrorBody(error)));
  }
}
