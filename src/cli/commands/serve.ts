/**
 * `seekstack serve`: the DeepSeek/OpenAI-compatible HTTP API over one engine process per model, and over
 * the models of remote upstreams (`--upstream`), routed by prefix cache and load. `--role node` serves as
 * an upstream of another Seekstack. Every option also reads an environment variable (SEEKSTACK_<NAME>)
 * and a key of the config file (`--config`); the command line wins over the file, the file over the
 * environment.
 */
import os from 'node:os';
import path from 'node:path';
import { defineCommand, parseCommandArgs, type OptionSpec } from '../args.ts';
import type { EngineConfig, EngineStartup } from '../../engine/protocol.ts';
import { prespawnEngine } from '../../engine/engine-process.ts';
import { ROUTING_POLICIES, type RoutingPolicy } from '../../routing/router.ts';
import { parseUpstreamSpec, UpstreamSpecError, type UpstreamSpec } from '../../routing/upstream-spec.ts';
import type { UpstreamPool } from '../../routing/upstreams.ts';
import { ConfigFileError, configArgs } from '../config-file.ts';
import { formatBytes, parseBytes, parseDuration } from '../../models/units.ts';
import type { Platform } from '../../platform/platform.ts';
import { redactUrl } from '../../store/redact-url.ts';
import { DEFAULT_MODEL } from '../../models/bundled.ts';
import { parseThreads, positiveInteger } from '../model-options.ts';
import { usableCores } from '../../engine/threads/cpu-cores.ts';

const env = (name: string) => process.env[`SEEKSTACK_${name}`];
/**
 * When this module and its imports (only what starting the engine needs) finished loading. The HTTP
 * server, the store and the assistant load afterwards, while the engine process loads the model.
 */
const MODULES_LOADED_AT = performance.now();

