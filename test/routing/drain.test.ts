/** SIGTERM drains: the server stops taking requests, lets those in flight finish (within --drain-timeout), then exits. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { tinyModel } from '../helpers/models.ts';
import { startNode } from '../helpers/nodes.ts';

describe('graceful drain', () => {
  it('finishes a stream in flight after SIGTERM, refuses new connections, and exits 0', async (t) => {
    const node = await startNode(await tinyModel('qwen2'), { args: ['--drain-timeout', '2m'] });
    t.after(() => node.stop('SIGKILL'));
    const client = new OpenAI({ baseURL: node.url, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'tell me a story' }], max_tokens: 120, stream: true, ignore_eos: true } as never);
    const iterator = (stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>)[Symbol.asyncIterator]();
    await iterator.next();
    const exited = new Promise<number | null>((resolve) => node.child.once('exit', resolve));
    const draining = new Promise<void>((resolve) => node.child.stdout.on('data', (data: Buffer) => String(data).includes('draining') && resolve()));
    node.child.kill('SIGTERM');
    await draining;
    await assert.rejects(fetch(`${new URL(node.url).origin}/health`), 'a new connection is refused while draining');
    let finish: string | null = null;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) finish = r.value.choices[0]?.finish_reason ?? finish;
    assert.equal(finish, 'length', 'the stream in flight ran to its end');
    assert.equal(await exited, 0);
  });

  it('exits at once on SIGTERM when a connection is open that never sent a request (a browser preconnect)', async (t) => {
    const node = await startNode(await tinyModel('qwen2'), { args: ['--drain-timeout', '2m'] });
    t.after(() => node.stop('SIGKILL'));
    const { hostname, port } = new URL(node.url);
    const silent = net.connect(Number(port), hostname);
    await once(silent, 'connect');
    t.after(() => silent.destroy());
    // The server hangs up on it: an end, or a reset where the kernel still held it unaccepted when the port closed.
    silent.on('error', () => {});
    const hungUp = new Promise((resolve) => silent.once('close', resolve));
    // Node counts such a connection neither idle nor busy, so a plain close() waits until the client gives up.
    const exited = new Promise<number | null>((resolve) => node.child.once('exit', resolve));
    const startedAt = Date.now();
    node.child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000))]);
    assert.equal(code, 0, `exited ${code} after ${Date.now() - startedAt} ms`);
    await hungUp;
  });
});
