/** The streams both sides of the HTTP bench send: the same prompts and lengths through the engine or through HTTP+SSE. */
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

export async function httpRate(client: OpenAI, model: string, numStreams: number, round: number): Promise<number> {
  const start = performance.now();
  return aggregateRate(await Promise.all(Array.from({ length: numStreams }, (_, i) => httpStream(client, model, prompt(i, round), start))));
}
