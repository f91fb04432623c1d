/**
 * Issue 16: a multi-turn chat workload over three Seekstack nodes (real `serve --role node` processes, a
 * small generated model) behind an in-process gateway: cache-aware routing against round-robin (prompt
 * cache hit ratio, mean and p99 time to first token), the same workload through one node for the hit-ratio
 * baseline, and the gateway's added latency (the same small request through the gateway and straight to
 * the node, alternating). Each tenant has a long system prompt and each conversation opens with its own
 * long case file. Each run salts its system prompts, so no run is served from another's cache.
 * BENCH_CLUSTER_CONVERSATIONS, BENCH_CLUSTER_TURNS and BENCH_CLUSTER_WORKERS scale the workload.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { synthModel } from '../src/engine/gguf/synth.ts';
import { UNLIMITED_KEY } from '../src/platform/admin.ts';
import { DEFAULT_UPSTREAM_OPTIONS } from '../src/routing/upstreams.ts';
import { nodeSpec, startGateway, startNode, type Gateway, type Node } from '../test/helpers/nodes.ts';
import { createRedisPrefix, createTestSchema, REDIS_URL } from '../test/helpers/shared-state.ts';

const CONVERSATIONS = Number(process.env.BENCH_CLUSTER_CONVERSATIONS ?? 32);
const TURNS = Number(process.env.BENCH_CLUSTER_TURNS ?? 6);
const WORKERS = Number(process.env.BENCH_CLUSTER_WORKERS ?? 6);
const TENANTS = 4;
const ANSWER_TOKENS = 8;
const LATENCY_CALLS = Number(process.env.BENCH_CLUSTER_LATENCY_CALLS ?? 400);

async function clusterModel(): Promise<string> {
  const file = path.join(import.meta.dirname, '..', '.cache', 'bench', 'qwen2-tiny-f32.gguf');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await synthModel({ arch: 'qwen2', preset: 'tiny', out: `${file}.partial` });
    fs.renameSync(`${file}.partial`, file);
  }
  return file;
}

/** Each tenant's long system prompt (a policy document), salted per run. */
function systemPrompt(tenant: number, salt: string): string {
  const topics = ['refunds', 'shipping', 'warranty', 'privacy'];
  return `[${salt}] You are the support assistant of company ${tenant}. Follow its ${topics[tenant]} policy exactly. ${`Section ${tenant}: the ${topics[tenant]} rules apply to every order placed through the store, and exceptions need a manager's approval. `.repeat(15)}`;
}

/** What a conversation is about: the customer's own long case file, in its first message. */
function caseFile(conversation: number): string {
  return `Here is my case file ${conversation}. ${Array.from({ length: 40 }, (_, i) => `Entry ${i}: order ${conversation * 1000 + i} was placed on day ${(conversation * 7 + i) % 28} and handled by agent ${(conversation + i) % 13}.`).join(' ')}`;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (n: number, digits = 4) => +n.toFixed(digits);

interface RunResult {
  requests: number;
  promptTokens: number;
  cacheHitTokens: number;
  hitRatio: number;
  meanTtftMs: number;
  p99TtftMs: number;
  wallSeconds: number;
  routedBy: Record<string, number>;
}

/** Every conversation's turns in order, WORKERS conversations at a time. */
async function runWorkload(gateway: Gateway, model: string, salt: string): Promise<RunResult> {
  const clients: OpenAI[] = [];
  for (let t = 0; t < TENANTS; t++) {
    const tenant = `${salt}-t${t}`;
    await gateway.platform.admin.createTenant(tenant, 'bench');
    clients.push(gateway.clientWithKey((await gateway.platform.admin.createKey({ ...UNLIMITED_KEY, tenant }, 'bench')).secret));
  }
  const routedBy: Record<string, number> = {};
  const onRouted = (_u: string, _m: string, by: string) => (routedBy[by] = (routedBy[by] ?? 0) + 1);
  gateway.pool.on('routed', onRouted);
  const ttfts: number[] = [];
  let promptTokens = 0;
  let cacheHitTokens = 0;
  let next = 0;
  const started = performance.now();
  const conversation = async (c: number) => {
    const tenant = c % TENANTS;
    const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: systemPrompt(tenant, salt) }];
    for (let turn = 0; turn < TURNS; turn++) {
      const question = `Question ${turn}: what applies to order number ${1000 + c * 10 + turn}?`;
      messages.push({ role: 'user', content: turn === 0 ? `${caseFile(c)}\n\n${question}` : question });
      const sentAt = performance.now();
      let firstAt = 0;
      let answer = '';
      const stream = await clients[tenant].chat.completions.create({ model, messages, max_tokens: ANSWER_TOKENS, temperature: 0, seed: c, stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) {
        if (firstAt === 0 && chunk.choices.length > 0) firstAt = performance.now();
        const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
        answer += delta?.content ?? delta?.reasoning_content ?? '';
        const usage = chunk.usage as unknown as { prompt_tokens: number; prompt_cache_hit_tokens: number } | null | undefined;
        if (usage) {
          promptTokens += usage.prompt_tokens;
          cacheHitTokens += usage.prompt_cache_hit_tokens;
        }
      }
      ttfts.push(firstAt - sentAt);
      messages.push({ role: 'assistant', content: answer || 'Noted.' });
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, async () => {
    while (next < CONVERSATIONS) await conversation(next++);
  }));
  gateway.pool.off('routed', onRouted);
  ttfts.sort((a, b) => a - b);
  return {
    requests: ttfts.length, promptTokens, cacheHitTokens, hitRatio: round(cacheHitTokens / promptTokens),
    meanTtftMs: round(ttfts.reduce((s, t) => s + t, 0) / ttfts.length, 2), p99TtftMs: round(percentile(ttfts, 99), 2),
    wallSeconds: round((performance.now() - started) / 1000, 1), routedBy,
  };
}

