/**
 * @module chat/reasoning
 * Splits streamed model output into `reasoning_content` (between `<think>` and `</think>`) and
 * `content`, the way llama-server's `--reasoning-format deepseek` does: tags never reach the client,
 * reasoning is trimmed at both ends, and the whitespace a model writes after `</think>` (R1 writes
 * "\n\n") is dropped so content starts at its first character, as in DeepSeek's API.
 *
 * Only a `<think>` at the very start of the output opens reasoning, and only the first `</think>`
 * closes it: after that everything is content, so a model that talks about the tags is not cut up.
 * A model that never closes `</think>` produced only reasoning.
 */

const OPEN = '<think>';
const CLOSE = '</think>';

export interface ReasoningSplit {
  reasoning: string;
  content: string;
}

export interface ReasoningSplitterOptions {
  /** The prompt ends inside an open `<think>`, so the output begins as reasoning. */
  startsInReasoning: boolean;
  /**
   * The output continues text the client wrote (chat prefix completion), so its first characters are
   * kept exactly, whitespace included.
   */
  continuesPrefix?: boolean;
}

type State = 'start' | 'reasoningStart' | 'reasoning' | 'contentStart' | 'content';

export class ReasoningSplitter {
  #state: State;
  /** Text whose fate depends on what comes next: a partial tag, or whitespace that may be trimmed. */
  #pending = '';

  constructor({ startsInReasoning, continuesPrefix = false }: ReasoningSplitterOptions) {
    if (startsInReasoning) this.#state = continuesPrefix ? 'reasoning' : 'reasoningStart';
    else this.#state = continuesPrefix ? 'content' : 'start';
  }

  /** Inside the reasoning block: what usage counts as reasoning tokens. */
  get isInReasoning(): boolean {
    return this.#state === 'reasoning' || this.#state === 'reasoningStart';
  }

  push(text: string): ReasoningSplit {
    this.#pending += text;
    const out: ReasoningSplit = { reasoning: '', content: '' };
    while (this.#step(out));
    return out;
  }

  /** Ends the stream: a partial tag held back is released as the text it turned out to be. */
  flush(): ReasoningSplit {
    const rest = this.#pending;
    this.#pending = '';
    const out: ReasoningSplit = { reasoning: '', content: '' };
    if (this.#state === 'start') out.content = rest.trimStart();
    else if (this.#state === 'reasoning') out.reasoning = rest.trimEnd();
    else if (this.#state === 'content') out.content = rest;
    return out;
  }

  /** Consumes what the current state can decide on; false when it must wait for more text. */
  #step(out: ReasoningSplit): boolean {
    switch (this.#state) {
      case 'start': {
        const body = this.#pending.trimStart();
        if (body.startsWith(OPEN)) {
          this.#pending = body.slice(OPEN.length);
          this.#state = 'reasoningStart';
          return true;
        }
        if (OPEN.startsWith(body)) return false;
        this.#pending = body;
        this.#state = 'content';
        return true;
      }
      case 'reasoningStart':
      case 'contentStart': {
        this.#pending = this.#pending.trimStart();
        if (this.#pending === '') return false;
        this.#state = this.#state === 'reasoningStart' ? 'reasoning' : 'content';
        return true;
      }
      case 'reasoning': {
        const close = this.#pending.indexOf(CLOSE);
        if (close >= 0) {
          out.reasoning += this.#pending.slice(0, close).trimEnd();
          this.#pending = this.#pending.slice(close + CLOSE.length);
          this.#state = 'contentStart';
          return true;
        }
        // Hold back a possible partial `</think>` and the whitespace before it, which is trimmed if
        // the tag does arrive.
        const decided = this.#pending.slice(0, this.#pending.length - partialTagLength(this.#pending)).trimEnd();
        out.reasoning += decided;
        this.#pending = this.#pending.slice(decided.length);
        return false;
      }
      case 'content':
        out.content += this.#pending;
        this.#pending = '';
        return false;
    }
  }
}

function partialTagLength(text: string): number {
  for (let n = Math.min(CLOSE.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(CLOSE.slice(0, n))) return n;
  }
  return 0;
}
