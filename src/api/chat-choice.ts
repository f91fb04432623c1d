/**
 * One choice of a chat completion as it streams: engine text → reasoning_content / content (through
 * the ReasoningSplitter) → content / tool_calls (through the ToolCallParser when tools are on), plus
 * logprobs (the reasoning's apart from the answer's, as DeepSeek reports them) and the reasoning token
 * count for usage. A chat-only model's upstream has split its output already (ChatStepEvent): it is
 * taken as it comes.
 */
import { ReasoningSplitter, ToolCallParser, type RenderedChat, type ToolCallDelta, type ToolCallFormat } from '../chat/index.ts';
import type { SampledToken } from '../engine/types.ts';
import type { ChatStepEvent } from '../routing/model-client.ts';
import { tokenText } from './generation.ts';

export interface ChoiceDelta {
  reasoning: string;
  content: string;
  toolCalls: ToolCallDelta[];
  /** This event's sampled tokens, when logprobs were asked for: the reasoning's, and the answer's. */
  reasoningLogprobs: SampledToken[];
  logprobs: SampledToken[];
}

export class ChatChoice {
  /** Null where the upstream splits the output itself. */
  readonly #splitter: ReasoningSplitter | null;
  readonly #tools: ToolCallParser | null;
  reasoning = '';
  content = '';
  readonly toolCalls: ToolCallDelta[] = [];
  /** The answer's tokens' logprobs; the reasoning's are in reasoningLogprobs. */
  readonly logprobs: SampledToken[] = [];
  readonly reasoningLogprobs: SampledToken[] = [];
  numReasoningTokens = 0;

  /** `newToolCallId` spells the ids of the calls (Anthropic's are `toolu_…`); `rendered` is null for a chat-only model. */
  constructor(rendered: RenderedChat | null, toolFormat: ToolCallFormat | null, newToolCallId?: () => string) {
    this.#splitter = rendered && new ReasoningSplitter(rendered);
    this.#tools = toolFormat ? new ToolCallParser(toolFormat, { newId: newToolCallId }) : null;
  }

  push(event: ChatStepEvent): ChoiceDelta {
    if (!this.#splitter) return this.#take(event);
    const wasInReasoning = this.#splitter.isInReasoning;
    const split = this.#splitter.push(event.text);
    // A token that opens or closes the reasoning counts as reasoning.
    const isReasoning = wasInReasoning || this.#splitter.isInReasoning;
    if (isReasoning) this.numReasoningTokens += event.tokens.length;
    const sampled = event.logprobs ?? [];
    (isReasoning ? this.reasoningLogprobs : this.logprobs).push(...sampled);
    let delta = this.#route(split.reasoning, split.content);
    if (event.finishReason) {
      const rest = this.#splitter.flush();
      const tail = this.#route(rest.reasoning, rest.content, event.finishReason);
      delta = { reasoning: delta.reasoning + tail.reasoning, content: delta.content + tail.content, toolCalls: [...delta.toolCalls, ...tail.toolCalls] };
    }
    return { ...delta, reasoningLogprobs: isReasoning ? sampled : [], logprobs: isReasoning ? [] : sampled };
  }

  /** An event whose upstream split it: reasoning, content and whole tool calls as they came. */
  #take(event: ChatStepEvent): ChoiceDelta {
    const reasoning = event.reasoning ?? '';
    const toolCalls = event.toolCalls ?? [];
    this.reasoning += reasoning;
    this.content += event.text;
    this.toolCalls.push(...toolCalls);
    if (event.reasoningTokens !== undefined) this.numReasoningTokens = event.reasoningTokens;
    const reasoningLogprobs = event.reasoningLogprobs ?? [];
    const logprobs = event.logprobs ?? [];
    this.reasoningLogprobs.push(...reasoningLogprobs);
    this.logprobs.push(...logprobs);
    return { reasoning, content: event.text, toolCalls, reasoningLogprobs, logprobs };
  }

  /** `finishReason` is set on the last piece. */
  #route(reasoning: string, content: string, finishReason?: string): Pick<ChoiceDelta, 'reasoning' | 'content' | 'toolCalls'> {
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

/** DeepSeek's chat logprobs object: the answer's tokens in `content`, the reasoning's in `reasoning_content`. */
export function chatLogprobsBody(reasoning: SampledToken[], answer: SampledToken[]) {
  return { content: chatLogprobs(answer), ...(reasoning.length > 0 && { reasoning_content: chatLogprobs(reasoning) }) };
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
