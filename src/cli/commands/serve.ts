/**
 * `seekstack serve`: the DeepSeek/OpenAI-compatible HTTP API over one engine process per model.
 * Every option also reads an environment variable (SEEKSTACK_<NAME>), so containers need no flags.
 */
import os from 'node:os';
import path from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { buildServer } from '../../api/server.ts';
import { EngineError } from '../../engine/errors.ts';
import { ModelRegistry } from '../../engine/registry.ts';
import { openPlatform, type Platform } from '../../platform/platform.ts';
import { DEFAULT_MODEL } from '../defaults.ts';

const env = (name: string) => process.env[`SEEKSTACK_${name}`];

const OPTIONS = {
  model: { type: 'string', multiple: true },
  host: { type: 'string', default: env('HOST') ?? '127.0.0.1' },
  port: { type: 'string', default: env('PORT') ?? '8080' },
  'data-dir': { type: 'string', default: env('DATA_DIR') ?? path.join(os.homedir(), '.seekstack') },
  threads: { type: 'string', default: env('THREADS') ?? String(os.availableParallelism()) },
  slots: { type: 'string', default: env('SLOTS') ?? '8' },
  'ctx-size': { type: 'string', default: env('CTX_SIZE') ?? '8192' },
  'gpu-layers': { type: 'string', default: env('GPU_LAYERS') ?? '-1' },
  'prefill-chunk': { type: 'string', default: env('PREFILL_CHUNK') ?? '512' },
  'max-queue': { type: 'string', default: env('MAX_QUEUE') ?? '256' },
  'keep-alive-ms': { type: 'string', default: env('KEEP_ALIVE_MS') ?? '5000' },
  'llama-lib-dir': { type: 'string', default: env('LLAMA_LIB_DIR') },
  exact: { type: 'boolean', default: env('EXACT') === '1' },
  auth: { type: 'string', default: env('AUTH') ?? 'auto' },
  'insecure-no-auth': { type: 'boolean', default: env('INSECURE_NO_AUTH') === '1' },
} as const;

/** Without API keys the server is only for this machine (DESIGN.md §7). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What the audit log records as the server's configuration (changes are audited at start). */
function auditedConfiguration(values: Record<string, unknown>, modelPaths: string[]) {
  return { ...values, model: modelPaths.map((p) => path.resolve(p)) };
}

const NUMERIC = ['port', 'threads', 'slots', 'ctx-size', 'gpu-layers', 'prefill-chunk', 'max-queue', 'keep-alive-ms'] as const;

export async function run(args: string[]): Promise<number> {
  const values = parseCommandArgs('serve', args, OPTIONS);
  if (!values) return 2;
  const numbers = Object.fromEntries(NUMERIC.map((name) => [name, Number(values[name])])) as Record<(typeof NUMERIC)[number], number>;
  const bad = NUMERIC.find((name) => !Number.isInteger(numbers[name]));
  if (bad) {
    console.error(`seekstack serve: --${bad} must be an integer, got '${String(values[bad])}'`);
    return 2;
  }
  if (values.auth !== 'auto' && values.auth !== 'required') {
    console.error(`seekstack serve: --auth must be 'auto' (keys required once one exists) or 'required', got '${values.auth}'`);
    return 2;
  }
  const modelPaths = values.model ?? env('MODEL')?.split(',') ?? [DEFAULT_MODEL];
  let platform: Platform;
  try {
    platform = await openPlatform(values['data-dir'], { isAuthRequired: values.auth === 'required', checkpointInBackground: true });
  } catch (error) {
    console.error(`seekstack serve: ${(error as Error).message}`);
    return 1;
  }
  if (!isLoopback(values.host) && !values['insecure-no-auth'] && !(await platform.gate.isAuthRequired())) {
    console.error(
      `seekstack serve: refusing to listen on ${values.host} without authentication: no API key exists yet. ` +
        'Create one (seekstack keys create --tenant <name>), serve on a loopback address, or pass --insecure-no-auth',
    );
    await platform.close();
    return 2;
  }
  // No request of an earlier process can still settle, so what it had reserved is free again.
  await platform.store.releaseAllReservations();
  await platform.admin.recordConfiguration(auditedConfiguration(values, modelPaths), 'server');
  // Engines decode at the same time, so they split the cores: oversubscribing ggml's pool collapses it.
  const threads = Math.max(1, Math.floor(Math.min(numbers.threads, os.availableParallelism()) / modelPaths.length));
  let models: ModelRegistry;
  try {
    models = await ModelRegistry.start(modelPaths.map((modelPath) => ({
      modelPath: path.resolve(modelPath),
      libDir: values['llama-lib-dir'],
      gpuLayers: numbers['gpu-layers'],
      threads,
      numSlots: numbers.slots,
      numCacheHolders: 32,
      totalCells: numbers['ctx-size'],
      maxSeqLen: 0,
      maxPrefillTokensPerStep: numbers['prefill-chunk'],
      maxQueueLength: numbers['max-queue'],
      flashAttention: !values.exact,
    })));
  } catch (error) {
    console.error(`seekstack serve: ${error instanceof EngineError ? error.message : String(error)}`);
    await platform.close();
    return 1;
  }
  const app = await buildServer({ models, platform, keepAliveMs: numbers['keep-alive-ms'], logger: false });
  try {
    await app.listen({ host: values.host, port: numbers.port });
  } catch (error) {
    console.error(`seekstack serve: cannot listen on ${values.host}:${numbers.port}: ${(error as Error).message}`);
    await app.close();
    return 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : numbers.port;
  for (const model of models.list()) console.log(`model  ${model.id} (${model.info.description}, ${path.basename(model.info.path)})`);
  const auth = (await platform.gate.isAuthRequired()) ? 'API keys required' : 'open (no API keys yet; loopback only)';
  console.log(`auth   ${auth}; data in ${values['data-dir']}`);
  console.log(`Seekstack is serving on http://${values.host.includes(':') ? `[${values.host}]` : values.host}:${port}/v1`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await app.close();
  return 0;
}