export const spec = defineCommand({
  options: {
    model: { type: 'string', multiple: true, value: 'file.gguf', help: 'a model to serve, loaded at start (repeat for more; default the bundled one); local models swap in on demand' },
    alias: { type: 'string', multiple: true, value: 'name=model', help: 'answer a name with a served model, e.g. deepseek-v4-pro=qwen2.5-7b (repeatable; claude-opus-* asks for deepseek-v4-pro)' },
    host: { type: 'string', default: env('HOST') ?? '127.0.0.1', value: 'address', help: 'the address to listen on; any but loopback needs API keys' },
    port: { type: 'string', default: env('PORT') ?? '8080', value: 'N', help: 'the port to listen on' },
    'data-dir': { type: 'string', default: env('DATA_DIR') ?? path.join(os.homedir(), '.seekstack'), value: 'dir', help: 'where models, the database and keys live' },
    threads: { type: 'string', default: env('THREADS') ?? 'auto', value: 'auto|N', help: 'decode threads: auto adapts to the cores free' },
    slots: { type: 'string', default: env('SLOTS') ?? '8', value: 'N', help: 'sequences decoded together per model' },
    'ctx-size': { type: 'string', default: env('CTX_SIZE') ?? '8192', value: 'N', help: 'KV cache tokens per model, shared by its slots' },
    'gpu-layers': { type: 'string', default: env('GPU_LAYERS') ?? '-1', value: 'N', help: 'layers to offload to a GPU (-1: all)' },
    'prefill-chunk': { type: 'string', default: env('PREFILL_CHUNK') ?? '512', value: 'N', help: 'prompt tokens per decode step at most' },
    'cache-ram': { type: 'string', default: env('CACHE_RAM') ?? '2048', value: 'MiB', help: 'host memory per model for prefix cache parked out of the KV cells (0: off)' },
    'max-queue': { type: 'string', default: env('MAX_QUEUE') ?? '256', value: 'N', help: 'requests waiting per model before a 503' },
    'stream-interval': { type: 'string', default: env('STREAM_INTERVAL') ?? '1', value: 'N', help: "decode steps per send of streamed tokens (1-64): more spares small machines' cores, but streams in bursts" },
    'keep-alive-ms': { type: 'string', default: env('KEEP_ALIVE_MS') ?? '5000', value: 'ms', help: 'interval of keep-alives while a request waits' },
    'max-loaded': { type: 'string', default: env('MAX_LOADED'), value: 'N', help: 'models loaded at once (default: as many as --model names)' },
    'model-keep-alive': { type: 'string', default: env('MODEL_KEEP_ALIVE') ?? '5m', value: 'duration', help: 'idle time before a model is unloaded (0 at once, -1 never)' },
    'memory-limit': { type: 'string', default: env('MEMORY_LIMIT'), value: 'size', help: "what loaded models may use together (default: the machine's memory)" },
    'llama-lib-dir': { type: 'string', default: env('LLAMA_LIB_DIR'), value: 'dir', help: 'another build of the same llama.cpp release (CANN, MUSA, HIP, SYCL)' },
    'stall-timeout': { type: 'string', default: env('STALL_TIMEOUT') ?? '30s', value: 'duration', help: 'an engine not stepping this long is reported stalled' },
    'stall-restart': { type: 'string', default: env('STALL_RESTART') ?? '2m', value: 'duration', help: 'a stalled engine is restarted after this long' },
    timings: { type: 'boolean', default: env('TIMINGS') === '1', help: 'print how long each start-up phase took (since the process started)' },
    exact: { type: 'boolean', default: env('EXACT') === '1', help: 'no flash attention: bit-exact results across batch sizes' },
    auth: { type: 'string', default: env('AUTH') ?? 'auto', value: 'auto|required', help: 'auto: keys required once one exists' },
    'insecure-no-auth': { type: 'boolean', default: env('INSECURE_NO_AUTH') === '1', help: 'listen beyond loopback without keys' },
    'request-timeout': { type: 'string', default: env('REQUEST_TIMEOUT') ?? '60s', value: 'duration', help: 'how long a request may take to arrive' },
    'lease-ttl': { type: 'string', default: env('LEASE_TTL') ?? '30s', value: 'duration', help: "how long this process's budget reservations outlive it" },
    'metrics-token': { type: 'string', default: env('METRICS_TOKEN'), value: 'secret', help: 'the bearer token a metrics scraper sends' },
    database: { type: 'string', default: env('DATABASE'), value: 'postgres://…', help: "a PostgreSQL database shared by replicas, instead of the data directory's SQLite file" },
    redis: { type: 'string', default: env('REDIS'), value: 'redis://…', help: 'count rate limits and concurrency in this Redis, shared by replicas (default: in this process)' },
    'redis-prefix': { type: 'string', default: env('REDIS_PREFIX') ?? 'seekstack:', value: 'text', help: 'prepended to every Redis key' },
    config: { type: 'string', default: env('CONFIG'), value: 'file.yaml', help: 'read these options from a YAML file (keys as the options, without dashes)' },
    upstream: { type: 'string', multiple: true, value: 'name=URL[,key=…][,kind=…][,max=N][,template=FILE]', help: 'a remote server whose models this one serves (repeatable; kind: seekstack, vllm, sglang, llama-server, openai)' },
    routing: { type: 'string', default: env('ROUTING') ?? 'cache', value: 'cache|round-robin', help: "how a remote model's upstream is picked" },
    'route-balance': { type: 'string', default: env('ROUTE_BALANCE') ?? '4', value: 'N', help: 'requests in flight above the least loaded upstream past which the cache no longer decides' },
    'upstream-health-interval': { type: 'string', default: env('UPSTREAM_HEALTH_INTERVAL') ?? '5s', value: 'duration', help: "how often each upstream's health is checked" },
    'upstream-refresh': { type: 'string', default: env('UPSTREAM_REFRESH') ?? '30s', value: 'duration', help: "how often each upstream's models are listed again" },
    'upstream-failures': { type: 'string', default: env('UPSTREAM_FAILURES') ?? '3', value: 'N', help: "failures in a row that open an upstream's circuit breaker" },
    'upstream-cooldown': { type: 'string', default: env('UPSTREAM_COOLDOWN') ?? '5s', value: 'duration', help: 'how long an open breaker waits before a trial request' },
    role: { type: 'string', default: env('ROLE') ?? 'server', value: 'server|node', help: 'node: serve as an upstream of another Seekstack (needs --node-token)' },
    'node-token': { type: 'string', default: env('NODE_TOKEN'), value: 'secret', help: "the token a gateway sends a node; only it may name a request's tenant cache namespace" },
    'drain-timeout': { type: 'string', default: env('DRAIN_TIMEOUT') ?? '30s', value: 'duration', help: 'on SIGTERM, how long requests in flight may take to finish' },
  },
  notes:
    'Every option also reads SEEKSTACK_<NAME> from the environment (SEEKSTACK_PORT, SEEKSTACK_MODEL=a.gguf,b.gguf…) and a key of the --config file; ' +
    'the command line wins over the file, the file over the environment.',
});

