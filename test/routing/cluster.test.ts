/**
 * Issue 16: a gateway in front of three real Seekstack nodes (`serve --role node` processes, tiny generated
 * model), all on loopback. Routing keeps a conversation on the node holding its prefix and tenants apart;
 * only the node token may name a cache namespace; a killed node fails only its own requests and is used
 * again once back; failures before the first token are retried elsewhere; an upstream's 429 is passed on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import OpenAI, { APIError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { NODE_TOKEN, nodeSpec, startGateway, startNode, type Gateway, type Node } from '../helpers/nodes.ts';
import { BIN } from '../helpers/serve-process.ts';
import { startServer } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

interface Routed {
  upstream: string;
  by: string;
}

/** Every routing decision and failed attempt of a gateway, in order. */
function watch(gateway: Gateway) {
  const routed: Routed[] = [];
  const failed: Array<{ upstream: string; kind: string }> = [];
  gateway.pool.on('routed', (upstream: string, _model: string, by: string) => routed.push({ upstream, by }));
  gateway.pool.on('failed', (upstream: string, _model: string, kind: string) => failed.push({ upstream, kind }));
  return { routed, failed };
}

async function keyFor(gateway: Gateway, tenant: string, options: { isAdmin?: boolean } = {}): Promise<OpenAI & { tenantId: number; secret: string }> {
  const { id } = await gateway.platform.admin.createTenant(tenant, 'test');
  const { secret } = await gateway.platform.admin.createKey({ ...UNLIMITED_KEY, tenant, isAdmin: options.isAdmin ?? false }, 'test');
  return Object.assign(gateway.clientWithKey(secret), { tenantId: id, secret });
}

type Usage = { prompt_tokens: number; prompt_cache_hit_tokens: number };

