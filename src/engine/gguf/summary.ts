/** @module The facts about a model file that the rest of the engine shows or decides on. */
import { basename } from 'node:path';
import { elementCount, GGML_TYPE_TRAITS } from './format.ts';
import { metaArray, metaNumber, metaString } from './metadata.ts';
import type { GgufInfo } from './reader.ts';

export interface GgufSummary {
  /** `general.name`, else the file name without `.gguf`. */
  readonly name: string;
  readonly architecture: string;
  /** Sum of all tensor elements. */
  readonly parameterCount: number;
  /** The ggml type holding the most weight-matrix elements, upper-case (`Q8_0`, `Q4_K`, `F16`). */
  readonly quantization: string;
  readonly contextLength: number;
  readonly fileSizeBytes: number;
  readonly chatTemplate: string | undefined;
  /** Whether llama.cpp will find FIM prefix, suffix and middle tokens (so infill requests can work). */
  readonly hasFimTokens: boolean;
}

/** Expects a file that passed `validateGguf`. */
export function summarizeGguf(info: GgufInfo): GgufSummary {
  const architecture = metaString(info.metadata, 'general.architecture') ?? '';
  return {
    name: metaString(info.metadata, 'general.name') ?? basename(info.path, '.gguf'),
    architecture,
    parameterCount: info.tensors.reduce((sum, tensor) => sum + elementCount(tensor.dims), 0),
    quantization: quantization(info),
    contextLength: metaNumber(info.metadata, `${architecture}.context_length`) ?? 0,
    fileSizeBytes: info.fileSize,
    chatTemplate: metaString(info.metadata, 'tokenizer.chat_template'),
    hasFimTokens: hasFimTokens(info),
  };
}

/** Norms and biases are F32 in nearly every model, so only matrices count. */
function quantization(info: GgufInfo): string {
  const elementsByType = new Map<number, number>();
  for (const tensor of info.tensors) {
    if (tensor.dims.length < 2) continue;
    elementsByType.set(tensor.type, (elementsByType.get(tensor.type) ?? 0) + elementCount(tensor.dims));
  }
  let best = 0;
  let bestElements = -1;
  for (const [type, elements] of elementsByType) {
    if (elements > bestElements) [best, bestElements] = [type, elements];
  }
  return (GGML_TYPE_TRAITS.get(best)?.name ?? `type${best}`).toUpperCase();
}

/**
 * llama.cpp takes FIM token ids from metadata (current and deprecated keys), and otherwise recognises
 * these token texts (src/llama-vocab.cpp, "find FIM_PRE token" and the two after it).
 */
const FIM_ROLES = [
  {
    keys: ['tokenizer.ggml.fim_pre_token_id', 'tokenizer.ggml.prefix_token_id'],
    texts: ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>'],
  },
  {
    keys: ['tokenizer.ggml.fim_suf_token_id', 'tokenizer.ggml.suffix_token_id'],
    texts: ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>'],
  },
  {
    keys: ['tokenizer.ggml.fim_mid_token_id', 'tokenizer.ggml.middle_token_id'],
    texts: ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>'],
  },
];

function hasFimTokens(info: GgufInfo): boolean {
  const tokens = metaArray(info.metadata, 'tokenizer.ggml.tokens')?.items ?? [];
  const texts = new Set(tokens);
  return FIM_ROLES.every(
    (role) =>
      role.keys.some((key) => {
        const id = metaNumber(info.metadata, key);
        return id !== undefined && id >= 0 && id < tokens.length;
      }) || role.texts.some((text) => texts.has(text)),
  );
}
