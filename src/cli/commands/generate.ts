/**
 * `seekstack generate`: one prompt through the engine process, streamed to stdout, with timings.
 * The quickest end-to-end check of a model and a llama.cpp build (CPU or GPU).
 */
import { parseCommandArgs } from '../args.ts';
import { EngineClient } from '../../engine/client.ts';
import { EngineError } from '../../engine/errors.ts';
import { DEFAULT_MODEL } from '../../models/bundled.ts';
import { parseThreads } from '../model-options.ts';

export async function run(args: string[]): Promise<number> {
  const options = parseCommandArgs('generate', args, {
    model: { type: 'string', default: process.env.SEEKSTACK_MODEL ?? DEFAULT_MODEL },
    prompt: { type: 'string', default: 'Once upon a time' },
    'max-tokens': { type: 'string', default: '128' },
    temperature: { type: 'string', default: '0.8' },
    seed: { type: 'string', default: String(Math.floor(Math.random() * 2 ** 31)) },
    threads: { type: 'string', default: 'auto' },
    'gpu-layers': { type: 'string', default: '-1' },
    'llama-lib-dir': { type: 'string', default: process.env.SEEKSTACK_LLAMA_LIB_DIR },
  });
  if (!options) return 2;
  const number = (name: keyof typeof options) => Number(options[name]);
  const invalid = (['max-tokens', 'temperature', 'seed', 'gpu-layers'] as const).find((n) => !Number.isFinite(number(n)));
  if (invalid) {
    console.error(`seekstack generate: --${invalid} must be a number, got ${String(options[invalid])}`);
    return 2;
  }
  const threads = parseThreads(options.threads as string);
  if (!threads) {
    console.error(`seekstack generate: --threads must be 'auto' or a positive integer, got ${String(options.threads)}`);
    return 2;
  }
  let engine: EngineClient;
  try {
    engine = await EngineClient.start({
      modelPath: options.model as string,
      libDir: options['llama-lib-dir'],
      gpuLayers: number('gpu-layers'),
      threads: threads.threads,
      adaptiveThreads: threads.isAdaptive,
      numSlots: 1,
      numCacheHolders: 0,
      totalCells: 4096,
      maxSeqLen: 0,
      maxPrefillTokensPerStep: 512,
      maxQueueLength: 1,
    });
  } catch (error) {
    console.error(`seekstack generate: ${error instanceof EngineError ? error.message : String(error)}`);
    return 1;
  }
  const { model } = engine;
  console.error(`${model.name} (${model.description}, ${model.gpuLayers === 0 ? 'CPU' : `${model.gpuLayers === -1 ? 'all' : model.gpuLayers} layers on GPU`}, ${model.threads} threads)`);
  const start = performance.now();
  let firstAt = 0;
  let numTokens = 0;
  try {
    process.stdout.write(options.prompt as string);
    for await (const event of engine.generate({
      cacheKey: 'cli',
      prompt: { text: options.prompt as string, addSpecial: true },
      sampling: {
        temperature: number('temperature'), topP: 0.95, topK: 40, minP: 0.05, seed: number('seed'),
        presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, penaltyLastN: 64, logitBias: [],
      },
      maxTokens: number('max-tokens'),
      stop: [],
      stopOnEog: true,
    })) {
      if (numTokens === 0 && event.tokens.length > 0) firstAt = performance.now();
      numTokens += event.tokens.length;
      process.stdout.write(event.text);
    }
  } catch (error) {
    console.error(`\nseekstack generate: ${(error as Error).message}`);
    return 1;
  } finally {
    await engine.close();
  }
  const decodeMs = performance.now() - firstAt;
  console.error(`\n\n${numTokens} tokens; first token after ${(firstAt - start).toFixed(0)} ms; ${((Math.max(numTokens - 1, 0) / decodeMs) * 1000).toFixed(1)} tok/s after it`);
  return 0;
}
