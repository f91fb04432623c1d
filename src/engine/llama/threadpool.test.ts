import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { synthModel } from '../gguf/synth.ts';
import { until } from '../../../test/helpers/until.ts';
import { loadLlama, type LlamaContext, type LlamaModel } from './index.ts';

const threadIds = () => new Set(fs.readdirSync('/proc/self/task'));
const added = (now: Set<string>, earlier: Set<string>) => [...now].filter((tid) => !earlier.has(tid));

describe('a context with its own ggml thread pool', () => {
  const llama = loadLlama();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-threadpool-test-'));
  let model: LlamaModel;

  before(async () => {
    model = await llama.loadModel(synthModel({ arch: 'llama', preset: 'tiny', out: path.join(dir, 'tiny.gguf') }).path, { nGpuLayers: 0 });
  });

  after(() => {
    model.free();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The logits of a 3-sequence batch (a multi-token graph) and then of one token. */
  function logits(ctx: LlamaContext): number[][] {
    const batch = llama.createBatch(32, 3);
    const prompt = model.vocab.tokenize('Once upon a time', true, false);
    const out: number[][] = [];
    batch.clear();
    for (let seq = 0; seq < 3; seq++) prompt.forEach((token, pos) => batch.add(token, pos, seq, pos === prompt.length - 1));
    assert.equal(ctx.decode(batch), 0);
    out.push([...ctx.getLogitsIth(-1)]);
    batch.clear();
    batch.add(prompt[1], prompt.length, 0, true);
    assert.equal(ctx.decode(batch), 0);
    out.push([...ctx.getLogitsIth(-1)]);
    batch.free();
    return out;
  }

  it('keeps its worker threads for its whole life, frees them with the context, and computes the same logits', { skip: process.platform !== 'linux' && 'counts threads in /proc' }, async () => {
    const options = { nCtx: 128, nBatch: 32, nSeqMax: 3, nThreads: 2, kvUnified: true, flashAttn: false };
    const plain = llama.createContext(model, options);
    const expected = logits(plain);
    plain.free();

    const before = threadIds();
    const pooled = llama.createContext(model, { ...options, threadPools: { poll: 0, sizes: [1, 2] } });
    // A pool of one thread is the calling thread alone; the pool of two has one worker beside it.
    const workers = added(threadIds(), before);
    assert.equal(workers.length, 1);
    const withPools = threadIds();
    assert.deepEqual(logits(pooled), expected);
    assert.deepEqual(added(threadIds(), withPools), [], 'no threads come and go per decode');
    pooled.useThreads(1);
    pooled.memory.clear(true);
    assert.equal(pooled.nThreads, 1);
    assert.deepEqual(logits(pooled), expected, 'one thread computes the same logits as two');
    assert.throws(() => pooled.useThreads(3), /no thread pool of 3 threads/);
    const alive = threadIds();
    assert.ok(workers.every((tid) => alive.has(tid)), 'the worker lives as long as the context');
    pooled.free();
    // Its own worker, not the process's thread count: CI once counted one thread more after free.
    await until('the worker leaves with the context', () => !workers.some((tid) => threadIds().has(tid)), { timeoutMs: 5_000 });
  });
});
