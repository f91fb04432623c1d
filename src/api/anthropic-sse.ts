/**
 * Server-sent events in Anthropic's framing: each event named by its type (`event: message_start` then its
 * `data:`), `ping` events while a request waits for its first token, an `error` event for a failure after the head, and no
 * `[DONE]` (message_stop ends the stream).
 */
import { anthropicErrorBody } from './anthropic-errors.ts';
import type { ApiError } from './errors.ts';
import { SseStream } from './sse.ts';

export class AnthropicSseStream extends SseStream {
  /** message_start goes out at acceptance; pings go on after it until the first content block. */
  override send(data: unknown): void {
    if ((data as { type: string }).type !== 'message_start') return super.send(data);
    this.open();
    this.write(this.frame(data));
  }

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
