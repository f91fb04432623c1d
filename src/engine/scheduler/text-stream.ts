/**
 * Turns a request's token bytes into text that is safe to release: complete UTF-8 characters only
 * (a character can be split across tokens), and never a piece that might be the start of a stop string.
 * Stop strings are matched on text, so they are found however the tokenizer split them.
 */
export class TextStream {
  readonly #decoder = new TextDecoder('utf-8', { fatal: false });
  readonly #stops: readonly string[];
  #held = '';

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
  }

  /** Feed one token's bytes. `stop` is the stop string that ended the text, if one did; it is dropped from the text. */
  push(bytes: Uint8Array): { text: string; stop?: string } {
    return this.#release(this.#held + this.#decoder.decode(bytes, { stream: true }));
  }

  /** Release whatever is held at the end of generation (a partial stop match is ordinary text then). */
  flush(): string {
    const rest = this.#held + this.#decoder.decode();
    this.#held = '';
    return rest;
  }

  #release(text: string): { text: string; stop?: string } {
    let stopAt = -1;
    let matched: string | undefined;
    for (const stop of this.#stops) {
      const at = text.indexOf(stop);
      if (at !== -1 && (stopAt === -1 || at < stopAt)) {
        stopAt = at;
        matched = stop;
      }
    }
    if (matched !== undefined) {
      this.#held = '';
      return { text: text.slice(0, stopAt), stop: matched };
    }
    const keep = this.#longestStopPrefixSuffix(text);
    this.#held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep) };
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  #longestStopPrefixSuffix(text: string): number {
    let best = 0;
    for (const stop of this.#stops) {
      for (let n = Math.min(stop.length - 1, text.length); n > best; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
