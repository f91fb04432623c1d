/** `seekstack serve` as a real child process, for tests that restart or kill the server. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/seekstack.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** The base URL it printed, ending in /v1. */
  url: string;
  /** Everything it wrote to stdout so far. */
  output(): string;
  /** Everything it wrote to stderr so far (also passed on to the test's stderr). */
  errors(): string;
}

/**
 * Starts `seekstack serve <args>` on a free port and resolves once it prints where it serves.
 * `asCommand`: run the command itself, as a user's shell does, so its shebang's settings apply.
 */
export async function startServeProcess(args: string[], { asCommand = false } = {}): Promise<ServeProcess> {
  const [file, ...argv] = [...(asCommand ? [] : [process.execPath]), BIN, 'serve', '--port', '0', ...args];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (data: Buffer) => {
    errors += data;
    process.stderr.write(data);
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      output += data;
      const match = /serving on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output, errors: () => errors };
}
