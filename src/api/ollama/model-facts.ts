/**
 * What Ollama's model listings say about a model (`details`, `model_info`, `capabilities`, digest,
 * modification time), read from its GGUF header once per file version, so listing many models does
 * not re-read headers on every call; for a remote model, from what its upstream reported.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { GgufType } from '../../engine/gguf/format.ts';
import { readGgufInfo, type GgufInfo } from '../../engine/gguf/reader.ts';
import { summarizeGguf, type GgufSummary } from '../../engine/gguf/summary.ts';
import type { ModelInfo } from '../../engine/protocol.ts';
import { formatCount } from '../../models/units.ts';
import type { ServableModel } from '../../routing/registry.ts';
import { chatCapabilities } from '../chat-prompt.ts';

export interface ModelFacts {
  /** The GGUF header; null for a remote model, whose file is on its upstream. */
  info: GgufInfo | null;
  summary: GgufSummary;
  sizeBytes: number;
  modifiedAt: string;
  /**
   * Stands for the file's identity as Ollama's manifest digest does: a hash of its path, size and
   * modification time (hashing the weights themselves would read gigabytes on every listing).
   */
  digest: string;
}

const cache = new Map<string, { stamp: string; facts: ModelFacts }>();

/** A served model's facts, local or remote. */
export function servedModelFacts(model: ServableModel): ModelFacts {
  return model.isRemote && model.client ? remoteFacts(model.id, model.path, model.client.model) : modelFacts(model.path);
}

export function modelFacts(modelPath: string): ModelFacts {
  const stat = fs.statSync(modelPath);
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  const cached = cache.get(modelPath);
  if (cached?.stamp === stamp) return cached.facts;
  const info = readGgufInfo(modelPath);
  const facts: ModelFacts = {
    info,
    summary: summarizeGguf(info),
    sizeBytes: stat.size,
    modifiedAt: stat.mtime.toISOString(),
    digest: createHash('sha256').update(`${modelPath}\0${stamp}`).digest('hex'),
  };
  cache.set(modelPath, { stamp, facts });
  return facts;
}

/** Keyed by model and where it is served, so its modification time is when this server first saw it there. */
const remoteCache = new Map<string, ModelFacts>();

function remoteFacts(id: string, where: string, info: ModelInfo): ModelFacts {
  const stamp = `${id}\0${where}`;
  const cached = remoteCache.get(stamp);
  if (cached) return cached;
  const facts: ModelFacts = {
    info: null,
    summary: {
      name: info.name, architecture: info.architecture, parameterCount: info.numParams, quantization: '', contextLength: info.trainContextLength,
      fileSizeBytes: info.sizeBytes, chatTemplate: info.chatTemplate ?? undefined, hasFimTokens: info.fim !== null,
    },
    sizeBytes: info.sizeBytes,
    modifiedAt: new Date().toISOString(),
    digest: createHash('sha256').update(stamp).digest('hex'),
  };
  remoteCache.set(stamp, facts);
  return facts;
}

/** Ollama's `details` object. */
export function modelDetails({ summary }: ModelFacts) {
  return {
    parent_model: '',
    format: 'gguf',
    family: summary.architecture,
    families: [summary.architecture],
    parameter_size: formatCount(summary.parameterCount),
    quantization_level: summary.quantization,
  };
}

/** `completion` always; `tools`, `thinking` and `insert` (fill-in-the-middle) when the model has them. */
export function modelCapabilities({ summary }: ModelFacts): string[] {
  const caps = chatCapabilities(summary.chatTemplate);
  return [
    'completion',
    ...(caps.tools || caps.toolCallFormat !== 'none' ? ['tools'] : []),
    ...(caps.thinkingToggle || caps.reasoningFormat === 'deepseek-r1' ? ['thinking'] : []),
    ...(summary.hasFimTokens ? ['insert'] : []),
  ];
}

/**
 * Every metadata key of the header, as `ollama show` gives them: arrays (the vocabulary: hundreds of
 * thousands of entries) only when `verbose`, else null; the chat template is `template`, not repeated here.
 */
export function modelInfo({ info, summary }: ModelFacts, isVerbose: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { 'general.architecture': summary.architecture, 'general.parameter_count': summary.parameterCount };
  for (const [key, kv] of info?.metadata ?? []) {
    if (key === 'tokenizer.chat_template') continue;
    out[key] = kv.type === GgufType.ARRAY ? (isVerbose ? arrayValue(kv.value) : null) : jsonValue(kv.value);
  }
  return out;
}

function arrayValue(value: unknown): unknown {
  const items = (value as { items: readonly unknown[] }).items;
  return items.map((item) => (typeof item === 'object' && item !== null && 'items' in item ? arrayValue(item) : jsonValue(item)));
}

/** u64 values are bigints; JSON has no bigint, and no count in a header is beyond 2^53. */
function jsonValue(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}
