/**
 * @module cli/local-chat
 * A model loaded by the command itself (`generate`, `run` without --url): the engine process, and one
 * chat turn through the model's own template, its output split into reasoning and answer as the API does.
 */
import { buildChatPrompt } from '../api/chat-prompt.ts';
import { ChatChoice, type ChoiceDelta } from '../api/chat-choice.ts';
import { EngineClient } from '../engine/client.ts';
import { EngineError } from '../engine/errors.ts';
import type { ChatRequest } from '../api/schemas/chat.ts';
import type { SamplingParams } from '../engine/types.ts';
import { parseThreads } from './model-options.ts';

export interface LocalEngineOptions {
  modelPath: string;
  threads: string;
  gpuLayers: number;
  libDir?: string;
  contextTokens?: number;
}

/** The engine with the model loaded, or null after printing why not. */
export async function startLocalEngine(command: string, options: LocalEngineOptions): Promise<EngineClient | null> {
  const threads = parseThreads(options.threads);
  if (!threads) {
    console.error(`seekstack ${command}: --threads must be 'auto' or a positive integer, got ${options.threads}`);
    return null;
  }
  try {
    return await EngineClient.start({
      modelPath: options.modelPath,
      libDir: options.libDir,
      gpuLayers: options.gpuLayers,
      threads: threads.threads,
      adaptiveThreads: threads.isAdaptive,
      numSlots: 1,
      numCacheHolders: 4,
      totalCells: options.contextTokens ?? 4096,
      maxSeqLen: 0,
      maxPrefillTokensPerStep: 512,
      maxQueueLength: 1,
    });
  } catch (error) {
    console.error(`seekstack ${command}: ${error instanceof EngineError ? error.message : String(error)}`);
    return null;
  }
}

export function sampling(temperature: number, seed: number): SamplingParams {
  return { temperature, topP: 0.95, topK: 40, minP: 0.05, seed, presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, penaltyLastN: 64, logitBias: [] };
}

export interface TurnOptions {
  /** Undefined: the template's default (on where it can think). */
  thinking?: boolean;
  sampling: SamplingParams;
  maxTokens: number;
  signal?: AbortSignal;
}

/** One assistant turn of a conversation: its deltas (reasoning, then the answer) as they are decoded. */
export async function* chatTurn(engine: EngineClient, messages: ChatRequest['messages'], options: TurnOptions): AsyncGenerator<ChoiceDelta & { numTokens: number }> {
  const resolved = { model: { id: engine.model.name, client: engine, info: engine.model } };
  const thinking = options.thinking === undefined ? {} : { thinking: { type: options.thinking ? 'enabled' : 'disabled' } as const };
  const prompt = await buildChatPrompt(resolved, { model: engine.model.name, messages, ...thinking });
  const choice = new ChatChoice(prompt.rendered, null);
  const generation = engine.generate(
    { cacheKey: 'cli', prompt: { text: prompt.rendered.prompt, addSpecial: false }, sampling: options.sampling, maxTokens: options.maxTokens, stop: [], stopOnEog: true },
    options.signal,
  );
  for await (const event of generation) yield { ...choice.push(event), numTokens: event.tokens.length };
}
