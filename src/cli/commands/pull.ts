/**
 * `seekstack pull <model>`: downloads a catalog model or a Hugging Face GGUF into `<data-dir>/models/`,
 * resumable and SHA-256 verified. `HF_ENDPOINT` (or `--endpoint`) picks a mirror; `HF_TOKEN` opens gated repos.
 */
import { parseCommandLine } from '../args.ts';
import { DATA_DIR_OPTION, reportingModelErrors } from '../model-options.ts';
import { progressPrinter } from '../../models/progress.ts';
import { pullModel } from '../../models/pull.ts';
import { formatBytes } from '../../models/units.ts';

const USAGE = 'usage: seekstack pull <catalog-name | owner/repo[:file.gguf | :QUANT]> [--data-dir dir] [--revision rev] [--endpoint url]';

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine('pull', args, {
    ...DATA_DIR_OPTION,
    revision: { type: 'string' },
    endpoint: { type: 'string' },
  });
  if (!parsed) return 2;
  if (parsed.positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const { values } = parsed;
  return reportingModelErrors('pull', async () => {
    const model = await pullModel(parsed.positionals[0], {
      dataDir: values['data-dir'],
      revision: values.revision,
      endpoint: values.endpoint,
      onEvent: progressPrinter(process.stdout),
    });
    const size = model.summary ? `, ${formatBytes(model.summary.fileSizeBytes)}` : '';
    console.log(`pulled ${model.name}${size}: ${model.path}`);
    return 0;
  });
}
