/**
 * `seekstack show <model>`: what a local model is (header facts, memory at `--ctx-size` and at its full
 * context), what its chat template lets it do (thinking, tools, fill-in-the-middle), and with `--template`
 * or `--metadata` the template itself or every metadata key. A catalog model not yet pulled shows its
 * catalog entry.
 */
import { defineCommand, parseCommandLine } from '../args.ts';
import { CTX_SIZE_OPTION, DATA_DIR_OPTION, positiveInteger, reportingModelErrors } from '../model-options.ts';
import { templateCapabilities } from '../../chat/capabilities.ts';
import { ChatTemplate, ChatTemplateError } from '../../chat/chat-template.ts';
import { GgufType } from '../../engine/gguf/format.ts';
import type { GgufKv } from '../../engine/gguf/metadata.ts';
import { readGgufInfo } from '../../engine/gguf/reader.ts';
import type { GgufSummary } from '../../engine/gguf/summary.ts';
import { catalogEntry, catalogMemory, type CatalogEntry } from '../../models/catalog.ts';
import { resolveModel, type LocalModel } from '../../models/library.ts';
import { estimateModelMemory, type MemoryEstimate } from '../../models/memory.ts';
import { formatBytes, formatCount } from '../../models/units.ts';

const MAX_VALUE_CHARS = 80;

export const spec = defineCommand({
  operands: '<model>',
  options: {
    ...DATA_DIR_OPTION,
    ...CTX_SIZE_OPTION,
    template: { type: 'boolean', help: 'print the chat template' },
    metadata: { type: 'boolean', help: 'print every metadata key of the GGUF header' },
  },
});

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine('show', args, spec.options);
  if (!parsed) return 2;
  if (parsed.positionals.length !== 1) {
    console.error(`usage: seekstack show ${spec.operands} [options]`);
    return 2;
  }
  const { values } = parsed;
  const contextTokens = positiveInteger('show', 'ctx-size', values['ctx-size']);
  if (contextTokens === null) return 2;
  const [name] = parsed.positionals;
  return reportingModelErrors('show', () => {
    const entry = catalogEntry(name);
    let model: LocalModel;
    try {
      model = resolveModel(values['data-dir'], name);
    } catch (error) {
      if (!entry) throw error;
      console.log(rows(catalogRows(entry, contextTokens)));
      return 0;
    }
    if (!model.summary) {
      console.error(`seekstack show: ${model.problem}`);
      return 1;
    }
    if (values.template) {
      console.log(model.summary.chatTemplate ?? '(no chat template)');
      return 0;
    }
    if (values.metadata) {
      for (const [key, kv] of readGgufInfo(model.path).metadata) console.log(`${key} = ${describeValue(kv)}`);
      return 0;
    }
    console.log(rows(localRows(model, model.summary, contextTokens, entry)));
    return 0;
  });
}

function localRows(model: LocalModel, s: GgufSummary, contextTokens: number, entry: CatalogEntry | undefined): [string, string][] {
  const memory = estimateModelMemory(model.path, Math.min(contextTokens, s.contextLength || contextTokens));
  const full = s.contextLength > memory.contextTokens ? estimateModelMemory(model.path, s.contextLength) : undefined;
  return [
    ['name', model.name + (model.isBundled ? ' (bundled)' : '')],
    ...(entry ? [['about', entry.description] as [string, string]] : []),
    ...(model.origin ? [['from', `${model.origin.repo}:${model.origin.file}`] as [string, string]] : []),
    ['file', model.parts.length > 1 ? `${model.path} (+${model.parts.length - 1} more parts)` : model.path],
    ['architecture', s.architecture],
    ['parameters', formatCount(s.parameterCount)],
    ['quantization', s.quantization],
    ['context', `${s.contextLength} tokens`],
    ['size', formatBytes(s.fileSizeBytes)],
    ['memory', describeMemory(memory) + (full ? `; ${formatBytes(full.totalBytes)} at the full context` : '')],
    ['capabilities', capabilities(s)],
    ['chat template', s.chatTemplate ? `${s.chatTemplate.split('\n').length} lines (--template prints it)` : 'none (chat falls back to ChatML)'],
  ];
}

function catalogRows(entry: CatalogEntry, contextTokens: number): [string, string][] {
  const active = entry.activeParameterCount ? `, ${formatCount(entry.activeParameterCount)} active per token` : '';
  return [
    ['name', `${entry.name} (not pulled: 'seekstack pull ${entry.name}')`],
    ['about', entry.description],
    ['from', `${entry.repo}:${entry.file}`],
    ['parameters', `${formatCount(entry.parameterCount)}${active}`],
    ['quantization', entry.quantization],
    ['context', `${entry.contextLength} tokens`],
    ['size', `~${formatBytes(entry.fileSizeBytes)}`],
    ['memory', `~${describeMemory(catalogMemory(entry, Math.min(contextTokens, entry.contextLength)))}`],
  ];
}

function describeMemory(memory: MemoryEstimate): string {
  return `${formatBytes(memory.totalBytes)} at ${memory.contextTokens} tokens (weights ${formatBytes(memory.weightsBytes)} + KV cache ${formatBytes(memory.kvCacheBytes)})`;
}

function capabilities(s: GgufSummary): string {
  const fim = s.hasFimTokens ? 'fill-in-the-middle' : undefined;
  if (!s.chatTemplate) return fim ?? 'none';
  let template: ChatTemplate;
  try {
    template = new ChatTemplate(s.chatTemplate);
  } catch (error) {
    if (!(error instanceof ChatTemplateError)) throw error;
    return `unknown (${error.message})`;
  }
  const caps = templateCapabilities(template);
  const thinking = caps.thinkingToggle ? 'thinking (switchable)' : caps.reasoningFormat === 'deepseek-r1' ? 'thinking (always on)' : undefined;
  const tools = caps.tools || caps.toolCallFormat !== 'none' ? 'tools' : undefined;
  return [thinking, tools, fim].filter(Boolean).join(', ') || 'plain chat';
}

function describeValue(kv: GgufKv): string {
  if (kv.type === GgufType.ARRAY) {
    const { items } = kv.value as { items: readonly unknown[] };
    return `[${items.length} items]`;
  }
  const text = String(kv.value);
  const oneLine = text.replace(/\n/g, '\\n');
  return oneLine.length > MAX_VALUE_CHARS ? `${oneLine.slice(0, MAX_VALUE_CHARS)}… (${text.length} chars)` : oneLine;
}

function rows(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