describe('a gateway in front of three Seekstack nodes', () => {
  let model: string;
  let modelPath: string;
  const nodes: Node[] = [];
  const gateways: Gateway[] = [];
  const names = ['a', 'b', 'c'];

  before(async () => {
    modelPath = await tinyModel('qwen2');
    nodes.push(...(await Promise.all(names.map(() => startNode(modelPath)))));
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
  });
  const gateway = async (options: Parameters<typeof startGateway>[1] = {}) => {
    const started = await startGateway(names.map((name, i) => nodeSpec(name, nodes[i])), options);
    gateways.push(started);
    model = started.pool.snapshot()[0].models[0];
    return started;
  };

  it('lists the nodes\' model and sends each turn of a conversation to the node holding its prefix, never across tenants', async () => {
    const cluster = await gateway({ healthIntervalMs: 3_600_000 });
    const { routed } = watch(cluster);
    const alpha = await keyFor(cluster, 'alpha');
    const beta = await keyFor(cluster, 'beta');
    assert.ok((await alpha.models.list()).data.some((m) => m.id === model), 'the remote model is listed');

    const system = `You answer questions about the shipping policy. ${'Parcels leave the warehouse within two days. '.repeat(25)}`;
    const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: system }];
    const usages: Usage[] = [];
    for (const question of ['Where is my parcel?', 'Can it go faster?', 'And on weekends?']) {
      messages.push({ role: 'user', content: question });
      const answer = await alpha.chat.completions.create({ model, messages, max_tokens: 3, temperature: 0 });
      usages.push(answer.usage as unknown as Usage);
      messages.push({ role: 'assistant', content: answer.choices[0].message.content || 'I see.' });
    }
    assert.equal(new Set(routed.map((r) => r.upstream)).size, 1, `one node serves the conversation: ${JSON.stringify(routed)}`);
    assert.deepEqual(routed.slice(1).map((r) => r.by), ['cache', 'cache']);
    assert.equal(usages[0].prompt_cache_hit_tokens, 0);
    for (const [turn, usage] of usages.entries()) {
      if (turn === 0) continue;
      assert.ok(usage.prompt_cache_hit_tokens >= usages[turn - 1].prompt_tokens - 8, `turn ${turn + 1} hits the previous turn's prompt: ${JSON.stringify(usages)}`);
    }

    // The same first turn from another tenant: no prefix of its own anywhere, and no hit on the node that holds alpha's.
    const first = messages.slice(0, 2);
    const other = (await beta.chat.completions.create({ model, messages: first, max_tokens: 3, temperature: 0 })).usage as unknown as Usage;
    assert.equal(other.prompt_cache_hit_tokens, 0, 'beta is never served from alpha\'s cache');
    assert.equal(routed.at(-1)?.by, 'load');
    const again = (await alpha.chat.completions.create({ model, messages: first, max_tokens: 3, temperature: 0 })).usage as unknown as Usage;
    assert.ok(again.prompt_cache_hit_tokens > 0, 'alpha still hits its own');
  });

  it('serves the remote model on Anthropic\'s and Ollama\'s APIs through the same path', async () => {
    const cluster = await gateway({ healthIntervalMs: 3_600_000 });
    const key = await keyFor(cluster, 'zeta');
    const { routed } = watch(cluster);
    const origin = cluster.baseURL.replace(/\/v1$/, '');
    const anthropic = await fetch(`${origin}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.secret, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model, max_tokens: 3, messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.equal(anthropic.status, 200);
    assert.equal(((await anthropic.json()) as { type: string }).type, 'message');
    const ollama = await fetch(`${origin}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model, stream: false, messages: [{ role: 'user', content: 'hello' }], options: { num_predict: 3 } }),
    });
    assert.equal(ollama.status, 200);
    assert.equal(((await ollama.json()) as { done: boolean }).done, true);
    assert.equal(routed.length, 2, 'both went through the router');

    // The listings describe a remote model from what its upstream reports: there is no file here to read.
    const auth = { authorization: `Bearer ${key.secret}` };
    const tags = await fetch(`${origin}/api/tags`, { headers: auth });
    assert.equal(tags.status, 200);
    const tagged = ((await tags.json()) as { models: Array<{ name: string; size: number; details: { family: string } }> }).models.find((m) => m.name === model);
    assert.ok(tagged && tagged.size > 0 && tagged.details.family === 'qwen2', `the remote model is tagged: ${JSON.stringify(tagged)}`);
    const show = await fetch(`${origin}/api/show`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model }) });
    assert.equal(show.status, 200);
    assert.ok(((await show.json()) as { capabilities: string[] }).capabilities.includes('completion'));
    const ps = await fetch(`${origin}/api/ps`, { headers: auth });
    assert.equal(ps.status, 200);
    const app = await fetch(`${origin}/app/api/models`, { headers: auth });
    assert.equal(app.status, 200);
    const listed = ((await app.json()) as { data: Array<{ id: string; context_length: number }> }).data.find((m) => m.id === model);
    assert.ok(listed && listed.context_length > 0, `the app lists the remote model: ${JSON.stringify(listed)}`);
  });

  it('lets only the node token name a cache namespace', async () => {
    const node = nodes[0];
    const origin = new URL(node.url).origin;
    const body = JSON.stringify({ model, input: { prompt: { text: 'hi', addSpecial: true }, sampling: { temperature: 0, topP: 1, topK: 0, minP: 0, seed: 1, presencePenalty: 0, frequencyPenalty: 0, repetitionPenalty: 1, penaltyLastN: -1, logitBias: [] }, maxTokens: 1, stop: [], stopOnEog: true } });
    for (const authorization of [undefined, 'Bearer not-the-node-token-at-all', `Bearer ${NODE_TOKEN}x`]) {
      const response = await fetch(`${origin}/node/generate`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-seekstack-cache-namespace': 'tenant:1', ...(authorization && { authorization }) } });
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: { type: string } }).error.type, 'authentication_error');
    }
    const models = await fetch(`${origin}/node/models`);
    assert.equal(models.status, 401);

    // A client of the node's own API sending the header gets its own namespace: a long prompt, cached through
    // the gateway under each of the first tenants' namespaces, is a miss for it.
    const cluster = await gateway({ healthIntervalMs: 3_600_000 });
    const gamma = await keyFor(cluster, 'gamma');
    const { routed } = watch(cluster);
    const content = `Tell me about the harbour. ${'Boats come and go with the tide. '.repeat(30)}`;
    await gamma.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: 2, temperature: 0 });
    const holder = nodes[names.indexOf(routed[0].upstream)];
    const direct = new OpenAI({ baseURL: holder.url, apiKey: 'unused', maxRetries: 0 });
    const usage = (await direct.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: 2, temperature: 0 }, { headers: { 'x-seekstack-cache-namespace': `tenant:${gamma.tenantId}` } })).usage as unknown as Usage;
    assert.ok(usage.prompt_cache_hit_tokens < usage.prompt_tokens / 2, `the header is ignored on the node's own API: ${JSON.stringify(usage)}`);
    const again = (await gamma.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: 2, temperature: 0 })).usage as unknown as Usage;
    assert.ok(again.prompt_cache_hit_tokens > usage.prompt_tokens / 2, `through the gateway, gamma hits its own prefix there: ${JSON.stringify(again)}`);
  });

  it('fails only the requests in flight on a killed node, routes the next ones to healthy nodes, and uses the node again once back', async () => {
    const cluster = await gateway({ healthIntervalMs: 200, breaker: { failureThreshold: 3, cooldownMs: 300, maxCooldownMs: 1000 } });
    const client = await keyFor(cluster, 'delta');
    const { routed } = watch(cluster);
    const stream = async (text: string, maxTokens: number) => {
      const chunks = await client.chat.completions.create({ model, messages: [{ role: 'user', content: text }], max_tokens: maxTokens, stream: true, ignore_eos: true } as never);
      const iterator = (chunks as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>)[Symbol.asyncIterator]();
      await iterator.next();
      const done = (async () => {
        let finish: string | null = null;
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) finish = r.value.choices[0]?.finish_reason ?? finish;
        return finish;
      })();
      // Observed below; a rejection before then is not unhandled.
      done.catch(() => {});
      return { done };
    };
    const doomed = await stream('first stream', 100_000);
    const survivor = await stream('second stream', 150);
    const [doomedAt, survivorAt] = routed.map((r) => r.upstream);
    assert.notEqual(doomedAt, survivorAt, 'two idle nodes take the two streams');
    const victim = nodes[names.indexOf(doomedAt)];
    await victim.stop('SIGKILL');
    await assert.rejects(doomed.done, APIError, 'the killed node\'s stream fails');
    assert.equal(await survivor.done, 'length', 'the other stream finishes');

    const before = routed.length;
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model, messages: [{ role: 'user', content: `after the kill ${i}` }], max_tokens: 2 });
    assert.ok(routed.slice(before).every((r) => r.upstream !== doomedAt) || cluster.pool.snapshot().find((u) => u.name === doomedAt)?.breaker !== 'closed');
    await until('the killed node is marked down', () => cluster.pool.snapshot().find((u) => u.name === doomedAt)?.breaker === 'open' || cluster.pool.snapshot().find((u) => u.name === doomedAt)?.isHealthy === false, { timeoutMs: 30_000 });

    nodes[names.indexOf(doomedAt)] = await startNode(modelPath, { port: victim.port, dataDir: victim.dataDir });
    await until('the node is healthy again', () => cluster.pool.snapshot().find((u) => u.name === doomedAt)?.isHealthy === true, { timeoutMs: 30_000 });
    const back = routed.length;
    const answer = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'a fresh question for an empty cache' }], max_tokens: 2 });
    assert.equal(answer.choices[0].finish_reason, 'length');
    assert.equal(routed[back].upstream, doomedAt, 'the returning node (empty cache, idle) takes new prefixes again');
    assert.equal(cluster.pool.snapshot().find((u) => u.name === doomedAt)?.breaker, 'closed');
  });

  it('retries a request that fails before its first token on another node, and opens the breaker of a dead one', async () => {
    const cluster = await gateway({ healthIntervalMs: 3_600_000, route: { policy: 'round-robin', balanceAbs: 4, cacheThreshold: 0.3 }, breaker: { failureThreshold: 2, cooldownMs: 3_600_000, maxCooldownMs: 3_600_000 } });
    const client = await keyFor(cluster, 'epsilon', { isAdmin: true });
    const { routed, failed } = watch(cluster);
    const dead = nodes[2];
    await dead.stop('SIGKILL');
    for (let i = 0; i < 8; i++) {
      const answer = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `question ${i}` }], max_tokens: 2 });
      assert.equal(answer.choices[0].finish_reason, 'length', 'every request is answered');
    }
    assert.deepEqual(failed, [{ upstream: 'c', kind: 'unreachable' }, { upstream: 'c', kind: 'unreachable' }], 'two failures open the breaker');
    assert.equal(routed.filter((r) => r.upstream === 'c').length, 2, 'no request is sent to an open breaker');
    assert.equal(cluster.pool.snapshot().find((u) => u.name === 'c')?.breaker, 'open');
    const metrics = await (await fetch(cluster.baseURL.replace(/\/v1$/, '/metrics'), { headers: { authorization: `Bearer ${client.secret}` } })).text();
    assert.match(metrics, /seekstack_upstream_breaker_state\{upstream="c"\} 1/);
    assert.match(metrics, /seekstack_upstream_errors_total\{upstream="c",model="[^"]+",kind="unreachable"\} 2/);
    assert.match(metrics, /seekstack_upstream_requests_total\{upstream="a",model="[^"]+",routed_by="round-robin"\} \d/);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'ps', '--url', cluster.baseURL, '--api-key', client.secret]);
    assert.match(stdout, /^UPSTREAM\s+KIND\s+URL\s+HEALTH\s+BREAKER/m);
    assert.match(stdout, /^c\s+seekstack\s+http:\/\/127\.0\.0\.1:\d+\/\s+\S+\s+open\s+0\s/m);
    assert.match(stdout, /^a\s+seekstack\s+\S+\s+healthy\s+closed\s+0\s+\S+/m);
  });
});

