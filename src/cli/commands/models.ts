/**
 * `seekstack models`: the models on this machine, or with `--catalog` the DeepSeek models Seekstack can
 * pull, with the memory each needs at `--ctx-size` tokens of context (the `serve` default).
 */
import { defineCommand, parseCommandArgs } from '../args.ts';
import { CTX_SIZE_OPTION, DATA_DIR_OPTION, positiveInteger } from '../model-options.ts';
import { CATALOG, catalogMemory } from '../../models/catalog.ts';
import { listModels } from '../../models/library.ts';
import { formatBytes, formatCount } from '../../models/units.ts';
import { formatTable } from '../table.ts';

export const spec = defineCommand({
  options: { ...DATA_DIR_OPTION, ...CTX_SIZE_OPTION, catalog: { type: 'boolean', help: 'the DeepSeek models Seekstack can pull, instead of the local ones' } },
});

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs('models', args, spec.options);
  if (!values) return 2;
  const contextTokens = positiveInteger('models', 'ctx-size', values['ctx-size']);
  if (contextTokens === null) return 2;
  const local = listModels(values['data-dir']);
  if (values.catalog) {
    const pulled = new Set(local.map((model) => model.name));
    const rows = CATALOG.map((entry) => {
      const memory = catalogMemory(entry, Math.min(contextTokens, entry.contextLength));
      const active = entry.activeParameterCount ? ` (${formatCount(entry.activeParameterCount)} active)` : '';
      return [
        `${entry.name}${pulled.has(entry.name) ? ' *' : ''}`,
        `${formatCount(entry.parameterCount)}${active}`,
        entry.quantization,
        String(entry.contextLength),
        `~${formatBytes(entry.fileSizeBytes)}`,
        `~${formatBytes(memory.totalBytes)}`,
        entry.description,
      ];
    });
    console.log(formatTable([['NAME', 'PARAMETERS', 'QUANT', 'CONTEXT', 'SIZE', `MEMORY@${contextTokens}`, 'WHAT IT IS'], ...rows]));
    console.log(`\n* pulled. Pull with 'seekstack pull <name>'; sizes are approximate until pulled.`);
    return 0;
  }
  const rows = local.map((model) => {
    const s = model.summary;
    const name = `${model.name}${model.isBundled ? ' (bundled)' : ''}`;
    if (!s) return [name, `unreadable: ${model.problem}`, '', '', '', ''];
    return [name, s.architecture, formatCount(s.parameterCount), s.quantization, String(s.contextLength), formatBytes(s.fileSizeBytes)];
  });
  console.log(formatTable([['NAME', 'ARCH', 'PARAMETERS', 'QUANT', 'CONTEXT', 'SIZE'], ...rows]));
  return 0;
}