type ServeValues = NonNullable<ReturnType<typeof parseCommandArgs<typeof spec.options>>>;

/** The options as defined, without their defaults: what a command line or a file sets itself. */
const WITHOUT_DEFAULTS = Object.fromEntries(
  Object.entries(spec.options as Record<string, OptionSpec>).map(([name, { default: _, ...option }]) => [name, option]),
) as Record<string, OptionSpec>;

/** Defaults (and the environment), then the config file, then the command line; `isSet` says whether the file or the command line set an option. */
function serveValues(args: string[]): { values: ServeValues; isSet: (name: keyof ServeValues) => boolean } | null {
  const cli = parseCommandArgs('serve', args, WITHOUT_DEFAULTS);
  if (!cli) return null;
  const defaults = parseCommandArgs('serve', [], spec.options) as ServeValues;
  const file = (cli.config ?? defaults.config) as string | undefined;
  const merged = (fromFile: object) => ({
    values: { ...defaults, ...fromFile, ...cli } as ServeValues,
    isSet: (name: keyof ServeValues) => name in cli || name in fromFile || env(name.toUpperCase().replaceAll('-', '_')) !== undefined,
  });
  if (file === undefined) return merged({});
  let fromFile: Record<string, unknown> | null;
  try {
    fromFile = parseCommandArgs(`serve (${file})`, configArgs(file, spec.options), WITHOUT_DEFAULTS);
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    console.error(`seekstack serve: ${error.message}`);
    return null;
  }
  if (!fromFile) return null;
  return merged(fromFile);
}

/** `--upstream`s (`specsText`) and the routing options: null (after saying why) when one is malformed. */
async function upstreamPool(values: ServeValues, specsText: string[]): Promise<UpstreamPool | null | undefined> {
  if (specsText.length === 0) return undefined;
  let specs: UpstreamSpec[];
  try {
    specs = specsText.map(parseUpstreamSpec);
  } catch (error) {
    if (!(error instanceof UpstreamSpecError)) throw error;
    console.error(`seekstack serve: ${error.message}`);
    return null;
  }
  const duplicate = specs.find((s, i) => specs.findIndex((o) => o.name === s.name) !== i);
  if (duplicate) {
    console.error(`seekstack serve: two upstreams are named '${duplicate.name}'`);
    return null;
  }
  if (!(ROUTING_POLICIES as readonly string[]).includes(values.routing)) {
    console.error(`seekstack serve: --routing must be ${ROUTING_POLICIES.join(' or ')}, got '${values.routing}'`);
    return null;
  }
  const balance = Number(values['route-balance']);
  const failures = Number(values['upstream-failures']);
  const durations = { health: parseDuration(values['upstream-health-interval']), refresh: parseDuration(values['upstream-refresh']), cooldown: parseDuration(values['upstream-cooldown']) };
  if (!Number.isInteger(balance) || balance < 0 || !Number.isInteger(failures) || failures < 1) {
    console.error(`seekstack serve: --route-balance must be an integer ≥ 0 and --upstream-failures one ≥ 1, got '${values['route-balance']}' and '${values['upstream-failures']}'`);
    return null;
  }
  if (!(durations.health! > 0 && durations.refresh! > 0 && durations.cooldown! > 0)) {
    console.error('seekstack serve: --upstream-health-interval, --upstream-refresh and --upstream-cooldown must be positive durations such as 5s or 1m');
    return null;
  }
  // Loaded only for a gateway: the routing layer's modules would delay every other start.
  const { DEFAULT_UPSTREAM_OPTIONS, UpstreamPool } = await import('../../routing/upstreams.ts');
  return new UpstreamPool(specs, {
    ...DEFAULT_UPSTREAM_OPTIONS,
    route: { ...DEFAULT_UPSTREAM_OPTIONS.route, policy: values.routing as RoutingPolicy, balanceAbs: balance },
    breaker: { ...DEFAULT_UPSTREAM_OPTIONS.breaker, failureThreshold: failures, cooldownMs: durations.cooldown! },
    healthIntervalMs: durations.health!,
    refreshIntervalMs: durations.refresh!,
  });
}

