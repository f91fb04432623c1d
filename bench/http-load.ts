/**
 * The streams both sides of the HTTP bench send: the same prompts and lengths through the engine or through
 * HTTP+SSE, on /v1 (the openai client) or on /anthropic (the Anthropic SDK).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { aggregateRate, type StreamTimes } from './engine.ts';

export const TOKENS = 64;
export const prompt = (i: number, round: number) => `Stream ${i} of round ${round}: tell a long story about the number ${i * 7919 + round}.`;

async function httpStream(client: OpenAI, model: string, text: string, start: number): Promise<StreamTimes> {
  const tokenTimes: number[] = [];
  const stream = await client.completions.create({ model, prompt: text, max_tokens: TOKENS, temperature: 0, stream: true, ignore_eos: true } as OpenAI.CompletionCreateParamsStreaming);
  for await (const chunk of stream) {
    if (chunk.choices[0]?.text) tokenTimes.push(performance.now() - start);
  }
  return { firstTokenAt: tokenTimes[0], tokenTimes };
}

async function anthropicStream(client: Anthropic, model: string, text: string, start: number): Promise<StreamTimes> {
  const tokenTimes: number[] = [];
  const stream = await client.messages.create({
    model, max_tokens: TOKENS, temperature: 0, stream: true, ignore_eos: true, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: text }],
  } as Anthropic.MessageCreateParamsStreaming);
  for await (const event of stream) {
    if (event.type === 'content_block_delta') tokenTimes.push(performance.now() - start);
  }
  return { firstTokenAt: tokenTimes[0], tokenTimes };
}

export type Api = 'v1' | 'anthropic';

/** `origin` is the server's; each API's client is made here, on the side that measures. */
export async function httpRate(api: Api, origin: string, model: string, numStreams: number, round: number): Promise<number> {
  const start = performance.now();
  const stream = api === 'v1'
    ? ((client: OpenAI) => (i: number) => httpStream(client, model, prompt(i, round), start))(new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'bench', maxRetries: 0 }))
    : ((client: Anthropic) => (i: number) => anthropicStream(client, model, prompt(i, round), start))(new Anthropic({ baseURL: `${origin}/anthropic`, apiKey: 'bench', maxRetries: 0 }));
  return aggregateRate(await Promise.all(Array.from({ length: numStreams }, (_, i) => stream(i))));
}
