/**
 * Ollama's response framing: a streamed answer is NDJSON (one JSON object a line, the last with
 * `done: true`), and every error, before or after the head, is `{"error": "message"}`, which Ollama's
 * clients read as the message to show. The head still waits for the engine's acceptance (HeldResponse),
 * so a refusal keeps its status whether or not the request streams.
 */
import type { FastifyReply } from 'fastify';
import { ApiError } from '../errors.ts';
import { JsonReply } from '../held-response.ts';
import { SseStream } from '../sse.ts';

/** The body Ollama sends for an error. */
export function ollamaError(error: ApiError): { error: string } {
  return { error: error.message };
}

export class NdjsonStream extends SseStream {
  override send(data: unknown): void {
    this.open();
    this.stopKeepAlive();
    this.write(`${JSON.stringify(data)}\n`);
  }

  protected override closingChunk(): string {
    return '';
  }

  protected override headers(): Record<string, string> {
    return { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
  }

  /** NDJSON has no comment line, and Ollama's clients parse every line: a waiting stream sends nothing after its head. */
  protected override keepAliveChunk(): string {
    return '';
  }

  protected override writeError(error: ApiError): void {
    this.write(`${JSON.stringify(ollamaError(error))}\n`);
  }
}

export class OllamaJsonReply extends JsonReply {
  protected override writeError(error: ApiError): void {
    this.write(JSON.stringify(ollamaError(error)));
  }
}

/** A streamed or whole answer, as the request's `stream` (default true) asks. */
export function ollamaResponse(reply: FastifyReply, keepAliveMs: number, isStreamed: boolean): NdjsonStream | OllamaJsonReply {
  return isStreamed ? new NdjsonStream(reply, keepAliveMs) : new OllamaJsonReply(reply, keepAliveMs);
}