/** Without API keys the server is only for this machine (DESIGN.md §7). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What the audit log records as the server's configuration (changes are audited at start). */
function auditedConfiguration(values: Record<string, unknown>, modelPaths: string[]) {
  // Whether a metrics token is set is configuration; the token itself is a secret, as are passwords in URLs.
  const url = (value: unknown) => (typeof value === 'string' ? redactUrl(value) : undefined);
  return {
    ...values, model: modelPaths.map((p) => path.resolve(p)), 'metrics-token': values['metrics-token'] === undefined ? undefined : '(set)', database: url(values.database), redis: url(values.redis),
  };
}

/** `--alias name=model`, repeatable: null (after saying why) when one is malformed. */
function parseAliases(specs: string[]): Map<string, string> | null {
  const aliases = new Map<string, string>();
  for (const spec of specs) {
    const match = /^([^=\s]+)=(\S+)$/.exec(spec);
    if (!match) {
      console.error(`seekstack serve: --alias takes name=model (such as deepseek-v4-pro=qwen2.5-7b), got '${spec}'`);
      return null;
    }
    aliases.set(match[1], match[2]);
  }
  return aliases;
}

/** Start-up phases, each as the time since the process started (node's own start included). */
class StartupTimings {
  readonly #isOn: boolean;
  readonly #marks: Array<[string, number]> = [['modules loaded', MODULES_LOADED_AT]];

  constructor(isOn: boolean) {
    this.#isOn = isOn;
  }

  mark(phase: string): void {
    this.#marks.push([phase, performance.now()]);
  }

