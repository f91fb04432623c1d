/** Runs `seekstack <args>` as a user would, with HF_TOKEN cleared so a developer's own token never leaks into a test. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/seekstack.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `onStdout` sees the output so far each time more arrives. */
export async function runCli(args: string[], env: Record<string, string> = {}, onStdout: (stdout: string) => void = () => {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HF_TOKEN: '', HF_ENDPOINT: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => onStdout((stdout += d)));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}