interface Timing {
  /** Milliseconds from sending the request to the first body byte (a streamed response's first token) and to its end. */
  firstMs: number;
  endMs: number;
}

/** One chat request over a keep-alive connection (node:http: fetch's own overhead would blur the figures). */
function post(agent: http.Agent, url: URL, body: string, authorization?: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    let firstAt = 0;
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...(authorization && { authorization }) } }, (response) => {
      // A streamed response's head goes out when the node accepted the request; its first body bytes are the first token's.
      response.on('data', () => (firstAt ||= performance.now()));
      response.once('end', () => {
        const endAt = performance.now();
        if (response.statusCode === 200) resolve({ firstMs: firstAt - sentAt, endMs: endAt - sentAt });
        else reject(new Error(`HTTP ${response.statusCode}`));
      });
    });
    request.once('error', reject);
    request.end(body);
  });
}

const ROUNDS = Number(process.env.BENCH_CLUSTER_LATENCY_ROUNDS ?? 3);
/** The key whose requests take every step: rpm, tpm and concurrency in Redis, a budget reserved and settled in PostgreSQL. */
const EVERY_LIMIT = { rpm: 1e9, tpm: 1e12, maxConcurrency: 64, budgetTokens: 1e12 };

const quantiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50), 3), p99Ms: round(percentile(sorted, 99), 3) };
};

/**
 * The gateway's added latency, with its state where a scale-out deployment keeps it: PostgreSQL (a schema of its
 * own) and Redis (a key prefix of its own), as `serve --database … --redis …` opens them. Paired, per request:
 * streamed, the client's time to the first token minus the time the gateway waited for the node's first token;
 * whole (not streamed), the client's time to the response's end minus the time the gateway waited for the node
 * to finish. That is what the gateway itself adds (its HTTP, key lookup, limits, budget hold, template, the hop,
 * and for the whole request the durable ledger row before the response ends), and it does not move with the
 * node's speed. For each key (every limit and a budget; no limits) the same request also goes straight to the
 * node's own API, alternating, for the unpaired difference. Several rounds; the round with the median p99 is the
 * headline, and each round records the machine's load average.
 */
async function addedLatency(node: Node, model: string) {
  const schema = await createTestSchema();
  const prefix = createRedisPrefix();
  const gateway = await startGateway([nodeSpec('only', node)], { healthIntervalMs: 3_600_000 }, { databaseUrl: schema.url, redisUrl: REDIS_URL, redisPrefix: prefix.prefix });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await gateway.platform.admin.createTenant('latency', 'bench');
    const keys = {
      everyLimit: (await gateway.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'latency', ...EVERY_LIMIT }, 'bench')).secret,
      noLimits: (await gateway.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'latency' }, 'bench')).secret,
    };
    const request = { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, temperature: 0 };
    const bodies = { streamed: JSON.stringify({ ...request, stream: true }), whole: JSON.stringify(request) };
    const viaGateway = new URL(`${gateway.baseURL}/chat/completions`);
    const direct = new URL(`${node.url}/chat/completions`);
    // What the gateway waited for, from the moment it sent the request to the node (its pool's own clock).
    let upstreamFirstMs = 0;
    let upstreamEndMs = 0;
    gateway.pool.on('first-token', (_u: string, _m: string, seconds: number) => (upstreamFirstMs = seconds * 1000));
    gateway.pool.on('finished', (_u: string, _m: string, seconds: number) => (upstreamEndMs = seconds * 1000));
    const measure = async (secret: string, calls: number) => {
      const samples = { pairedStreamed: [] as number[], pairedWhole: [] as number[], gatewayTtft: [] as number[], directTtft: [] as number[], gatewayWhole: [] as number[], directWhole: [] as number[] };
      for (let i = 0; i < calls; i++) {
        samples.directTtft.push((await post(agent, direct, bodies.streamed)).firstMs);
        const streamed = await post(agent, viaGateway, bodies.streamed, `Bearer ${secret}`);
        samples.gatewayTtft.push(streamed.firstMs);
        samples.pairedStreamed.push(streamed.firstMs - upstreamFirstMs);
        samples.directWhole.push((await post(agent, direct, bodies.whole)).endMs);
        const whole = await post(agent, viaGateway, bodies.whole, `Bearer ${secret}`);
        samples.gatewayWhole.push(whole.endMs);
        samples.pairedWhole.push(whole.endMs - upstreamEndMs);
      }
      return samples;
    };
    const measureKey = async (name: string, secret: string) => {
      await measure(secret, 100);
      const rounds = [];
      for (let r = 0; r < ROUNDS; r++) {
        const samples = await measure(secret, LATENCY_CALLS);
        const [streamed, whole] = [quantiles(samples.pairedStreamed), quantiles(samples.pairedWhole)];
        const [gatewayTtft, directTtft, gatewayWhole, directWhole] = [quantiles(samples.gatewayTtft), quantiles(samples.directTtft), quantiles(samples.gatewayWhole), quantiles(samples.directWhole)];
        rounds.push({
          loadAverage: os.loadavg().map((l) => round(l, 2)),
          addedTtft: streamed, addedWhole: whole,
          unpaired: { gatewayTtft, directTtft, gatewayWhole, directWhole },
        });
        console.log(`  ${name} round ${r + 1}: added to TTFT p50 ${streamed.p50Ms} / p99 ${streamed.p99Ms} ms; to the whole request p50 ${whole.p50Ms} / p99 ${whole.p99Ms} ms (load ${os.loadavg()[0].toFixed(2)})`);
      }
      const median = [...rounds].sort((x, y) => x.addedTtft.p99Ms - y.addedTtft.p99Ms)[Math.floor(rounds.length / 2)];
      return { addedTtft: median.addedTtft, addedWhole: median.addedWhole, rounds };
    };
    const everyLimit = await measureKey('every limit + budget', keys.everyLimit);
    const noLimits = await measureKey('no limits', keys.noLimits);
    return { state: 'PostgreSQL + Redis', callsPerRound: LATENCY_CALLS, rounds: ROUNDS, maxTokens: request.max_tokens, everyLimit, noLimits };
  } finally {
    agent.destroy();
    await gateway.close();
    await prefix.drop();
    await schema.drop();
  }
}