  /** `engine`: the first model's engine process, whose clock starts at its own spawn. */
  print(engine: EngineStartup | null): void {
    if (!this.#isOn) return;
    for (const [phase, at] of this.#marks) console.log(`timing ${(at / 1000).toFixed(3).padStart(7)} s  ${phase}`);
    if (engine) {
      console.log(`timing ${(engine.modulesLoadedMs / 1000).toFixed(3).padStart(7)} s  engine process: modules loaded (since its spawn)`);
      console.log(`timing ${(engine.modelOpenMs / 1000).toFixed(3).padStart(7)} s  engine process: model and context ready (since its spawn)`);
    }
  }
}

const INT32_MAX = 2 ** 31 - 1;
/**
 * Each numeric option's bounds: the engine's config schema and llama.cpp's int32 parameters. Checked here, so a
 * bad value is one line and exit code 2 rather than an engine process that dies while loading.
 */
const NUMERIC = {
  port: [0, 65535],
  slots: [1, 128],
  'ctx-size': [64, INT32_MAX],
  'gpu-layers': [-1, INT32_MAX],
  'prefill-chunk': [1, INT32_MAX],
  'cache-ram': [0, INT32_MAX],
  'max-queue': [0, INT32_MAX],
  'stream-interval': [1, 64],
  // Below 100 ms the keep-alives would crowd the answer; past an hour no proxy holds an idle connection open.
  'keep-alive-ms': [100, 3_600_000],
} as const satisfies Record<string, readonly [number, number]>;
type NumericOption = keyof typeof NUMERIC;

export async function run(args: string[]): Promise<number> {
  const parsed = serveValues(args);
  if (!parsed) return 2;
  const { values, isSet } = parsed;
  if (values.role !== 'server' && values.role !== 'node') {
    console.error(`seekstack serve: --role must be 'server' or 'node', got '${values.role}'`);
    return 2;
  }
  const nodeToken = values.role === 'node' ? values['node-token'] : undefined;
  if (values.role === 'node' && (nodeToken === undefined || nodeToken.length < 16)) {
    console.error('seekstack serve: --role node needs --node-token (at least 16 characters), the secret the gateway sends');
    return 2;
  }
  const drainMs = parseDuration(values['drain-timeout']);
  if (drainMs === undefined || drainMs < 0) {
    console.error(`seekstack serve: --drain-timeout must be a duration such as 30s, got '${values['drain-timeout']}'`);
    return 2;
  }
  const upstreamSpecs = values.upstream ?? env('UPSTREAM')?.split(';') ?? [];
  // A gateway whose models are all remote starts no local engine unless told to.
  const modelPaths = values.model ?? env('MODEL')?.split(',') ?? (upstreamSpecs.length > 0 ? [] : [DEFAULT_MODEL]);
  // The engine process boots and loads llama.cpp while this one loads the server's modules, the registry,
  // the store and reads the model file; it exits by itself if this process stops on a bad option below.
  if (modelPaths.length > 0) prespawnEngine(values['llama-lib-dir']);
  const upstreams = await upstreamPool(values, upstreamSpecs);
  if (upstreams === null) return 2;
  const names = Object.keys(NUMERIC) as NumericOption[];
  const numbers = Object.fromEntries(names.map((name) => [name, Number(values[name])])) as Record<NumericOption, number>;
  const bad = names.find((name) => !Number.isInteger(numbers[name]) || numbers[name] < NUMERIC[name][0] || numbers[name] > NUMERIC[name][1]);
  if (bad) {
    const [min, max] = NUMERIC[bad];
    console.error(`seekstack serve: --${bad} must be an integer ${max === INT32_MAX ? `of at least ${min}` : `from ${min} to ${max}`}, got '${String(values[bad])}'`);
    return 2;
  }
  const threadsOption = parseThreads(values.threads);
  if (threadsOption === null) {
    console.error(`seekstack serve: --threads must be 'auto' (adapt to the cores free, up to all usable ones) or a positive integer, got '${values.threads}'`);
    return 2;
  }
  if (values.auth !== 'auto' && values.auth !== 'required') {
    console.error(`seekstack serve: --auth must be 'auto' (keys required once one exists) or 'required', got '${values.auth}'`);
    return 2;
  }
  const aliases = parseAliases(values.alias ?? env('ALIAS')?.split(',') ?? []);
  if (!aliases) return 2;
  // By default every model named on the command line may be loaded at once, as before; other local models swap in.
  const maxLoaded = values['max-loaded'] === undefined ? Math.max(1, modelPaths.length) : positiveInteger('serve', 'max-loaded', values['max-loaded']);
  if (maxLoaded === null) return 2;
  // A node keeps its models loaded unless told otherwise: a gateway lists only the loaded ones.
  const modelKeepAliveMs = parseDuration(values.role === 'node' && !isSet('model-keep-alive') ? '-1' : values['model-keep-alive']);
  if (modelKeepAliveMs === undefined) {
    console.error(`seekstack serve: --model-keep-alive must be a duration such as 5m, 30s or 1h (0 unloads at once, -1 never), got '${values['model-keep-alive']}'`);
    return 2;
  }
  const stall = { timeout: parseDuration(values['stall-timeout']), restart: parseDuration(values['stall-restart']) };
  if (!stall.timeout || stall.timeout < 0 || !stall.restart || stall.restart < stall.timeout) {
    console.error(
      `seekstack serve: --stall-timeout and --stall-restart must be durations such as 30s or 2m, the restart no shorter than the timeout; got '${values['stall-timeout']}' and '${values['stall-restart']}'`,
    );
    return 2;
  }
  // The server cannot see GPU memory, so the default is the machine's memory; set it to the VRAM when offloading.
  const memoryLimitBytes = values['memory-limit'] === undefined ? os.totalmem() : parseBytes(values['memory-limit']);
  if (!memoryLimitBytes) {
    console.error(`seekstack serve: --memory-limit must be a size such as 8GiB or 16GB, got '${values['memory-limit']}'`);
    return 2;
  }
  const durations = Object.fromEntries((['request-timeout', 'lease-ttl'] as const).map((name) => [name, parseDuration(values[name])]));
  const badDuration = (['request-timeout', 'lease-ttl'] as const).find((name) => !(durations[name]! > 0));
  if (badDuration) {
    console.error(`seekstack serve: --${badDuration} must be a positive duration such as 30s or 2m, got '${values[badDuration]}'`);
    return 2;
  }
  const timings = new StartupTimings(values.timings);
  // Asked while the models load; awaited before they are attached.
  const discovered = upstreams?.discover();
  // Loaded engines decode at the same time, so they split the cores: oversubscribing ggml's pool collapses it.
  const threads = Math.max(1, Math.floor(Math.min(threadsOption.threads, usableCores()) / maxLoaded));
  const configFor = (modelPath: string): EngineConfig => ({
    modelPath: path.resolve(modelPath),
    libDir: values['llama-lib-dir'],
    gpuLayers: numbers['gpu-layers'],
    threads,
    adaptiveThreads: threadsOption.isAdaptive,
    numSlots: numbers.slots,
    numCacheHolders: 32,
    totalCells: numbers['ctx-size'],
    maxSeqLen: 0,
    maxPrefillTokensPerStep: numbers['prefill-chunk'],
    maxQueueLength: numbers['max-queue'],
    parkedCacheBytes: numbers['cache-ram'] * 2 ** 20,
    streamInterval: numbers['stream-interval'],
    flashAttention: !values.exact,
  });
  const { startModels, reportModelsError } = await import('../serve-models.ts');
  const started = startModels(modelPaths, values['data-dir'], configFor, {
    maxLoaded, keepAliveMs: modelKeepAliveMs, memoryLimitBytes, aliases, engine: { stallTimeoutMs: stall.timeout, stallRestartMs: stall.restart },
    hasUpstreams: upstreams !== undefined, withBundled: upstreams === undefined || modelPaths.length > 0,
  });
  if (started instanceof Error) {
    upstreams?.close();
    return reportModelsError(started);
  }
  const { models } = started;
  const loaded = started.loaded.then((error) => {
    timings.mark('engine ready (model loaded)');
    return error;
  });
  const closeModels = async () => {
    await loaded;
    await models.close();
  };
  const [{ buildServer }, { openPlatform }, { openAssistant }, { whenParentExits }] = await Promise.all([
    import('../../api/server.ts'), import('../../platform/platform.ts'), import('../../platform/assistant.ts'), import('../launcher-watch.ts'),
  ]);
  timings.mark('server modules loaded');
  let platform: Platform;
  try {
    platform = await openPlatform(values['data-dir'], {
      isAuthRequired: values.auth === 'required', isExposed: !isLoopback(values.host), checkpointInBackground: true, leaseTtlMs: durations['lease-ttl'],
      databaseUrl: values.database, redisUrl: values.redis, redisPrefix: values['redis-prefix'],
    });
  } catch (error) {
    console.error(`seekstack serve: ${(error as Error).message}`);
    upstreams?.close();
    await closeModels();
    return 1;
  }
  timings.mark('store open');
  if (!isLoopback(values.host) && !values['insecure-no-auth'] && !(await platform.gate.isAuthRequired())) {
    console.error(
      `seekstack serve: refusing to listen on ${values.host} without authentication: no API key exists yet. ` +
        'Create one (seekstack keys create --tenant <name>), serve on a loopback address, or pass --insecure-no-auth',
    );
    upstreams?.close();
    await Promise.all([platform.close(), closeModels()]);
    return 2;
  }
  await platform.admin.recordConfiguration(auditedConfiguration(values, modelPaths), 'server');
  const found = await discovered;
  for (const id of upstreams?.attach(models) ?? []) console.error(`seekstack serve: the local model ${id} shadows the upstreams' model of that name`);
  for (const { name, reason } of models.skipped) console.error(`seekstack serve: skipping the local model ${name}: ${reason}`);
  models.on('loaded', (id: string, ms: number) => console.log(`loaded ${id} in ${(ms / 1000).toFixed(1)} s`));
  models.on('unloaded', (id: string, reason: string) => console.log(`unloaded ${id} (${reason})`));
  models.on('engine-crash', (id: string, why: string) => console.error(`seekstack serve: the engine of ${id} stopped (${why}); restarting it`));
  models.on('engine-restart', (id: string) => console.log(`restarted the engine of ${id}`));
  models.on('engine-restart-failed', (id: string, error: Error, nextMs: number) => {
    console.error(`seekstack serve: the engine of ${id} did not restart: ${error.message}; trying again in ${(nextMs / 1000).toFixed(1)} s`);
  });
  const assistant = await openAssistant(platform);
  timings.mark('assistant open');
  const app = await buildServer({
    models, upstreams, nodeToken, platform, assistant, library: { dataDir: values['data-dir'], configFor }, keepAliveMs: numbers['keep-alive-ms'], requestTimeoutMs: durations['request-timeout'], metricsToken: values['metrics-token'], logger: false,
  });
  // Route schemas compile here, still beside the model load.
  await app.ready();
  timings.mark('HTTP server built');
  const loadError = await loaded;
  if (loadError) {
    // Closing the app closes the assistant, the models and the store.
    await app.close();
    return reportModelsError(loadError);
  }
  try {
    await app.listen({ host: values.host, port: numbers.port });
  } catch (error) {
    console.error(`seekstack serve: cannot listen on ${values.host}:${numbers.port}: ${(error as Error).message}`);
    await app.close();
    return 1;
  }
  timings.mark('listening');
  timings.print(models.list()[0]?.client?.startup ?? null);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : numbers.port;
  for (const model of models.list()) {
    console.log(model.isRemote ? `model  ${model.id} (${model.path})` : `model  ${model.id} (${model.state}, ~${formatBytes(model.memory.totalBytes)}, ${path.basename(model.path)})`);
  }
  for (const upstream of upstreams?.snapshot() ?? []) {
    console.log(`upstream ${upstream.name} (${upstream.kind}) ${upstream.url}: ${upstream.lastError ?? `${upstream.models.length} models`}`);
  }
  if (found && found.size === 0) console.error('seekstack serve: no upstream answered with a model yet; they are asked again periodically');
  for (const [alias, target] of aliases) if (!models.resolve(alias)) console.error(`seekstack serve: the alias '${alias}' names '${target}', which no model answers to yet`);
  if (nodeToken !== undefined) console.log('role   node: /node routes open to the node token');
  const keepAlive = modelKeepAliveMs < 0 ? 'never unloaded' : `unloaded after ${values['model-keep-alive']} idle`;
  console.log(`load   at most ${maxLoaded} at once, ${keepAlive}, memory limit ${formatBytes(memoryLimitBytes)}`);
  const auth = (await platform.gate.isAuthRequired()) ? 'API keys required' : 'open (no API keys yet; loopback only)';
  const state = values.database === undefined ? `data in ${values['data-dir']}` : `state in ${redactUrl(values.database)} (secret in ${values['data-dir']})`;
  console.log(`auth   ${auth}; ${state}${values.redis === undefined ? '' : `; limits in ${redactUrl(values.redis)}`}`);
  const origin = `http://${values.host.includes(':') ? `[${values.host}]` : values.host}:${port}`;
  console.log(`app    ${origin}/  (the assistant: chat with visible reasoning)`);
  if ((await assistant.store.countUsers()) === 0 && (await platform.gate.isClosed())) {
    console.log(`app    no administrator yet, and strangers cannot sign up: create one with  seekstack users create <name> --admin --data-dir ${values['data-dir']}`);
  }
  // Listening before the line that says so: a supervisor may signal the moment it reads it.
  const stopAsked = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    if (process.env.npm_lifecycle_event !== undefined) whenParentExits(resolve);
  });
  console.log(`Seekstack is serving on ${origin}/v1`);
  await stopAsked;
  // Drain: new connections are refused and new requests on open ones answered 503, while the requests in
  // flight finish, for at most --drain-timeout; then what is left is cut off.
  console.log(`draining: waiting up to ${values['drain-timeout']} for the requests in flight`);
  const cutOff = setTimeout(() => app.server.closeAllConnections(), drainMs).unref();
  await app.close();
  clearTimeout(cutOff);
  return 0;
}
