/**
 * `npm run bench -- versus`: Seekstack against llama-server (the same llama.cpp release as our prebuilt
 * libraries, built from source by scripts/build-llama-server.sh on first use, or LLAMA_SERVER=/path) on
 * the same GGUF, the same thread count, slots, context and batch sizes, with the same streaming client.
 * The two servers run one at a time; each round starts each server afresh (alternating which goes
 * first) and measures, in order: time from spawn to /health 200, single-stream decode, aggregate
 * decode at 8 and 16 streams, cold time to first token of a ~2,000-token prompt, and the memory of
 * the server's processes (proportional set size, after load and after the load test) beyond the model file. Ratios are Seekstack / llama-server per round, so
 * the machine's drift between rounds cancels; the spread is their lowest and highest.
 *
 * Env: VERSUS_ROUNDS (default 2), VERSUS_TOKENS (tokens per stream, default 128), VERSUS_STREAMS (default 8,16), BENCH_THREADS (default: all cores), BENCH_MODEL (a GGUF instead of
 * the generated bench model), VERSUS_SEEKSTACK (another checkout's bin/seekstack.js, e.g. a before/after), LLAMA_SERVER, VERSUS_GPU_LAYERS (default 0: CPU only).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { aggregateRate, benchModel, type StreamTimes } from './engine.ts';

const ROOT = path.join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.VERSUS_ROUNDS ?? 2);
const THREADS = Number(process.env.BENCH_THREADS ?? os.availableParallelism());
const GPU_LAYERS = Number(process.env.VERSUS_GPU_LAYERS ?? 0);
/** Aggregate decode is measured at each of these stream counts; both servers get as many slots as the largest. */
const STREAMS = (process.env.VERSUS_STREAMS ?? '8,16').split(',').map(Number);
const SLOTS = Math.max(...STREAMS);
const CTX = 8192;
/** Seekstack's prefill chunk = llama-server's n_batch; both use a 512-token micro-batch. */
const BATCH = 512;
const UBATCH = 512;
const DECODE_TOKENS = Number(process.env.VERSUS_TOKENS ?? 128);
const LONG_PROMPT_TOKENS = 2000;

type Name = 'seekstack' | 'llama-server';

