/**
 * @module Checks a GGUF before llama.cpp sees it. llama.cpp fails some bad files with a catchable error
 * but aborts the whole process on others (a zero `feed_forward_length` or `head_count` hits
 * `GGML_ASSERT(t_meta.ne[dim] >= 1)`), and a truncated download only fails once tensors are read.
 * Every problem becomes a one-line {@link GgufError} naming the file.
 */
import { LLAMA_CPP_ARCHITECTURES, MOE_ONLY_ARCHITECTURES, RECURRENT_ARCHITECTURES } from './architectures.ts';
import { GgufError } from './error.ts';
import { alignUp, elementCount, GGML_TYPE_TRAITS, GGUF_VERSION, GgufType, tensorByteSize } from './format.ts';
import { metaArray, metaNumber, metaString, toNumber } from './metadata.ts';
import { readGgufInfo, type GgufInfo } from './reader.ts';

export { GgufError } from './error.ts';

/** llama.cpp's `GGML_MAX_NAME` includes the terminating NUL. */
const MAX_TENSOR_NAME_BYTES = 63;

export function validateGguf(path: string): GgufInfo {
  const info = readGgufInfo(path);
  const fail = (problem: string): never => {
    throw new GgufError(path, problem);
  };
  if (info.version !== GGUF_VERSION) fail(`unsupported GGUF version ${info.version} (expected ${GGUF_VERSION})`);
  checkMetadata(info, fail);
  checkTensors(info, fail);
  return info;
}

type Fail = (problem: string) => never;

function checkMetadata(info: GgufInfo, fail: Fail): void {
  const { metadata } = info;
  for (const [key, kv] of metadata) {
    if (kv.type === GgufType.ARRAY && metaArray(metadata, key)!.itemType === GgufType.ARRAY) {
      fail(`metadata '${key}' is an array of arrays, which llama.cpp cannot load`);
    }
  }

  if (!metadata.has('general.architecture')) fail(`missing required key 'general.architecture'`);
  const arch = metaString(metadata, 'general.architecture') ?? fail(`'general.architecture' is not a string`);
  if (!LLAMA_CPP_ARCHITECTURES.has(arch)) fail(`unknown architecture '${arch}' (llama.cpp v0.4.0 cannot load it)`);

  const layers = checkCount(info, `${arch}.block_count`, fail);
  checkCount(info, `${arch}.context_length`, fail);
  checkCount(info, `${arch}.embedding_length`, fail);
  const expertFfnKey = `${arch}.expert_feed_forward_length`;
  const ffnKey =
    MOE_ONLY_ARCHITECTURES.has(arch) && metadata.has(expertFfnKey) ? expertFfnKey : `${arch}.feed_forward_length`;
  checkCount(info, ffnKey, fail, layers);
  if (!RECURRENT_ARCHITECTURES.has(arch)) checkCount(info, `${arch}.attention.head_count`, fail, layers);

  if (!metadata.has('tokenizer.ggml.model')) fail(`missing required key 'tokenizer.ggml.model'`);
  if (metaString(metadata, 'tokenizer.ggml.model') === undefined) fail(`'tokenizer.ggml.model' is not a string`);
  if (!metadata.has('tokenizer.ggml.tokens')) fail(`missing required key 'tokenizer.ggml.tokens'`);
  const tokens = metaArray(metadata, 'tokenizer.ggml.tokens');
  if (tokens?.itemType !== GgufType.STRING) fail(`'tokenizer.ggml.tokens' is not an array of strings`);
  if (tokens!.items.length === 0) fail(`'tokenizer.ggml.tokens' is empty`);
}

/**
 * A count must be present and non-zero. Per-layer arrays (hybrid models) may hold zeros for some
 * layers, but need one entry per layer and one non-zero entry. Returns the count (the largest entry).
 */
function checkCount(info: GgufInfo, key: string, fail: Fail, layers?: number): number {
  const kv = info.metadata.get(key) ?? fail(`missing required key '${key}'`);
  if (kv.type === GgufType.ARRAY && layers !== undefined) {
    const values = metaArray(info.metadata, key)!.items.map(toNumber);
    if (values.length !== layers) fail(`'${key}' has ${values.length} entries, but block_count is ${layers}`);
    if (values.some((value) => value === undefined)) fail(`'${key}' must hold integers`);
    const largest = Math.max(...(values as number[]));
    if (largest <= 0) fail(`'${key}' is 0 for every layer, which makes llama.cpp abort (GGML_ASSERT ne >= 1)`);
    return largest;
  }
  const value = metaNumber(info.metadata, key);
  if (value === undefined || !Number.isInteger(value)) fail(`'${key}' must be an integer`);
  if (value! <= 0) fail(`'${key}' is ${value}, which makes llama.cpp abort (GGML_ASSERT ne >= 1)`);
  return value!;
}

function checkTensors(info: GgufInfo, fail: Fail): void {
  const seen = new Set<string>();
  let expectedOffset = 0;
  for (const tensor of info.tensors) {
    const { name, dims, type, offset } = tensor;
    if (seen.has(name)) fail(`tensor '${name}' appears twice`);
    seen.add(name);
    if (Buffer.byteLength(name) > MAX_TENSOR_NAME_BYTES) {
      fail(`tensor name '${name}' is longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
    }

    const traits = GGML_TYPE_TRAITS.get(type) ?? fail(`tensor '${name}' has unknown ggml type ${type}`);
    const rowLength = dims[0] ?? 1;
    if (rowLength % traits.blockSize !== 0) {
      fail(
        `tensor '${name}' (${traits.name}) has rows of ${rowLength} elements, ` +
          `not a multiple of the block size ${traits.blockSize}`,
      );
    }
    if (!Number.isSafeInteger(elementCount(dims))) fail(`tensor '${name}' has too many elements (${dims.join(' x ')})`);
    const byteSize = tensorByteSize(traits, dims);

    if (offset !== expectedOffset) {
      fail(
        `tensor '${name}' starts at data offset ${offset}, expected ${expectedOffset} ` +
          `(tensors must be contiguous and ${info.alignment}-byte aligned)`,
      );
    }
    expectedOffset = alignUp(offset + byteSize, info.alignment);

    const end = info.dataOffset + offset + byteSize;
    if (end > info.fileSize) {
      fail(
        `tensor '${name}' ends at byte ${end}, but the file has only ${info.fileSize} bytes: ` +
          `it is truncated (incomplete download?)`,
      );
    }
  }
}
