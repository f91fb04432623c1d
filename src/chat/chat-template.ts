/**
 * @module chat/chat-template
 * A model's Jinja chat template (the GGUF's `tokenizer.chat_template`), parsed once and rendered per
 * request with `@huggingface/jinja`. Every failure, in parsing or rendering (a template's own
 * `raise_exception` included), surfaces as one error type the API can map to a client error.
 */
import { Template } from '@huggingface/jinja';

export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}

export class ChatTemplate {
  readonly source: string;
  readonly #jinja: Template;

  constructor(source: string) {
    this.source = source;
    try {
      this.#jinja = new Template(source);
    } catch (cause) {
      throw new ChatTemplateError(`the chat template does not parse: ${messageOf(cause)}`, { cause });
    }
  }

  render(context: Record<string, unknown>): string {
    try {
      return this.#jinja.render(context);
    } catch (cause) {
      throw new ChatTemplateError(`the chat template failed on these messages: ${messageOf(cause)}`, { cause });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
