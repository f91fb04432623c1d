import os from 'node:os';
import { EngineClient, type GenerateInput } from '../../src/engine/client.ts';
import type { EngineConfig } from '../../src/engine/protocol.ts';
import type { SamplingParams, StepEvent } from '../../src/engine/types.ts';

export const GREEDY: SamplingParams = {
  temperature: 0, topP: 1, topK: 0, minP: 0, seed: 0,
  presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, penaltyLastN: 64, logitBias: [],
};

export function engineConfig(modelPath: string, overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    modelPath,
    // CPU unless a GPU run is asked for (scripts/cuda-check.sh); the suite never needs a GPU.
    gpuLayers: Number(process.env.SEEKSTACK_TEST_GPU_LAYERS ?? 0),
    threads: Math.min(2, os.availableParallelism()),
    numSlots: 8,
    numCacheHolders: 16,
    totalCells: 4096,
    maxSeqLen: 4096,
    maxPrefillTokensPerStep: 256,
    maxQueueLength: 64,
    // Exact mode: the suite asserts token-for-token equality across batching and prefix hits.
    flashAttention: false,
    ...overrides,
  };
}

export async function startEngine(
  t: { after(fn: () => Promise<void>): void },
  modelPath: string,
  overrides: Partial<EngineConfig> = {},
): Promise<EngineClient> {
  const engine = await EngineClient.start(engineConfig(modelPath, overrides));
  t.after(() => engine.close());
  return engine;
}

export interface Collected {
  tokens: number[];
  text: string;
  steps: number[];
  events: StepEvent[];
  finishReason?: string;
  usage?: StepEvent['usage'];
}

export async function collect(events: AsyncIterable<StepEvent>): Promise<Collected> {
  const out: Collected = { tokens: [], text: '', steps: [], events: [] };
  for await (const e of events) {
    out.events.push(e);
    out.tokens.push(...e.tokens);
    out.text += e.text;
    if (e.tokens.length > 0) out.steps.push(e.step);
    if (e.finishReason) {
      out.finishReason = e.finishReason;
      out.usage = e.usage;
    }
  }
  return out;
}

export function request(text: string, overrides: Partial<GenerateInput> = {}): GenerateInput {
  return {
    cacheKey: 'test',
    prompt: { text, addSpecial: true },
    sampling: GREEDY,
    maxTokens: 16,
    stop: [],
    stopOnEog: false,
    ...overrides,
  };
}
