/**
 * POST /completions and /beta/completions: plain text completion, and fill-in-the-middle when a
 * `suffix` is given (prefix/suffix/middle tokens of the model, as llama-server's infill builds them).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GenerateInput } from '../../engine/client.ts';
import type { ServedModel } from '../../routing/registry.ts';
import type { SampledToken, Usage } from '../../engine/types.ts';
import { ApiError } from '../errors.ts';
import { acquireModel, admitRequest, apiFinishReason, choiceInputs, newId, refuseChatOnly, runChoices, sumUsage, SYSTEM_FINGERPRINT, tokenText, usageBody } from '../generation.ts';
import { CompletionRequest } from '../schemas/completions.ts';
import type { AppContext } from '../server.ts';
import { JsonReply } from '../held-response.ts';
import { SseStream } from '../sse.ts';

/** OpenAI's default for /completions. */
const DEFAULT_MAX_TOKENS = 16;

async function promptOf(model: ServedModel, body: CompletionRequest): Promise<GenerateInput['prompt']> {
  const prompt = typeof body.prompt === 'string' ? body.prompt : body.prompt[0];
  return body.suffix === undefined ? { text: prompt, addSpecial: true } : { tokens: await infillTokens(model, prompt, body.suffix) };
}

/** The model's prefix, suffix and middle tokens around the text before and after the gap (also Ollama's `suffix`). */
export async function infillTokens(model: ServedModel, prefix: string, suffix: string): Promise<number[]> {
  const { fim, addBos } = model.info;
  if (!fim) {
    throw new ApiError('invalid_request', `the model '${model.id}' has no fill-in-the-middle tokens, so 'suffix' cannot be used with it`, 'suffix');
  }
  const [bos, prefixTokens, suffixTokens] = await Promise.all([
    addBos ? model.client.tokenize('', true) : [],
    model.client.tokenize(prefix, false),
    model.client.tokenize(suffix, false),
  ]);
  return [...bos, fim.prefix, ...prefixTokens, fim.suffix, ...suffixTokens, fim.middle];
}

/** OpenAI's legacy logprobs object for one choice. */
function logprobsBody(samples: SampledToken[], textOffset: number) {
  let offset = textOffset;
  const tokens = samples.map((s) => tokenText(s.logprob?.bytes ?? []));
  return {
    tokens,
    token_logprobs: samples.map((s) => s.logprob?.logprob ?? null),
    top_logprobs: samples.map((s) => Object.fromEntries((s.topLogprobs ?? []).map((a) => [tokenText(a.bytes), a.logprob]))),
    text_offset: tokens.map((t) => {
      const at = offset;
      offset += t.length;
      return at;
    }),
  };
}

export function completionRoutes(app: FastifyInstance, context: AppContext): void {
  const handler = async (request: FastifyRequest<{ Body: CompletionRequest }>, reply: FastifyReply) => {
    const body = request.body;
    // Held until the response ends: every return below awaits the generation, so `using` disposes after it.
    using lease = await acquireModel(context, request, body.model);
    const { model } = lease;
    refuseChatOnly(model, 'a text completion or fill-in-the-middle');
    const prompt = await promptOf(model, body);
    const n = body.n ?? 1;
    const id = newId('cmpl');
    const admitted = await admitRequest(context, request, reply, {
      requestId: id,
      requestedModel: body.model,
      model,
      prompt,
      maxTokensPerChoice: body.max_tokens ?? DEFAULT_MAX_TOKENS,
      n,
    });
    const inputs = choiceInputs(body, n, { admitted, topLogprobs: body.logprobs });
    const run = { metrics: context.metrics, model: model.id, admission: admitted.admission };
    const created = Math.floor(Date.now() / 1000);
    const echo = body.echo && typeof body.prompt === 'string' ? body.prompt : '';
    const envelope = { id, object: 'text_completion', created, model: body.model, system_fingerprint: SYSTEM_FINGERPRINT };

    if (body.stream) {
      const sse = new SseStream(reply, context.keepAliveMs);
      const usages: Usage[] = [];
      return await sse.pipe(
        async () => {
          const events = await runChoices(model.client, inputs, sse.signal, run);
          if (echo) for (let index = 0; index < n; index++) sse.send({ ...envelope, choices: [{ index, text: echo, logprobs: null, finish_reason: null }] });
          return events;
        },
        ({ index, event }) => {
          if (event.usage) usages.push(event.usage);
          if (event.text === '' && !event.finishReason) return;
          const logprobs = body.logprobs !== undefined && event.logprobs ? logprobsBody(event.logprobs, 0) : null;
          sse.send({ ...envelope, choices: [{ index, text: event.text, logprobs, finish_reason: event.finishReason ? apiFinishReason(event.finishReason) : null }] });
        },
        () => {
          if (body.stream_options?.include_usage) sse.send({ ...envelope, choices: [], usage: usageBody(sumUsage(usages)) });
        },
      );
    }

    const texts = inputs.map(() => echo);
    const samples: SampledToken[][] = inputs.map(() => []);
    const finishes: (string | null)[] = inputs.map(() => null);
    const usages: Usage[] = [];
    const held = new JsonReply(reply, context.keepAliveMs);
    return await held.collect(
      () => runChoices(model.client, inputs, held.signal, run),
      ({ index, event }) => {
        texts[index] += event.text;
        samples[index].push(...(event.logprobs ?? []));
        if (event.finishReason) finishes[index] = apiFinishReason(event.finishReason);
        if (event.usage) usages.push(event.usage);
      },
      () => ({
        ...envelope,
        choices: texts.map((text, index) => ({
          index,
          text,
          logprobs: body.logprobs !== undefined ? logprobsBody(samples[index], echo.length) : null,
          finish_reason: finishes[index],
        })),
        usage: usageBody(sumUsage(usages)),
      }),
    );
  };
  for (const url of ['/completions', '/beta/completions']) app.post<{ Body: CompletionRequest }>(url, { schema: { body: CompletionRequest } }, handler);
}
