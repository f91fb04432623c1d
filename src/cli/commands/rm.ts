/** `seekstack rm <model>…`: deletes local models (every part of a split one); the bundled model stays. */
import { defineCommand, parseCommandLine } from '../args.ts';
import { DATA_DIR_OPTION, reportingModelErrors } from '../model-options.ts';
import { removeModel } from '../../models/library.ts';
import { formatBytes } from '../../models/units.ts';

export const spec = defineCommand({ operands: '<model>…', options: DATA_DIR_OPTION });

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine('rm', args, spec.options);
  if (!parsed) return 2;
  if (parsed.positionals.length === 0) {
    console.error(`usage: seekstack rm ${spec.operands} [options]`);
    return 2;
  }
  let exitCode = 0;
  for (const name of parsed.positionals) {
    exitCode = Math.max(exitCode, await reportingModelErrors('rm', () => {
      const model = removeModel(parsed.values['data-dir'], name);
      const size = model.summary ? ` (${formatBytes(model.summary.fileSizeBytes)} freed)` : '';
      console.log(`removed ${model.name}${size}`);
      return 0;
    }));
  }
  return exitCode;
}
