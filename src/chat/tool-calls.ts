/**
 * @module chat/tool-calls
 * Streams generated content through DeepSeek's tool-call syntax (`tool-syntax.ts`): text outside a
 * tool-call section passes through as content; each call becomes an OpenAI-shaped tool call the moment
 * its end marker arrives. Nothing here throws on what a model writes: a call that cannot be read goes
 * back to the client as content, arguments that are not JSON go out as the raw text.
 */
import { randomBytes } from 'node:crypto';
import {
  TOOL_CALL_BEGIN,
  TOOL_CALL_END,
  TOOL_CALLS_BEGIN,
  TOOL_CALLS_END,
  TOOL_SEP,
  type ToolCallFormat,
} from './tool-syntax.ts';

export interface ToolCallDelta {
  index: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ToolCallParserOutput {
  content: string;
  toolCalls: ToolCallDelta[];
}

export interface ToolCallParserOptions {
  /** Makes ids predictable in tests; the default is OpenAI-like `call_` + 24 hex digits. */
  newId?: () => string;
}

type State = 'content' | 'section' | 'call' | 'after';

/** Models sometimes open a call without the section marker, so either marker starts tool calls. */
const SECTION_OPENERS = [TOOL_CALLS_BEGIN, TOOL_CALL_BEGIN];
/** A call also ends where the next one or the section's end begins, when a model drops its end marker. */
const CALL_CLOSERS = [TOOL_CALL_END, TOOL_CALL_BEGIN, TOOL_CALLS_END];

export class ToolCallParser {
  readonly #format: ToolCallFormat;
  readonly #newId: () => string;
  #state: State = 'content';
  #pending = '';
  #numCalls = 0;

  constructor(format: ToolCallFormat, options: ToolCallParserOptions = {}) {
    this.#format = format;
    this.#newId = options.newId ?? (() => `call_${randomBytes(12).toString('hex')}`);
  }

