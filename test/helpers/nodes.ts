/** Seekstack nodes (`serve --role node`) as real child processes, and a gateway in front of them. */
import os from 'node:os';
import OpenAI from 'openai';
import { buildServer } from '../../src/api/server.ts';
import { openAssistant } from '../../src/platform/assistant.ts';
import { openPlatform, type Platform, type PlatformOptions } from '../../src/platform/platform.ts';
import { ModelRegistry } from '../../src/routing/registry.ts';
import { parseUpstreamSpec } from '../../src/routing/upstream-spec.ts';
import { DEFAULT_UPSTREAM_OPTIONS, UpstreamPool, type UpstreamOptions } from '../../src/routing/upstreams.ts';
import { scratchDir } from './models.ts';
import { startServeProcess, type ServeProcess } from './serve-process.ts';

export const NODE_TOKEN = 'test-node-token-0123456789';

export interface Node extends ServeProcess {
  port: number;
  dataDir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A node serving `model`, on `port` (0: any free one). */
export async function startNode(model: string, options: { port?: number; dataDir?: string; args?: string[] } = {}): Promise<Node> {
  const dataDir = options.dataDir ?? scratchDir();
  const process_ = await startServeProcess([
    '--role', 'node', '--node-token', NODE_TOKEN, '--model', model, '--data-dir', dataDir,
    '--threads', '1', '--slots', '4', '--ctx-size', '4096', ...(options.port ? ['--port', String(options.port)] : []), ...(options.args ?? []),
  ]);
  const port = Number(new URL(process_.url).port);
  return {
    ...process_, port, dataDir,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (process_.child.exitCode !== null || process_.child.signalCode !== null) return;
      const exited = new Promise((resolve) => process_.child.once('exit', resolve));
      process_.child.kill(signal);
      await exited;
    },
  };
}

export interface Gateway {
  baseURL: string;
  pool: UpstreamPool;
  platform: Platform;
  clientWithKey(apiKey: string): OpenAI;
  close(): Promise<void>;
}

/**
 * A gateway (no local models, with the assistant app as `serve` has it) in front of `upstreams` (`name=URL,…` specs);
 * `platform` is where its state lives, as `serve`'s --database and --redis set it (default: SQLite in a scratch directory).
 */
export async function startGateway(upstreams: string[], options: Partial<UpstreamOptions> = {}, platformOptions: PlatformOptions = {}): Promise<Gateway> {
  const pool = new UpstreamPool(upstreams.map(parseUpstreamSpec), { ...DEFAULT_UPSTREAM_OPTIONS, ...options });
  await pool.discover();
  const models = await ModelRegistry.start([], { maxLoaded: 1, keepAliveMs: -1, memoryLimitBytes: os.totalmem(), hasUpstreams: true });
  pool.attach(models);
  const platform = await openPlatform(scratchDir(), { checkpointInBackground: true, ...platformOptions });
  const app = await buildServer({ models, upstreams: pool, platform, assistant: await openAssistant(platform) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const baseURL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
  return { baseURL, pool, platform, clientWithKey: (apiKey) => new OpenAI({ baseURL, apiKey, maxRetries: 0 }), close: () => app.close() };
}

export function nodeSpec(name: string, node: Node): string {
  return `${name}=http://127.0.0.1:${node.port},key=${NODE_TOKEN}`;
}
