/**
 * @module Reads a response body as fast as it arrives, into a bounded queue that the writer drains. fetch
 * discards the chunks still queued in a body stream when the connection breaks, so a loop that read the
 * next chunk only after writing the last one to disk lost whatever arrived meanwhile (more, the busier
 * the machine). Here a read is pending whenever the queue has room, so every byte that reached this
 * process before the break is kept; the break is reported after the queued chunks are taken.
 */
export class ReadAhead {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #maxBytes: number;
  readonly #chunks: Uint8Array[] = [];
  #queuedBytes = 0;
  #end: { error?: unknown } | null = null;
  #wakeTaker: (() => void) | null = null;
  #wakeReader: (() => void) | null = null;

  /** `maxBytes` bounds the memory held when the disk is slower than the network. */
  constructor(body: ReadableStream<Uint8Array>, maxBytes: number) {
    this.#reader = body.getReader();
    this.#maxBytes = maxBytes;
    void this.#pump();
  }

  /** The next chunk, null at the end, or the connection's error once every chunk before it was taken. */
  async next(): Promise<Uint8Array | null> {
    while (this.#chunks.length === 0 && this.#end === null) await new Promise<void>((resolve) => (this.#wakeTaker = resolve));
    const chunk = this.#chunks.shift();
    if (chunk) {
      this.#queuedBytes -= chunk.length;
      this.#wakeReader?.();
      return chunk;
    }
    if (this.#end?.error !== undefined) throw this.#end.error;
    return null;
  }

  /** Stops reading (the writer failed); what is queued is dropped. */
  async cancel(): Promise<void> {
    this.#chunks.length = 0;
    this.#wakeReader?.();
    await this.#reader.cancel().catch(() => {});
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        while (this.#queuedBytes >= this.#maxBytes) await new Promise<void>((resolve) => (this.#wakeReader = resolve));
        const { done, value } = await this.#reader.read();
        if (done) break;
        this.#chunks.push(value);
        this.#queuedBytes += value.length;
        this.#wakeTaker?.();
      }
      this.#end = {};
    } catch (error) {
      this.#end = { error };
    }
    this.#wakeTaker?.();
  }
}
