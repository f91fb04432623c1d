/**
 * `seekstack pull <model>`: downloads a catalog model or a Hugging Face GGUF into `<data-dir>/models/`,
 * resumable and SHA-256 verified. `HF_ENDPOINT` (or `--endpoint`) picks a mirror; `HF_TOKEN` opens gated repos.
 */
import { defineCommand, parseCommandLine } from '../args.ts';
import { DATA_DIR_OPTION, reportingModelErrors } from '../model-options.ts';
import { progressPrinter } from '../../models/progress.ts';
import { pullModel } from '../../models/pull.ts';
import { formatBytes } from '../../models/units.ts';

export const spec = defineCommand({
  operands: '<catalog-name | owner/repo[:file.gguf | :QUANT]>',
  options: {
    ...DATA_DIR_OPTION,
    revision: { type: 'string', value: 'rev', help: 'a branch, tag or commit of the repo (default: main)' },
    endpoint: { type: 'string', value: 'url', help: 'a Hugging Face mirror (default: HF_ENDPOINT, else huggingface.co)' },
  },
  notes: 'HF_TOKEN opens gated and private repos.',
});

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine('pull', args, spec.options);
  if (!parsed) return 2;
  if (parsed.positionals.length !== 1) {
    console.error(`usage: seekstack pull ${spec.operands} [options]`);
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
