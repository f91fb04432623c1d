/**
 * `seekstack run` in a real pseudo-terminal (util-linux `script`), as a person types: streaming, the
 * reasoning dimmed then folded, Ctrl-C stopping an answer, /think, /set, /clear, multi-line input, /bye;
 * and one-shot answers from a prompt argument or piped stdin, with the model loaded here or on a server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { tinyModel } from '../helpers/models.ts';
import { startServer } from '../helpers/server.ts';
import { runCli } from '../models/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/seekstack.js', import.meta.url));
const DIM = '\x1b[2m';
/** readline ends its prompt by placing the cursor (ESC [ n G). */
const AT_PROMPT = String.raw`(\x1b\[\d+G)?$`;
const PROMPT = new RegExp(`>>> ${AT_PROMPT}`);
const CONTINUATION = new RegExp(`\\.\\.\\. ${AT_PROMPT}`);
/** `text`, then the prompt again. */
function thenPrompt(text: string): RegExp {
  return new RegExp(`${text}[\\s\\S]*>>> ${AT_PROMPT}`);
}

/** `seekstack run …` on a pseudo-terminal: type into it, wait for what it prints. */
class Terminal {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  output = '';
  #mark = 0;

  constructor(args: string[]) {
    const command = [process.execPath, BIN, 'run', ...args].map((a) => `'${a}'`).join(' ');
    this.#child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, COLUMNS: '80', LINES: '24' } });
    this.#child.stdout.on('data', (data: Buffer) => (this.output += data));
  }

  /** Types `text` (Enter is \r on a terminal); what is printed after it is what `waitFor` looks at. */
  type(text: string): void {
    this.#mark = this.output.length;
    this.#child.stdin.write(text);
  }

  /** What was printed since the last `type`, once it matches. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output.slice(this.#mark))) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; got ${JSON.stringify(this.output.slice(this.#mark).slice(-400))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return this.output.slice(this.#mark);
  }

  async exitCode(): Promise<number | null> {
    const [code] = this.#child.exitCode === null ? await once(this.#child, 'exit') : [this.#child.exitCode];
    return code as number | null;
  }
}

describe('seekstack run in a terminal', () => {
  it('stops an answer on Ctrl-C and goes on with the conversation; /think off leaves the reasoning out; /bye leaves', async () => {
    // A random-weight model never ends an answer by itself: only Ctrl-C can.
    const term = new Terminal([await tinyModel('qwen2'), '--threads', '1', '--max-tokens', '1000000', '--temperature', '0']);
    await term.waitFor(PROMPT);
    term.type('/think on\r');
    await term.waitFor(thenPrompt('Thinking on\\.'));
    term.type('Tell me a long story\r');
    await term.waitFor(new RegExp(`${DIM.replace('[', '\\[')}.{40,}`, 's'));
    term.type('\x03');
    const stopped = await term.waitFor(thenPrompt('\\(stopped\\)'));
    assert.match(stopped, /Thought for \d+\.\d s/, 'the reasoning was folded into one line');
    term.type('/think off\r');
    await term.waitFor(thenPrompt('Thinking off\\.'));
    term.type('/set temperature 0\r');
    await term.waitFor(thenPrompt('Temperature 0\\.'));
    term.type('And then?\r');
    await term.waitFor(/And then\?\r\r\n.{10,}/s);
    term.type('\x03');
    const plain = await term.waitFor(thenPrompt('\\(stopped\\)'));
    const answer = plain.slice(0, plain.indexOf('(stopped)') - DIM.length);
    assert.doesNotMatch(answer, /\x1b\[2m/, 'no dimmed reasoning with thinking off');
    assert.doesNotMatch(plain, /Thought for/);
    term.type('/clear\r');
    await term.waitFor(thenPrompt('Cleared the conversation\\.'));
    term.type('/bye\r');
    assert.equal(await term.exitCode(), 0);
  });

  it('answers the bundled reasoning model with its reasoning folded, takes """ multi-line """ messages, and Ctrl-D leaves', async () => {
    const term = new Terminal(['--threads', '1', '--temperature', '0']);
    await term.waitFor(PROMPT);
    term.type('What is 457 + 286?\r');
    const answer = await term.waitFor(thenPrompt('743'));
    assert.match(answer, /Thought for \d+\.\d s/);
    assert.match(answer, /\x1b\[J/, 'the dimmed reasoning was erased from the screen');
    term.type('"""\r');
    await term.waitFor(CONTINUATION);
    term.type('What is\r');
    await term.waitFor(CONTINUATION);
    term.type('98 + 731?"""\r');
    await term.waitFor(thenPrompt('Thought for'));
    term.type('/nope\r');
    await term.waitFor(/Unknown command '\/nope'/);
    term.type('\x04');
    assert.equal(await term.exitCode(), 0);
  });
});

describe('seekstack run, one-shot', () => {
  it('answers a prompt argument and piped stdin once: the answer on stdout, the reasoning on stderr', async () => {
    const fromArgument = await runCli(['run', 'seekstack-demo-r1', 'What is 457 + 286?', '--threads', '1', '--temperature', '0']);
    assert.equal(fromArgument.code, 0, fromArgument.stderr);
    assert.match(fromArgument.stdout, /(?<!\d)743(?!\d)/);
    assert.doesNotMatch(fromArgument.stdout, /Ones:/);
    assert.match(fromArgument.stderr, /Ones: .*7 \+ 6 = 13/);
    const child = spawn(process.execPath, [BIN, 'run', '--threads', '1', '--temperature', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stdin.end('What is 457 + 286?\n');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.match(stdout, /(?<!\d)743(?!\d)/);
  });

  it('talks to a running server with --url', async (t) => {
    const server = await startServer(t, [await tinyModel('qwen2')]);
    const result = await runCli(['run', 'deepseek-chat', 'Hello there', '--url', server.baseURL, '--max-tokens', '8', '--temperature', '0']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.trim().length > 0);
    const missing = await runCli(['run', 'no-such-model', 'Hello', '--url', server.baseURL]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /the server answered 400: the model 'no-such-model' does not exist/);
  });
});
