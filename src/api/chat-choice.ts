/**
 * One choice of a chat completion as it streams: engine text → reasoning_content / content (through
 * the ReasoningSplitter) → content / tool_calls (through the ToolCallParser when tools are on), plus
 * logprobs and the reasoning token count for usage.
 */
import { ReasoningSplitter, ToolCallParser, type RenderedChat, type ToolCallDelta, type ToolCallFormat } from '../chat/index.ts';
import type { SampledToken, StepEvent } from '../engine/types.ts';
import { tokenText } from './generation.ts';

export interface ChoiceDelta {
  reasoning: string;
  content: string;
  toolCalls: ToolCallDelta[];
}

export class ChatChoice {
  readonly #splitter: ReasoningSplitter;
  readonly #tools: ToolCallParser | null;
  reasoning = '';
  content = '';
  readonly toolCalls: ToolCallDelta[] = [];
  readonly logprobs: SampledToken[] = [];
  numReasoningTokens = 0;

  /** `newToolCallId` spells the ids of the calls (Anthropic's are `toolu_…`). */
  constructor(rendered: RenderedChat, toolFormat: ToolCallFormat | null, newToolCallId?: () => string) {
    this.#splitter = new ReasoningSplitter(rendered);
    this.#tools = toolFormat ? new ToolCallParser(toolFormat, { newId: newToolCallId }) : null;
  }

  push(event: StepEvent): ChoiceDelta {
    if (event.logprobs) this.logprobs.push(...event.logprobs);
    const wasInReasoning = this.#splitter.isInReasoning;
    const split = this.#splitter.push(event.text);
    if (wasInReasoning || this.#splitter.isInReasoning) this.numReasoningTokens += event.tokens.length;
    let delta = this.#route(split.reasoning, split.content);
    if (event.finishReason) {
      const rest = this.#splitter.flush();
      const tail = this.#route(rest.reasoning, rest.content, event.finishReason);
      delta = { reasoning: delta.reasoning + tail.reasoning, content: delta.content + tail.content, toolCalls: [...delta.toolCalls, ...tail.toolCalls] };
    }
    return delta;
  }

  /** `finishReason` is set on the last piece. */
  #route(reasoning: string, content: string, finishReason?: string): ChoiceDelta {
    this.reasoning += reasoning;
    if (!this.#tools) {
      this.content += content;
      return { reasoning, content, toolCalls: [] };
    }
    const parsed = this.#tools.push(content);
    const finished = finishReason ? this.#tools.finish(finishReason === 'length') : { content: '', toolCalls: [] };
    const text = parsed.content + finished.content;
    const toolCalls = [...parsed.toolCalls, ...finished.toolCalls];
    this.content += text;
    this.toolCalls.push(...toolCalls);
    return { reasoning, content: text, toolCalls };
  }
}

/** OpenAI's chat logprobs entries. */
export function chatLogprobs(samples: SampledToken[]) {
  return samples.map((s) => ({
    token: tokenText(s.logprob?.bytes ?? []),
    logprob: s.logprob?.logprob ?? 0,
    bytes: s.logprob?.bytes ?? [],
    top_logprobs: (s.topLogprobs ?? []).map((a) => ({ token: tokenText(a.bytes), logprob: a.logprob, bytes: a.bytes })),
  }));
}
