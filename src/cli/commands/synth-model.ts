/**
 * @module `seekstack synth-model`: writes a random-weight GGUF model (see src/engine/gguf/synth.ts) for
 * tests, demos and benchmarks.
 */
import { parseArgs } from 'node:util';
import { SYNTH_ARCHS, SYNTH_PRESETS, synthModel, WEIGHT_TYPES } from '../../engine/gguf/synth.ts';
import type { SynthOptions, SynthResult } from '../../engine/gguf/synth.ts';

const USAGE =
  'usage: seekstack synth-model --arch <llama|qwen2|deepseek2> --preset <tiny|bench> --out <file.gguf> [--wtype f32|f16|q8_0|q4_0] [--seed N]';

class UsageError extends Error {}

export async function run(args: string[]): Promise<number> {
  let options: SynthOptions | undefined;
  try {
    options = parse(args);
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
    // parseArgs adds hint lines; the first line says what is wrong.
    console.error(`seekstack synth-model: ${(error as Error).message.split('\n')[0]}`);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  let result: SynthResult;
  try {
    result = synthModel(options);
  } catch (error) {
    console.error(`seekstack synth-model: cannot write ${options.out}: ${(error as Error).message}`);
    return 1;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const megabytes = (result.fileSizeBytes / 2 ** 20).toFixed(1);
  console.log(`wrote ${result.path}: ${result.parameterCount.toLocaleString('en-US')} parameters, ${megabytes} MiB, in ${seconds} s`);
  return 0;
}

/** Undefined means `--help`. */
function parse(args: string[]): SynthOptions | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      arch: { type: 'string' },
      preset: { type: 'string' },
      out: { type: 'string' },
      wtype: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const arch = oneOf('--arch', values.arch, SYNTH_ARCHS);
  const preset = oneOf('--preset', values.preset, SYNTH_PRESETS);
  if (values.out === undefined || values.out === '') throw new UsageError(`--out <file.gguf> is required (${USAGE})`);
  const wtype = values.wtype === undefined ? undefined : oneOf('--wtype', values.wtype, WEIGHT_TYPES);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(/^\d+$/.test(values.seed!) && seed < 2 ** 32)) {
    throw new UsageError(`--seed must be an integer from 0 to 4294967295 (got '${values.seed}')`);
  }
  return { arch, preset, out: values.out, wtype, seed };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new UsageError(`${flag} is required, one of ${allowed.join(', ')} (${USAGE})`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
  }
  return value as T;
}
