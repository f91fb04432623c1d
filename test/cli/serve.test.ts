import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { openPlatform } from '../../src/platform/platform.ts';
import { scratchDir, tinyModel } from '../helpers/models.ts';
import { BIN, startServeProcess } from '../helpers/serve-process.ts';
import { until } from '../helpers/until.ts';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';

describe('seekstack serve', () => {
  it('serves the API on the printed URL, exports metrics, and stops cleanly on SIGTERM', async () => {
    const model = await tinyModel('qwen2');
    const { child, url } = await startServeProcess(['--model', model, '--alias', `house-model=${path.basename(model)}`, '--threads', '1', '--slots', '2', '--data-dir', scratchDir()], { asCommand: true });
    // The command's shebang sets the server's memory settings (bin/seekstack.js); the engine process inherits the environment.
    assert.ok(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=2'));
    assert.ok(fs.readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0').includes('MALLOC_ARENA_MAX=2'));
    const client = new OpenAI({ baseURL: url, apiKey: 'local', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 });
    assert.ok(reply.choices[0].finish_reason);
    const root = url.replace(/\/v1$/, '');
    assert.equal((await fetch(`${root}/health`)).status, 200);
    const metrics = await (await fetch(`${root}/metrics`)).text();
    assert.match(metrics, /seekstack_http_requests_total\{route="\/v1\/chat\/completions",status="200"\} 1/);
    assert.match(metrics, /seekstack_time_to_first_token_seconds_count\{model="[^"]+"\} 1/);
    assert.match(metrics, /seekstack_completion_tokens_total\{model="[^"]+"\} [1-4]/);
    assert.match(metrics, /seekstack_queue_depth\{model="[^"]+"\} 0/);
    assert.match(metrics, /seekstack_engine_restarts\{model="[^"]+"\} 0/);
    const engineResident = Number(/seekstack_engine_resident_bytes\{model="[^"]+"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(engineResident > 20 * 2 ** 20, `the engine process's resident memory is reported (${engineResident} bytes)`);
    assert.ok((await client.models.list()).data.some((m) => m.id === 'house-model'), '--alias names are listed');
    assert.equal((await client.chat.completions.create({ model: 'house-model', messages: [{ role: 'user', content: 'hello' }], max_tokens: 1 })).model, 'house-model');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });

  it('refuses a bad option and a bad model with one line and a non-zero exit', async () => {
    const run = async (...args: string[]) => {
      const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const [code] = await once(child, 'exit');
      return { code, stderr };
    };
    const dataDir = scratchDir();
    const badPort = await run('--port', 'eighty');
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port must be an integer/);
    const exposed = await run('--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir);
    assert.equal(exposed.code, 2);
    assert.match(exposed.stderr, /refusing to listen on 0\.0\.0\.0 without authentication: no API key exists yet/);
    // Each numeric option's bounds are checked before any model loads: one line each, not an engine dying.
    for (const [option, value, expected] of [
      ['--stream-interval', '0', /--stream-interval must be an integer from 1 to 64, got '0'/],
      ['--slots', '0', /--slots must be an integer from 1 to 128, got '0'/],
      ['--ctx-size', '10', /--ctx-size must be an integer of at least 64, got '10'/],
      ['--keep-alive-ms', '0', /--keep-alive-ms must be an integer from 100 to 3600000, got '0'/],
      ['--cache-ram=-1', undefined, /--cache-ram must be an integer of at least 0, got '-1'/],
    ] as const) {
      const refused = await run(...(value === undefined ? [option] : [option, value]), '--data-dir', dataDir);
      assert.equal(refused.code, 2, option);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, expected);
    }
    // A context too small for the slots passes each bound alone; the engine refuses it, again in one line.
    const tooSmall = await run('--model', await tinyModel('qwen2'), '--slots', '64', '--ctx-size', '64', '--port', '0', '--data-dir', dataDir);
    assert.equal(tooSmall.code, 1);
    assert.equal(tooSmall.stderr.trim().split('\n').length, 1, tooSmall.stderr);
    assert.match(tooSmall.stderr, /a context of 64 tokens is too small for 64 slots: it needs at least 97/);
    const badAuth = await run('--auth', 'sometimes', '--data-dir', dataDir);
    assert.equal(badAuth.code, 2);
    const badAlias = await run('--alias', 'no-equals-sign', '--data-dir', dataDir);
    assert.equal(badAlias.code, 2);
    assert.match(badAlias.stderr, /--alias takes name=model/);
    const unknownTarget = await run('--model', await tinyModel('qwen2'), '--alias', 'deepseek-v4-pro=not-served', '--port', '0', '--data-dir', dataDir);
    assert.equal(unknownTarget.code, 2);
    assert.match(unknownTarget.stderr, /the alias 'deepseek-v4-pro' names the model 'not-served', which is not served here/);
    const badModel = await run('--model', BIN, '--port', '0', '--data-dir', dataDir);
    assert.equal(badModel.code, 1);
    assert.equal(badModel.stderr.trim().split('\n').length, 1);
    assert.match(badModel.stderr, /not a GGUF file/);
  });

  it('says when an engine process stops, when it cannot restart, and when it is back', async () => {
    const model = path.join(scratchDir(), 'moved.gguf');
    fs.copyFileSync(await tinyModel('qwen2'), model);
    const { child, url, output, errors } = await startServeProcess(['--model', model, '--threads', '1', '--slots', '1', '--data-dir', scratchDir()]);
    try {
      const [{ id, pid }] = ((await (await fetch(`${url}/ps`)).json()) as { data: Array<{ id: string; pid: number }> }).data;
      fs.renameSync(model, `${model}.away`);
      process.kill(pid, 'SIGKILL');
      await until('the crash is reported', () => errors().includes(`the engine of ${id} stopped (signal SIGKILL); restarting it`));
      await until('the failed restart is reported', () => new RegExp(`the engine of ${id} did not restart: .*moved\\.gguf.*; trying again in \\d+\\.\\d s`).test(errors()));
      fs.renameSync(`${model}.away`, model);
      await until('the restart is reported', () => output().includes(`restarted the engine of ${id}`), { timeoutMs: 30_000 });
      const client = new OpenAI({ baseURL: url, apiKey: 'local', maxRetries: 0 });
      assert.ok((await client.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'hello' }], max_tokens: 2 })).choices[0].finish_reason);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('listens on every address once a key exists, and then requires it', async () => {
    const dataDir = scratchDir();
    const platform = await openPlatform(dataDir);
    await platform.admin.createTenant('acme', 'test');
    const { secret } = await platform.admin.createKey(
      { ...UNLIMITED_KEY, tenant: 'acme' },
      'test',
    );
    await platform.close();
    const { child, url } = await startServeProcess(['--host', '0.0.0.0', '--model', await tinyModel('llama'), '--threads', '1', '--slots', '1', '--data-dir', dataDir]);
    try {
      const local = url.replace('0.0.0.0', '127.0.0.1');
      assert.equal((await fetch(`${local}/models`)).status, 401);
      assert.equal((await fetch(`${local}/models`, { headers: { authorization: `Bearer ${secret}` } })).status, 200);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
