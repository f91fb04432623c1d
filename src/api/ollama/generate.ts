/**
 * What /api/chat and /api/generate share: one generation through the same admission, engine run and
 * ledger as /v1 (admitRequest, runChoices), its output split into thinking, content and tool calls
 * (ChatChoice), framed as Ollama's NDJSON lines or one object, ending with Ollama's final fields:
 * `done_reason` and the counts and durations in nanoseconds.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ModelLease } from '../../routing/registry.ts';
import type { SampledToken, StepEvent, Usage } from '../../engine/types.ts';
import type { ChoiceDelta } from '../chat-choice.ts';
import { chatChoice, type ChatPrompt } from '../chat-prompt.ts';

/** What an Ollama line carries of a choice's delta: its text, reasoning and tool calls (logprobs go apart). */
export type OllamaDelta = Pick<ChoiceDelta, 'reasoning' | 'content' | 'toolCalls'>;
import { admitRequest, choiceInputs, newId, runChoices, sumUsage, tokenText, type ChoicePrompt, type SamplingFields } from '../generation.ts';
import type { AppContext } from '../server.ts';
import { NdjsonStream, ollamaResponse } from './stream.ts';

/** Milliseconds (performance.now()) of the moments Ollama's durations lie between. */
export class Timings {
  readonly startedAt = performance.now();
  loadedAt = this.startedAt;
  firstTokenAt: number | undefined;
  endedAt: number | undefined;

  loaded(): void {
    this.loadedAt = performance.now();
  }

  /** Counts and durations as Ollama reports them, in nanoseconds. */
  fields(usage: Usage) {
    const ended = this.endedAt ?? performance.now();
    const firstToken = this.firstTokenAt ?? ended;
    return {
      total_duration: nanoseconds(ended - this.startedAt),
      load_duration: nanoseconds(this.loadedAt - this.startedAt),
      prompt_eval_count: usage.promptTokens,
      prompt_eval_duration: nanoseconds(firstToken - this.loadedAt),
      eval_count: usage.completionTokens,
      eval_duration: nanoseconds(ended - firstToken),
    };
  }
}

function nanoseconds(ms: number): number {
  return Math.max(0, Math.round(ms * 1e6));
}

export interface OllamaGeneration {
  lease: ModelLease;
  /** The model name as the client sent it, which every line repeats. */
  requestedModel: string;
  prompt: ChoicePrompt;
  /** How the output is split (and the grammar it must follow). */
  chat: ChatPrompt;
  sampling: SamplingFields;
  maxTokens: number;
  /** Set when the request asked for logprobs: how many alternatives per token. */
  topLogprobs?: number;
  isStreamed: boolean;
  timings: Timings;
  /** The answer's own fields of one line (`message` or `response`/`thinking`) for a delta, or for the whole answer at the end. */
  body(delta: OllamaDelta): object;
  /** Fields only the last line has (the tokens of /api/generate's `context`). */
  last?(tokens: number[]): object;
}

/** Ollama's `done_reason`: `stop` (tool calls included) or `length`. */
function doneReason(reason: string): string {
  return reason === 'stop' || reason === 'length' ? reason : 'stop';
}

function hasContent(delta: OllamaDelta): boolean {
  return delta.content !== '' || delta.reasoning !== '' || delta.toolCalls.length > 0;
}

/** Ollama's logprobs entries. */
function logprobsBody(samples: SampledToken[]) {
  return samples.map((s) => ({
    token: tokenText(s.logprob?.bytes ?? []),
    logprob: s.logprob?.logprob ?? 0,
    top_logprobs: (s.topLogprobs ?? []).map((a) => ({ token: tokenText(a.bytes), logprob: a.logprob })),
  }));
}

export async function runOllamaGeneration(context: AppContext, request: FastifyRequest, reply: FastifyReply, job: OllamaGeneration): Promise<unknown> {
  const { model } = job.lease;
  const admitted = await admitRequest(context, request, reply, {
    requestId: newId('ollama'),
    requestedModel: job.requestedModel,
    model,
    prompt: job.prompt,
    maxTokensPerChoice: job.maxTokens,
    n: 1,
  });
  const inputs = choiceInputs(job.sampling, 1, { admitted, grammar: job.chat.grammar, topLogprobs: job.topLogprobs });
  const choice = chatChoice(job.chat);
  const run = { metrics: context.metrics, model: model.id, admission: admitted.admission, reasoningTokens: () => choice.numReasoningTokens };
  const line = (fields: object, isDone: boolean) => ({ model: job.requestedModel, created_at: new Date().toISOString(), ...fields, done: isDone });
  const tokens: number[] = [];
  const usages: Usage[] = [];
  let finish = 'stop';
  const out = ollamaResponse(reply, context.keepAliveMs, job.isStreamed);
  const onEvent = ({ event }: { event: StepEvent }) => {
    if (event.tokens.length > 0) job.timings.firstTokenAt ??= performance.now();
    tokens.push(...event.tokens);
    const delta = choice.push(event);
    if (event.usage) usages.push(event.usage);
    if (event.finishReason) finish = doneReason(event.finishReason);
    const logprobs = job.topLogprobs !== undefined && event.logprobs ? { logprobs: logprobsBody(event.logprobs) } : {};
    if (out instanceof NdjsonStream && (hasContent(delta) || 'logprobs' in logprobs)) out.send(line({ ...job.body(delta), ...logprobs }, false));
  };
  const last = (whole: boolean) => {
    job.timings.endedAt = performance.now();
    const answer = whole ? { reasoning: choice.reasoning, content: choice.content, toolCalls: choice.toolCalls } : { reasoning: '', content: '', toolCalls: [] };
    const logprobs = whole && job.topLogprobs !== undefined ? { logprobs: logprobsBody(choice.logprobs) } : {};
    return line({ ...job.body(answer), ...logprobs, done_reason: finish, ...job.timings.fields(sumUsage(usages)), ...job.last?.(tokens) }, true);
  };
  const start = () => runChoices(model.client, inputs, out.signal, run);
  if (out instanceof NdjsonStream) return out.pipe(start, onEvent, () => out.send(last(false)));
  return out.collect(start, onEvent, () => last(true));
}
