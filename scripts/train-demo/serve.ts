/**
 * @module Starts `seekstack serve` (the real CLI, in a child process) on one model and a free loopback
 * port, waits until it answers, and gives an `openai` client for it. Used by the evaluation and the
 * llama.cpp check, so they see exactly what a user of `npm start` sees.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';

export interface Served {
  readonly baseURL: string;
  readonly client: OpenAI;
  close(): Promise<void>;
}

const ROOT = path.join(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function serveModel(modelPath: string, extraArgs: string[] = []): Promise<Served> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-demo-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/seekstack.js'), 'serve', '--model', modelPath, '--port', String(port), '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  for (const started = Date.now(); ; ) {
    if (child.exitCode !== null) throw new Error(`seekstack serve exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${baseURL}/models`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 60_000) {
      await close();
      throw new Error('seekstack serve did not start within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { baseURL, client: new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 }), close };
}
