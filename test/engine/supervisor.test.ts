import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EngineClient } from '../../src/engine/client.ts';
import { EngineError } from '../../src/engine/errors.ts';
import { readGgufInfo } from '../../src/engine/gguf/reader.ts';
import { collect, engineConfig, request, startEngine } from '../helpers/engine.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';

describe('engine process supervision', () => {
  it('fails in-flight requests when the engine is killed, then restarts and serves again', async (t) => {
    const engine = await startEngine(t, await tinyModel('qwen2'));
    const firstPid = engine.pid;
    const inFlight = [0, 1, 2].map((i) => collect(engine.generate(request(`crash ${i}`, { maxTokens: 100000 }))));
    const restarted = new Promise((resolve) => engine.once('restart', resolve));
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(firstPid as number, 'SIGKILL');
    const results = await Promise.allSettled(inFlight);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal((r.reason as EngineError).code, 'engine_unavailable');
    }
    await restarted;
    assert.notEqual(engine.pid, firstPid);
    assert.equal(engine.restarts, 1);
    const after = await collect(engine.generate(request('after the crash')));
    assert.equal(after.finishReason, 'length');
    assert.equal(after.tokens.length, 16);
  });

  it('fails the request with a clear error when a model with broken weights produces NaN logits', async (t) => {
    const source = await tinyModel('qwen2');
    const info = readGgufInfo(source);
    const norm = info.tensors.find((tensor) => tensor.name === 'output_norm.weight');
    assert.ok(norm && norm.type === 0, 'an F32 output norm');
    const bytes = fs.readFileSync(source);
    for (let i = 0; i < norm.dims[0]; i++) bytes.writeFloatLE(Number.NaN, info.dataOffset + norm.offset + i * 4);
    const file = path.join(scratchDir(), 'nan.gguf');
    fs.writeFileSync(file, bytes);
    const engine = await startEngine(t, file);
    const result = await collect(engine.generate(request('hello')));
    assert.equal(result.finishReason, 'error');
    assert.match(result.events.at(-1)?.error ?? '', /NaN logits/);
    assert.equal(result.tokens.length, 0, 'no garbage token reached the client');
    assert.equal((await engine.stats()).numRunning, 0, 'the engine is alive and the slot is free');
  });

  describe('refuses malformed GGUF files without crashing any process', () => {
    const cases: Array<[string, (bytes: Buffer) => Buffer, RegExp]> = [
      ['truncated', (b) => b.subarray(0, Math.floor(b.length * 0.6)), /beyond the end of the file|truncated/i],
      ['wrong magic', (b) => Buffer.concat([Buffer.from('GGML'), b.subarray(4)]), /magic/i],
      ['version 1', (b) => { const c = Buffer.from(b); c.writeUInt32LE(1, 4); return c; }, /version 1/i],
      ['missing feed_forward_length', (b) => renameKey(b, 'llama.feed_forward_length', 'llama.feed_forward_lengtx'), /feed_forward_length/],
    ];
    for (const [name, corrupt, expected] of cases) {
      it(name, async () => {
        const file = path.join(scratchDir(), `${name.replace(/\W+/g, '-')}.gguf`);
        fs.writeFileSync(file, corrupt(fs.readFileSync(await tinyModel('llama'))));
        await assert.rejects(EngineClient.start(engineConfig(file)), (e: EngineError) => {
          assert.equal(e.code, 'model_invalid');
          assert.match(e.message, expected);
          assert.ok(!e.message.includes('\n'), 'one line');
          return true;
        });
      });
    }
  });
});

/** Rename a metadata key in place (same length), so the file stays well-formed but lacks the key. */
function renameKey(bytes: Buffer, from: string, to: string): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(from);
  assert.ok(at > 0 && from.length === to.length);
  copy.write(to, at);
  return copy;
}

describe('engine process environment', () => {
  it('has glibc put its large allocations (the KV cache) on huge pages, unless the user set that tunable', async (t) => {
    const before = process.env.GLIBC_TUNABLES;
    t.after(() => {
      if (before === undefined) delete process.env.GLIBC_TUNABLES;
      else process.env.GLIBC_TUNABLES = before;
    });
    const tunablesOf = (pid: number | undefined) =>
      fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((v) => v.startsWith('GLIBC_TUNABLES='));
    const hugeKbOf = (pid: number | undefined) => Number(/AnonHugePages:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]);
    // The kernel's mode: huge pages always, only where advised (glibc's tunable), or never.
    const mode = /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1];
    // 16,384 cells: a KV cache of several MiB, so some of it spans whole 2 MiB pages.
    const cells = { totalCells: 16384 };

    delete process.env.GLIBC_TUNABLES;
    const engine = await startEngine(t, await tinyModel('qwen2'), cells);
    assert.equal(tunablesOf(engine.pid), 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1');
    if (mode !== 'never') assert.ok(hugeKbOf(engine.pid) >= 2048, `huge pages: ${hugeKbOf(engine.pid)} kB`);

    process.env.GLIBC_TUNABLES = 'glibc.malloc.hugetlb=0';
    const own = await startEngine(t, await tinyModel('qwen2'), cells);
    assert.equal(tunablesOf(own.pid), 'GLIBC_TUNABLES=glibc.malloc.hugetlb=0');
    if (mode === 'madvise') assert.equal(hugeKbOf(own.pid), 0);
  });
});