  push(text: string): ToolCallParserOutput {
    this.#pending += text;
    const out: ToolCallParserOutput = { content: '', toolCalls: [] };
    while (this.#step(out));
    return out;
  }

  /**
   * Ends the stream: held-back text is released, and an unterminated call is kept if its JSON is whole.
   * When the output was cut short (max_tokens), a call it interrupted is dropped, markup and all: the
   * client gets the text before it, never the model's raw syntax.
   */
  finish(isCut = false): ToolCallParserOutput {
    const out: ToolCallParserOutput = { content: '', toolCalls: [] };
    const rest = this.#pending;
    this.#pending = '';
    if (isCut && this.#state !== 'after') {
      // In 'content', what is held back is the start of a marker.
      this.#state = 'after';
      return out;
    }
    if (this.#state === 'call') {
      const call = this.#splitCall(rest);
      if (call && isWholeJson(call.args)) out.toolCalls.push(this.#toolCall(call));
      else out.content += TOOL_CALL_BEGIN + rest;
    } else if (this.#state !== 'section' || rest.trim() !== '') {
      out.content += rest;
    }
    this.#state = 'after';
    return out;
  }

  /** Consumes what the current state can decide on; false when it must wait for more text. */
  #step(out: ToolCallParserOutput): boolean {
    switch (this.#state) {
      case 'content': {
        const hit = findFirst(this.#pending, SECTION_OPENERS);
        if (!hit) {
          const keep = partialMarkerLength(this.#pending, SECTION_OPENERS);
          out.content += this.#take(this.#pending.length - keep);
          return false;
        }
        out.content += this.#take(hit.at);
        this.#take(hit.marker.length);
        this.#state = hit.marker === TOOL_CALLS_BEGIN ? 'section' : 'call';
        return true;
      }
      case 'section': {
        const body = this.#pending.trimStart();
        for (const [marker, next] of [[TOOL_CALL_BEGIN, 'call'], [TOOL_CALLS_END, 'after']] as const) {
          if (body.startsWith(marker)) {
            this.#take(this.#pending.length - body.length + marker.length);
            this.#state = next;
            return true;
          }
        }
        if (body === '' || TOOL_CALL_BEGIN.startsWith(body) || TOOL_CALLS_END.startsWith(body)) return false;
        // Stray text inside a section: the model left the syntax, so treat what follows as content.
        this.#state = 'content';
        return true;
      }
      case 'call': {
        const hit = findFirst(this.#pending, CALL_CLOSERS);
        if (!hit) return false;
        const body = this.#take(hit.at);
        const call = this.#splitCall(body);
        if (call) out.toolCalls.push(this.#toolCall(call));
        else out.content += TOOL_CALL_BEGIN + body + (hit.marker === TOOL_CALL_END ? TOOL_CALL_END : '');
        if (hit.marker !== TOOL_CALL_BEGIN) this.#take(hit.marker.length);
        this.#state = hit.marker === TOOL_CALLS_END ? 'after' : 'section';
        return true;
      }
      case 'after':
        out.content += this.#take(this.#pending.length);
        return false;
    }
  }

  #take(length: number): string {
    const taken = this.#pending.slice(0, length);
    this.#pending = this.#pending.slice(length);
    return taken;
  }

  /** One call's name and argument text (fence stripped), or undefined when it names no function. */
  #splitCall(body: string): { name: string; args: string } | undefined {
    const sep = body.indexOf(TOOL_SEP);
    if (sep < 0) return undefined;
    const afterSep = body.slice(sep + TOOL_SEP.length);
    let name: string;
    let args: string;
    if (this.#format === 'deepseek-r1') {
      // `function<｜tool▁sep｜>NAME\n```json\nARGS\n```` (the leading word is the call's type).
      const newline = afterSep.indexOf('\n');
      name = newline < 0 ? afterSep : afterSep.slice(0, newline);
      args = newline < 0 ? '' : afterSep.slice(newline + 1);
    } else {
      name = body.slice(0, sep);
      args = afterSep;
    }
    name = name.trim();
    if (name === '') return undefined;
    return { name, args: stripFence(args) };
  }

  #toolCall(call: { name: string; args: string }): ToolCallDelta {
    return {
      index: this.#numCalls++,
      id: this.#newId(),
      type: 'function',
      function: { name: call.name, arguments: normaliseArguments(call.args) },
    };
  }
}

/** The whole text at once: what a non-streaming response needs. */
export function parseToolCalls(
  text: string,
  format: ToolCallFormat,
  options?: ToolCallParserOptions,
): ToolCallParserOutput {
  const parser = new ToolCallParser(format, options);
  const head = parser.push(text);
  const tail = parser.finish();
  return { content: head.content + tail.content, toolCalls: [...head.toolCalls, ...tail.toolCalls] };
}

function findFirst(text: string, markers: string[]): { at: number; marker: string } | undefined {
  let best: { at: number; marker: string } | undefined;
  for (const marker of markers) {
    const at = text.indexOf(marker);
    if (at >= 0 && (!best || at < best.at)) best = { at, marker };
  }
  return best;
}

/** Length of the longest tail of `text` that could grow into one of `markers`. */
function partialMarkerLength(text: string, markers: string[]): number {
  let longest = 0;
  for (const marker of markers) {
    for (let n = Math.min(marker.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(marker.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

function stripFence(raw: string): string {
  return raw
    .trim()
    .replace(/^```(?:json)?\s*/, '')
    .replace(/\s*```$/, '')
    .trim();
}

/** Compact JSON, `{}` for a call without arguments, or the raw text when it isn't JSON. */
function normaliseArguments(text: string): string {
  if (text === '') return '{}';
  return isWholeJson(text) ? compactJson(text) : text;
}

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Drops the whitespace between JSON tokens and nothing else: re-serialising through JSON.parse would
 * round big integers and rewrite numbers like `1.0` or `1e3`, changing what the model chose.
 */
function compactJson(text: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      out += ch;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') {
      out += ch;
    }
  }
  return out;
}
