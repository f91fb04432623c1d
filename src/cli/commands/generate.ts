/**
 * `seekstack generate`: one prompt through the engine process, streamed to stdout, with timings. The
 * prompt goes through the model's chat template (reasoning to stderr, dimmed on a terminal) unless
 * `--raw` sends it as it is. The quickest end-to-end check of a model and a llama.cpp build (CPU or GPU).
 */
import { defineCommand, parseCommandLine } from '../args.ts';
import { DEFAULT_MODEL } from '../../models/bundled.ts';
import { chatTurn, sampling, startLocalEngine } from '../local-chat.ts';

const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export const spec = defineCommand({
  operands: '[prompt]',
  options: {
    model: { type: 'string', default: process.env.SEEKSTACK_MODEL ?? DEFAULT_MODEL, value: 'file.gguf', help: 'the model (SEEKSTACK_MODEL; default the bundled one)' },
    prompt: { type: 'string', value: 'text', help: 'the prompt (or give it as the operand)' },
    raw: { type: 'boolean', default: false, help: "send the prompt as it is, without the model's chat template" },
    think: { type: 'string', default: 'auto', value: 'auto|on|off', help: 'thinking, where the template can switch it' },
    'max-tokens': { type: 'string', default: '128', value: 'N', help: 'tokens to generate at most' },
    temperature: { type: 'string', default: '0.8', value: 'T', help: '0 is greedy' },
    seed: { type: 'string', value: 'N', help: 'the sampling seed (default: random)' },
    threads: { type: 'string', default: 'auto', value: 'auto|N', help: 'decode threads' },
    'gpu-layers': { type: 'string', default: '-1', value: 'N', help: 'layers to offload to a GPU (-1: all)' },
    'llama-lib-dir': { type: 'string', default: process.env.SEEKSTACK_LLAMA_LIB_DIR, value: 'dir', help: 'another build of the llama.cpp libraries' },
  },
});

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine('generate', args, spec.options);
  if (!parsed) return 2;
  const { values: options, positionals } = parsed;
  const prompt = options.prompt ?? (positionals.length > 0 ? positionals.join(' ') : 'Once upon a time');
  const seed = options.seed ?? String(Math.floor(Math.random() * 2 ** 31));
  const numbers = { 'max-tokens': Number(options['max-tokens']), temperature: Number(options.temperature), seed: Number(seed), 'gpu-layers': Number(options['gpu-layers']) };
  const invalid = (Object.keys(numbers) as Array<keyof typeof numbers>).find((n) => !Number.isFinite(numbers[n]));
  if (invalid) {
    console.error(`seekstack generate: --${invalid} must be a number, got ${String(invalid === 'seed' ? seed : options[invalid])}`);
    return 2;
  }
  if (!['auto', 'on', 'off'].includes(options.think)) {
    console.error(`seekstack generate: --think must be auto, on or off, got '${options.think}'`);
    return 2;
  }
  const engine = await startLocalEngine('generate', { modelPath: options.model, threads: options.threads, gpuLayers: numbers['gpu-layers'], libDir: options['llama-lib-dir'] });
  if (!engine) return 1;
  const { model } = engine;
  console.error(`${model.name} (${model.description}, ${model.gpuLayers === 0 ? 'CPU' : `${model.gpuLayers === -1 ? 'all' : model.gpuLayers} layers on GPU`}, ${model.threads} threads)`);
  const start = performance.now();
  let firstAt = 0;
  let numTokens = 0;
  const count = (tokens: number) => {
    if (numTokens === 0 && tokens > 0) firstAt = performance.now();
    numTokens += tokens;
  };
  const dim = process.stderr.isTTY ? [DIM, RESET] : ['', ''];
  try {
    const samplingParams = sampling(numbers.temperature, numbers.seed);
    if (options.raw) {
      process.stdout.write(prompt);
      for await (const event of engine.generate({ cacheKey: 'cli', prompt: { text: prompt, addSpecial: true }, sampling: samplingParams, maxTokens: numbers['max-tokens'], stop: [], stopOnEog: true })) {
        count(event.tokens.length);
        process.stdout.write(event.text);
      }
    } else {
      const thinking = options.think === 'auto' ? undefined : options.think === 'on';
      let isReasoning = false;
      for await (const delta of chatTurn(engine, [{ role: 'user', content: prompt }], { thinking, sampling: samplingParams, maxTokens: numbers['max-tokens'] })) {
        count(delta.numTokens);
        // The reasoning goes to stderr, so `generate … > answer.txt` keeps only the answer.
        if (delta.reasoning) process.stderr.write(`${dim[0]}${delta.reasoning}${dim[1]}`);
        isReasoning ||= delta.reasoning !== '';
        if (isReasoning && delta.content) {
          process.stderr.write('\n\n');
          isReasoning = false;
        }
        process.stdout.write(delta.content);
      }
    }
  } catch (error) {
    console.error(`\nseekstack generate: ${(error as Error).message}`);
    return 1;
  } finally {
    await engine.close();
  }
  process.stdout.write('\n');
  const decodeMs = performance.now() - firstAt;
  console.error(`\n${numTokens} tokens; first token after ${(firstAt - start).toFixed(0)} ms; ${((Math.max(numTokens - 1, 0) / decodeMs) * 1000).toFixed(1)} tok/s after it`);
  return 0;
}