interface Server {
  name: Name;
  origin: string;
  /** The id the server lists for the model on /v1/models. */
  model: string;
  child: ChildProcess;
  readyMs: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** LLAMA_SERVER, else a build in .cache/ (the full one or the one linked with the prebuilt libraries), else one built now. */
function llamaServerBinary(): string {
  if (process.env.LLAMA_SERVER) return process.env.LLAMA_SERVER;
  const built = [path.join(ROOT, '.cache', 'llama.cpp-build', 'bin', 'llama-server'), path.join(ROOT, '.cache', 'llama-server-prebuilt', 'llama-server')];
  const found = built.find((file) => fs.existsSync(file));
  if (found) return found;
  console.log('building llama-server from node-llama-cpp 3.21.1\'s llama.cpp bundle (first run only, long on 2 cores)…');
  const result = spawnSync(path.join(ROOT, 'scripts', 'build-llama-server.sh'), { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building llama-server failed');
  return built.find((file) => fs.existsSync(file))!;
}

function command(name: Name, model: string, port: number, dataDir: string): string[] {
  if (name === 'seekstack') {
    // The installed command, as a user runs it (its shebang sets the server's V8 flags).
    return [
      process.env.VERSUS_SEEKSTACK ?? path.join(ROOT, 'bin', 'seekstack.js'), 'serve', '--model', model, '--port', String(port), '--data-dir', dataDir,
      '--threads', String(THREADS), '--slots', String(SLOTS), '--ctx-size', String(CTX), '--prefill-chunk', String(BATCH),
      '--gpu-layers', String(GPU_LAYERS), '--model-keep-alive=-1',
    ];
  }
  return [
    llamaServerBinary(), '-m', model, '--host', '127.0.0.1', '--port', String(port), '-t', String(THREADS), '-tb', String(THREADS),
    '-np', String(SLOTS), '-c', String(CTX), '--kv-unified', '-b', String(BATCH), '-ub', String(UBATCH), '-fa', 'on',
    '-ngl', String(GPU_LAYERS), '--no-webui', '--log-disable',
  ];
}

async function start(name: Name, model: string): Promise<Server> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-versus-'));
  const [file, ...args] = command(name, model, port, dataDir);
  const origin = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  // The build users run: a checkout edited since `npm run build` is refused rather than measured through tsx.
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SEEKSTACK_TIMINGS: '1', SEEKSTACK_REQUIRE_BUILD: '1' } });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${origin}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - startedAt;
  const listed = (await (await fetch(`${origin}/v1/models`)).json()) as { data: Array<{ id: string }> };
  return { name, origin, model: listed.data[0].id, child, readyMs };
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One streamed /v1/completions request, parsed by hand so neither server pays for a client library's extras. */
async function stream({ origin, model }: Server, prompt: string, maxTokens: number, start: number): Promise<StreamTimes> {
  const res = await fetch(`${origin}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt, max_tokens: maxTokens, temperature: 0, stream: true, ignore_eos: true, cache_prompt: true }),
  });
  if (!res.ok || !res.body) throw new Error(`${origin}: ${res.status} ${await res.text()}`);
  const tokenTimes: number[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const text = (JSON.parse(event.slice(6)) as { choices?: Array<{ text?: string }> }).choices?.[0]?.text;
      if (text) tokenTimes.push(performance.now() - start);
    }
  }
  return { firstTokenAt: tokenTimes[0], tokenTimes };
}

const WORDS = 'the quick brown fox jumps over lazy dog river stone cloud market window garden silver number story'.split(' ');

/** A prompt of about `words` words, different for each salt so no server can reuse another's cache. */
function promptText(salt: number, words: number): string {
  let seed = salt * 2_654_435_761 + 1;
  const out = [`Request ${salt}:`];
  for (let i = 0; i < words; i++) {
    seed = (seed * 48_271) % 2_147_483_647;
    out.push(WORDS[seed % WORDS.length]);
  }
  return out.join(' ');
}

async function promptTokens({ origin, model }: Server, text: string): Promise<number> {
  const res = await fetch(`${origin}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt: text, max_tokens: 1, temperature: 0 }),
  });
  return ((await res.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
}

async function aggregate(server: Server, numStreams: number, salt: number): Promise<number> {
  const start = performance.now();
  return aggregateRate(await Promise.all(Array.from({ length: numStreams }, (_, i) => stream(server, promptText(salt * 100 + i, 24), DECODE_TOKENS, start))));
}

/** Decode rate of one stream, from its first token to its last (prefill excluded). */
async function single(server: Server, salt: number): Promise<number> {
  const { tokenTimes } = await stream(server, promptText(salt, 24), DECODE_TOKENS, performance.now());
  return ((tokenTimes.length - 1) / (tokenTimes[tokenTimes.length - 1] - tokenTimes[0])) * 1000;
}

async function coldTtft(server: Server, salt: number, words: number): Promise<number> {
  const start = performance.now();
  return (await stream(server, promptText(salt, words), 1, start)).firstTokenAt;
}

/**
 * Memory of a process and its descendants (the engine process for Seekstack): proportional set size,
 * so pages two processes share (the node binary of Seekstack's server and engine) count once, not twice.
 */
function treeMemory(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  let total = 0;
  const visit = (p: number) => {
    try {
      const kb = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      total += kb ? Number(kb[1]) * 1024 : 0;
    } catch {
      // exited meanwhile
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return total;
}

/** readyMs, singleTokPerS, agg<N>TokPerS for each stream count, coldTtftMs, pss…BeyondModelMB (proportional set size, MB). */
type Measures = Record<string, number>;

async function measure(name: Name, model: string, round: number, words: number): Promise<Measures> {
  const server = await start(name, model);
  try {
    const modelMB = fs.statSync(model).size / 2 ** 20;
    const afterLoad = treeMemory(server.child.pid!) / 2 ** 20 - modelMB;
    // Warm-up: page in the weights and let V8 optimise the request path, as a server in use has.
    await aggregate(server, 4, 90_000 + round);
    const salt = (round + 1) * 1000;
    const singleTokPerS = await single(server, salt);
    const aggregates: Measures = {};
    for (const [i, n] of STREAMS.entries()) aggregates[`agg${n}TokPerS`] = await aggregate(server, n, salt + 1 + i);
    const coldTtftMs = await coldTtft(server, salt + 99, words);
    const afterTest = treeMemory(server.child.pid!) / 2 ** 20 - modelMB;
    return { readyMs: server.readyMs, singleTokPerS, ...aggregates, coldTtftMs, pssAfterLoadBeyondModelMB: afterLoad, pssAfterLoadTestBeyondModelMB: afterTest };
  } finally {
    await stop(server);
  }
}

/** Words in a prompt of about LONG_PROMPT_TOKENS tokens under this model's tokenizer. */
async function calibrate(model: string): Promise<{ words: number; tokens: number }> {
  const server = await start('llama-server', model);
  try {
    const probe = 400;
    const perWord = (await promptTokens(server, promptText(1, probe))) / probe;
    const words = Math.round(LONG_PROMPT_TOKENS / perWord);
    return { words, tokens: await promptTokens(server, promptText(2, words)) };
  } finally {
    await stop(server);
  }
}

interface SummaryRow {
  seekstack: number[];
  llamaServer: number[];
  /** Seekstack / llama-server, or for memory Seekstack − llama-server in MB; the mean over rounds. */
  kind: 'ratio' | 'differenceMB';
  value: number;
  lowest: number;
  highest: number;
  higherIsBetter: boolean;
}

const HIGHER_IS_BETTER: Record<string, boolean> = {
  readyMs: false, singleTokPerS: true, ...Object.fromEntries(STREAMS.map((n) => [`agg${n}TokPerS`, true])), coldTtftMs: false, pssAfterLoadBeyondModelMB: false, pssAfterLoadTestBeyondModelMB: false,
};

export async function runVersusBench() {
  const model = process.env.BENCH_MODEL ?? (await benchModel());
  llamaServerBinary();
  const prompt = await calibrate(model);
  const rounds: Array<Record<Name, Measures>> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order: Name[] = round % 2 === 0 ? ['seekstack', 'llama-server'] : ['llama-server', 'seekstack'];
    const results = {} as Record<Name, Measures>;
    for (const name of order) results[name] = await measure(name, model, round, prompt.words);
    rounds.push(results);
    console.log(`round ${round + 1}/${ROUNDS}:`, JSON.stringify(results));
  }
  const keys = Object.keys(HIGHER_IS_BETTER);
  const summary = Object.fromEntries(keys.map((key): [string, SummaryRow] => {
    // Memory compares as a difference in MB, everything else as a ratio.
    const kind = key.startsWith('pss') ? 'differenceMB' : 'ratio';
    const per = rounds.map((r) => (kind === 'differenceMB' ? r.seekstack[key] - r['llama-server'][key] : r.seekstack[key] / r['llama-server'][key]));
    return [key, {
      seekstack: rounds.map((r) => +r.seekstack[key].toFixed(1)),
      llamaServer: rounds.map((r) => +r['llama-server'][key].toFixed(1)),
      kind,
      value: +(per.reduce((a, b) => a + b, 0) / per.length).toFixed(3),
      lowest: +Math.min(...per).toFixed(3),
      highest: +Math.max(...per).toFixed(3),
      higherIsBetter: HIGHER_IS_BETTER[key],
    }];
  }));
  const targets = {
    'single-stream decode ≥ 1.00': summary.singleTokPerS.value >= 1,
    ...Object.fromEntries(STREAMS.map((n) => [`${n} streams ≥ 1.10`, summary[`agg${n}TokPerS`].value >= 1.1])),
    'cold 2,000-token TTFT ≤ 1.00': summary.coldTtftMs.value <= 1,
    'time to ready ≤ 1.5': summary.readyMs.value <= 1.5,
    'memory (PSS) beyond model ≤ +100 MB': summary.pssAfterLoadTestBeyondModelMB.value <= 100,
  };
  console.log(`\nSeekstack vs llama-server — ${path.basename(model)}, ${THREADS} threads, ${SLOTS} slots, ${CTX} cells (unified), batch ${BATCH} / ubatch ${UBATCH}, flash attention, ${ROUNDS} rounds, ${prompt.tokens}-token cold prompt`);
  console.table(Object.fromEntries(keys.map((k) => [k, { seekstack: summary[k].seekstack.join(' '), 'llama-server': summary[k].llamaServer.join(' '), 'ratio (pss: MB more)': summary[k].value, lowest: summary[k].lowest, highest: summary[k].highest }])));
  console.table(targets);
  return {
    model: path.basename(model), threads: THREADS, slots: SLOTS, ctx: CTX, batch: BATCH, ubatch: UBATCH, gpuLayers: GPU_LAYERS, decodeTokens: DECODE_TOKENS,
    coldPromptTokens: prompt.tokens, llamaServer: llamaServerBinary(), rounds, summary, targets,
  };
}