describe('an upstream\'s own refusals', () => {
  it('passes on a 429 with its Retry-After, and answers 429 when every upstream is at its cap', async (t) => {
    const upstream = await startServer(t, [await tinyModel('qwen2')]);
    await upstream.platform.admin.createTenant('gateway', 'test');
    const limited = (await upstream.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'gateway', rpm: 1 }, 'test')).secret;
    const unlimited = (await upstream.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'gateway' }, 'test')).secret;
    const model = upstream.models.list()[0].id;
    const origin = upstream.baseURL.replace(/\/v1$/, '');

    const limitedGateway = await startGateway([`lim=${origin},kind=sglang,key=${limited}`]);
    t.after(() => limitedGateway.close());
    const client = limitedGateway.clientWithKey('unused');
    const first = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 2 });
    assert.equal(first.choices[0].finish_reason, 'length');
    const refused = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 2 }).then(() => null, (error: unknown) => error);
    assert.ok(refused instanceof APIError);
    assert.equal(refused.status, 429);
    assert.match(refused.headers?.get('retry-after') ?? '', /^\d+$/);
    assert.equal((refused.error as { type: string }).type, 'rate_limit_error');

    const cappedGateway = await startGateway([`cap=${origin},kind=sglang,max=1,key=${unlimited}`]);
    t.after(() => cappedGateway.close());
    const capped = cappedGateway.clientWithKey('unused');
    const long = await capped.completions.create({ model, prompt: 'A long story', max_tokens: 100_000, stream: true, ignore_eos: true } as never);
    const iterator = (long as unknown as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    await iterator.next();
    const busy = await capped.completions.create({ model, prompt: 'Another', max_tokens: 2 }).then(() => null, (error: unknown) => error);
    assert.ok(busy instanceof APIError);
    assert.equal(busy.status, 429);
    assert.equal(busy.headers?.get('retry-after'), '1');
    await iterator.return?.();
  });
});