export async function runClusterBench() {
  const modelPath = await clusterModel();
  const loadBefore = os.loadavg();
  // Room for every conversation's prefix on one node, so the one-node baseline is not cut short by its cache.
  const nodes = await Promise.all([0, 1, 2].map(() => startNode(modelPath, { args: ['--ctx-size', '32768', '--slots', '4'] })));
  try {
    const specs = nodes.map((node, i) => nodeSpec(`node${i}`, node));
    const long = { healthIntervalMs: 3_600_000 };
    const cacheAware = await startGateway(specs, long);
    const model = cacheAware.pool.snapshot()[0].models[0];
    const roundRobin = await startGateway(specs, { ...long, route: { ...DEFAULT_UPSTREAM_OPTIONS.route, policy: 'round-robin' } });
    const single = await startGateway([specs[0]], long);
    const results: Record<string, RunResult> = {};
    try {
      for (const [name, gateway] of [['cacheAware', cacheAware], ['roundRobin', roundRobin], ['oneNode', single]] as const) {
        results[name] = await runWorkload(gateway, model, `${name}-${Date.now()}`);
        console.log(`${name.padEnd(11)} hit ratio ${results[name].hitRatio.toFixed(3)}  mean TTFT ${results[name].meanTtftMs} ms  p99 TTFT ${results[name].p99TtftMs} ms  (${results[name].wallSeconds} s, ${JSON.stringify(results[name].routedBy)})`);
      }
    } finally {
      await Promise.all([cacheAware.close(), roundRobin.close(), single.close()]);
    }
    const latency = await addedLatency(nodes[0], model);
    const ratios = {
      hitRatioVsOneNode: round(results.cacheAware.hitRatio / results.oneNode.hitRatio, 3),
      meanTtftVsRoundRobin: round(results.cacheAware.meanTtftMs / results.roundRobin.meanTtftMs, 3),
      p99TtftVsRoundRobin: round(results.cacheAware.p99TtftMs / results.roundRobin.p99TtftMs, 3),
    };
    console.log(`cache-aware hit ratio / one node's: ${ratios.hitRatioVsOneNode} (target ≥ 0.9); mean TTFT / round-robin's: ${ratios.meanTtftVsRoundRobin} (target ≤ 0.5)`);
    const headline = latency.everyLimit;
    console.log(`gateway added latency on PostgreSQL + Redis, every limit and a budget (paired): to TTFT p50 ${headline.addedTtft.p50Ms} ms, p99 ${headline.addedTtft.p99Ms} ms (target p99 < 2 ms); to the whole request p50 ${headline.addedWhole.p50Ms} ms, p99 ${headline.addedWhole.p99Ms} ms`);
    return {
      workload: { conversations: CONVERSATIONS, turns: TURNS, tenants: TENANTS, workers: WORKERS, answerTokens: ANSWER_TOKENS, nodes: 3, model: path.basename(modelPath) },
      machine: { cores: os.availableParallelism(), loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() },
      results, ratios, gatewayAddedLatency: latency,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
  }
}
