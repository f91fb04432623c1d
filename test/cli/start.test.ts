/** `npm start` stops the server however npm is stopped, so no orphaned server keeps the port. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { scratchDir, tinyModel } from '../helpers/models.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function startWithNpm(): Promise<{ npm: ReturnType<typeof spawn>; origin: string }> {
  const env = { ...process.env, SEEKSTACK_PORT: '0', SEEKSTACK_MODEL: await tinyModel('llama'), SEEKSTACK_DATA_DIR: scratchDir(), SEEKSTACK_THREADS: '1' };
  const npm = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    npm.stdout!.on('data', (data: Buffer) => {
      output += data;
      const match = /serving on (http:\/\/\S+)\/v1/.exec(output);
      if (match) resolve(match[1]);
    });
    npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
  return { npm, origin };
}

async function isServing(origin: string): Promise<boolean> {
  try {
    return (await fetch(`${origin}/health`)).ok;
  } catch {
    return false;
  }
}

async function stopsServing(origin: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isServing(origin))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    it(`frees the port when the npm process gets ${signal}`, async () => {
      const { npm, origin } = await startWithNpm();
      assert.ok(await isServing(origin));
      const exited = once(npm, 'exit');
      npm.kill(signal);
      await exited;
      assert.ok(await stopsServing(origin), `the server stopped after npm got ${signal}`);
    });
  }
});
