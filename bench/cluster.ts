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
import { latencies } from './latency.ts';

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

/** One non-streamed chat request over a keep-alive connection (node:http: fetch's own overhead would blur the figures). */
function post(agent: http.Agent, url: URL, body: string, authorization?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...(authorization && { authorization }) } }, (response) => {
      response.resume();
      response.once('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    request.once('error', reject);
    request.end(body);
  });
}

/**
 * The gateway's added latency, two ways, for one small request (1 token out). Paired: for each request through
 * the gateway, its end-to-end time minus the time the gateway spent waiting on the node for it, which is what the
 * gateway itself adds (its HTTP, keys, limits, template, ledger, the hop) and does not move with the node's speed.
 * Unpaired: the same request straight to the node's own API and through the gateway, alternating rounds, p50 and p99
 * of each (on a loaded machine these swing by more than the difference).
 */
async function addedLatency(node: Node, model: string) {
  const gateway = await startGateway([nodeSpec('only', node)]);
  try {
    await gateway.platform.admin.createTenant('latency', 'bench');
    const secret = (await gateway.platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'latency' }, 'bench')).secret;
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, temperature: 0 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const viaGateway = new URL(`${gateway.baseURL}/chat/completions`);
    const direct = new URL(`${node.url}/chat/completions`);
    let upstreamMs = 0;
    gateway.pool.on('finished', (_u: string, _m: string, seconds: number) => (upstreamMs = seconds * 1000));
    const paired: number[] = [];
    const throughGateway = async () => {
      const startedAt = performance.now();
      await post(agent, viaGateway, body, `Bearer ${secret}`);
      paired.push(performance.now() - startedAt - upstreamMs);
    };
    const rounds = [];
    for (let r = 0; r < 3; r++) {
      const d = await latencies(() => post(agent, direct, body), LATENCY_CALLS, r === 0 ? 100 : 0);
      if (r === 0) for (let i = 0; i < 100; i++) await throughGateway();
      paired.length = 0;
      const g = await latencies(throughGateway, LATENCY_CALLS, 0);
      paired.sort((a, b) => a - b);
      rounds.push({ direct: d, gateway: g, pairedP50Ms: round(percentile(paired, 50), 3), pairedP99Ms: round(percentile(paired, 99), 3) });
    }
    agent.destroy();
    const median = [...rounds].sort((a, b) => a.pairedP99Ms - b.pairedP99Ms)[1];
    return { addedP50Ms: median.pairedP50Ms, addedP99Ms: median.pairedP99Ms, unpairedP50Ms: round(median.gateway.p50Ms - median.direct.p50Ms, 3), unpairedP99Ms: round(median.gateway.p99Ms - median.direct.p99Ms, 3), rounds };
  } finally {
    await gateway.close();
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
    console.log(`gateway added latency (paired): p50 ${latency.addedP50Ms} ms, p99 ${latency.addedP99Ms} ms (target p99 < 2 ms); unpaired p50 ${latency.unpairedP50Ms} ms, p99 ${latency.unpairedP99Ms} ms`);
    return {
      workload: { conversations: CONVERSATIONS, turns: TURNS, tenants: TENANTS, workers: WORKERS, answerTokens: ANSWER_TOKENS, nodes: 3, model: path.basename(modelPath) },
      machine: { cores: os.availableParallelism(), loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() },
      results, ratios, gatewayAddedLatency: latency,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
  }
}
