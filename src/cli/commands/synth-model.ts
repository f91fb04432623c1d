/**
 * @module `seekstack synth-model`: writes a random-weight GGUF model (see src/engine/gguf/synth.ts) for
 * tests, demos and benchmarks.
 */
import { SYNTH_ARCHS, SYNTH_PRESETS, synthModel, WEIGHT_TYPES } from '../../engine/gguf/synth.ts';
import type { SynthOptions, SynthResult } from '../../engine/gguf/synth.ts';
import { defineCommand, parseCommandArgs } from '../args.ts';

export const spec = defineCommand({
  options: {
    arch: { type: 'string', value: SYNTH_ARCHS.join('|'), help: 'the architecture (required)' },
    preset: { type: 'string', value: SYNTH_PRESETS.join('|'), help: 'tiny for tests, bench for benchmarks (required)' },
    out: { type: 'string', value: 'file.gguf', help: 'where to write it (required)' },
    wtype: { type: 'string', value: WEIGHT_TYPES.join('|'), help: 'the weight type (default: the preset\'s)' },
    seed: { type: 'string', value: 'N', help: 'the seed of the random weights' },
  },
});

class UsageError extends Error {}

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs('synth-model', args, spec.options);
  if (!values) return 2;
  let options: SynthOptions;
  try {
    options = validate(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`seekstack synth-model: ${error.message} (seekstack synth-model --help lists the options)`);
    return 2;
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

function validate(values: NonNullable<ReturnType<typeof parseCommandArgs<typeof spec.options>>>): SynthOptions {
  const arch = oneOf('--arch', values.arch, SYNTH_ARCHS);
  const preset = oneOf('--preset', values.preset, SYNTH_PRESETS);
  if (values.out === undefined || values.out === '') throw new UsageError('--out <file.gguf> is required');
  const wtype = values.wtype === undefined ? undefined : oneOf('--wtype', values.wtype, WEIGHT_TYPES);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(/^\d+$/.test(values.seed!) && seed < 2 ** 32)) {
    throw new UsageError(`--seed must be an integer from 0 to 4294967295 (got '${values.seed}')`);
  }
  return { arch, preset, out: values.out, wtype, seed };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw new UsageError(`${flag} is required, one of ${allowed.join(', ')}`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
  }
  return value as T;
}
