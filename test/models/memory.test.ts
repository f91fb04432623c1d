import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readGgufInfo } from '../../src/engine/gguf/reader.ts';
import { CATALOG, catalogEntry, catalogMemory } from '../../src/models/catalog.ts';
import { estimateModelMemory } from '../../src/models/memory.ts';
import { tinyModel } from '../helpers/models.ts';

describe('memory estimates', () => {
  it('counts the weights as the tensor data and the KV cache from the attention shape', async () => {
    const file = await tinyModel('qwen2');
    const info = readGgufInfo(file);
    const estimate = estimateModelMemory(file, 1000);
    assert.equal(estimate.weightsBytes, info.fileSize - info.dataOffset);
    // 2 layers × 2 KV heads × (16 key + 16 value) × 2 bytes (F16) per token.
    assert.equal(estimate.kvCacheBytes, 256 * 1000);
    assert.equal(estimate.totalBytes, estimate.weightsBytes + estimate.kvCacheBytes);
  });

  it('counts only the latent for MLA models', async () => {
    // 2 layers × (32 latent + 16 rope) × 2 bytes per token, and no V cache.
    assert.equal(estimateModelMemory(await tinyModel('deepseek2'), 1000).kvCacheBytes, 192 * 1000);
  });

  it('gives catalog entries the memory of their published shapes', () => {
    const entry = catalogEntry('deepseek-r1-distill-qwen:1.5b')!;
    assert.equal(entry.name, 'deepseek-r1-distill-qwen:1.5b-q4_k_m');
    // Qwen2.5-Math-1.5B: 28 layers × 2 KV heads × (128 + 128) × 2 bytes = 28 KiB per token.
    assert.equal(catalogMemory(entry, 8192).kvCacheBytes, 28 * 1024 * 8192);
  });

  it('never calls a distill by the name of the model it was distilled from', () => {
    for (const entry of CATALOG) {
      const isDistill = /distill/i.test(entry.repo) || /-Qwen3-/.test(entry.repo);
      assert.equal(entry.name.includes('distill'), isDistill, entry.name);
      if (entry.name.startsWith('deepseek-r1:')) assert.equal(entry.parameterCount, 671e9);
    }
  });
});
