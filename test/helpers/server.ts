/** Starts the real HTTP server on a free loopback port with tiny generated models, and an openai client for it. */
import os from 'node:os';
import { after, before } from 'node:test';
import OpenAI from 'openai';
import { buildServer } from '../../src/api/server.ts';
import { ModelRegistry, type RegistryOptions } from '../../src/routing/registry.ts';
import { openAssistant, type Assistant } from '../../src/platform/assistant.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { engineConfig } from './engine.ts';
import { scratchDir } from './models.ts';
import type { EngineConfig } from '../../src/engine/protocol.ts';

export interface TestServer {
  baseURL: string;
  client: OpenAI;
  models: ModelRegistry;
  platform: Platform;
  /** The assistant web app, when the server was started with it; `origin` serves its page. */
  assistant?: Assistant;
  origin: string;
  dataDir: string;
  /** An openai client sending this key. */
  clientWithKey(apiKey: string): OpenAI;
  /** Raw request helper for what the SDK cannot send (malformed JSON, invalid UTF-8, huge bodies). */
  post(path: string, body: string | Buffer, headers?: Record<string, string>): Promise<Response>;
}

export async function startServer(
  t: { after(fn: () => Promise<void>): void },
  modelPaths: string[],
  options: { engine?: Partial<EngineConfig>; keepAliveMs?: number; bodyLimitBytes?: number; requestTimeoutMs?: number; metricsToken?: string; dataDir?: string; registry?: Partial<RegistryOptions>; assistant?: boolean; library?: boolean } = {},
): Promise<TestServer> {
  // Every model may stay loaded for good unless a test asks otherwise, so timing never unloads one under a test.
  const models = await ModelRegistry.start(
    modelPaths.map((p) => ({ config: engineConfig(p, { numSlots: 4, ...options.engine }) })),
    { maxLoaded: modelPaths.length, keepAliveMs: -1, memoryLimitBytes: os.totalmem(), ...options.registry },
  );
  const dataDir = options.dataDir ?? scratchDir();
  const platform = await openPlatform(dataDir, { checkpointInBackground: true });
  const assistant = options.assistant ? await openAssistant(platform) : undefined;
  const library = options.library ? { dataDir, configFor: (modelPath: string) => engineConfig(modelPath, { numSlots: 4, ...options.engine }) } : undefined;
  const app = await buildServer({ models, platform, assistant, library, keepAliveMs: options.keepAliveMs, bodyLimitBytes: options.bodyLimitBytes, requestTimeoutMs: options.requestTimeoutMs, metricsToken: options.metricsToken });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseURL = `http://127.0.0.1:${port}/v1`;
  return {
    baseURL,
    models,
    platform,
    assistant,
    origin: `http://127.0.0.1:${port}`,
    dataDir,
    client: new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 }),
    clientWithKey: (apiKey) => new OpenAI({ baseURL, apiKey, maxRetries: 0 }),
    post: (path, body, headers = {}) =>
      fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: typeof body === 'string' ? body : new Blob([body]), headers: { 'content-type': 'application/json', ...headers } }),
  };
}

/** One server for a whole describe block: started before its tests, closed after them. */
export function serverForSuite(modelPaths: () => Promise<string[]>, options: Parameters<typeof startServer>[2] = {}): () => TestServer {
  let server: TestServer | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    server = await startServer({ after: (fn) => cleanups.push(fn) }, await modelPaths(), options);
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  return () => server as TestServer;
}
