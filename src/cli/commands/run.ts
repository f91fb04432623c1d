/**
 * `seekstack run [model] [prompt…]`: chat with a model in the terminal, as `ollama run` does. On a
 * terminal it is a conversation: answers stream, the reasoning streams dimmed and is folded into one line
 * once the answer starts, Ctrl-C stops the answer, and /bye, /clear, /think on|off, /set temperature
 * and """ multi-line """ input work. With a prompt (or piped standard input) it answers once and exits,
 * the answer on stdout and the reasoning on stderr. It loads the model itself, or talks to a running
 * server with --url.
 */
import readline from 'node:readline';
import type { ChatRequest } from '../../api/schemas/chat.ts';
import type { EngineClient } from '../../engine/client.ts';
import { DEFAULT_MODEL } from '../../models/bundled.ts';
import { ModelError } from '../../models/errors.ts';
import { resolveModel } from '../../models/library.ts';
import { defineCommand, parseCommandLine } from '../args.ts';
import { chatTurn, sampling, startLocalEngine } from '../local-chat.ts';
import { CTX_SIZE_OPTION, DATA_DIR_OPTION, positiveInteger } from '../model-options.ts';
import { remoteChatTurn } from '../remote-chat.ts';

const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const MULTILINE = '"""';

export const spec = defineCommand({
  operands: '[model] [prompt…]',
  options: {
    url: { type: 'string', default: process.env.SEEKSTACK_URL, value: 'url', help: 'chat with a running server instead of loading the model here (SEEKSTACK_URL)' },
    'api-key': { type: 'string', default: process.env.SEEKSTACK_API_KEY, value: 'key', help: 'a key for --url, once the server has keys (SEEKSTACK_API_KEY)' },
    think: { type: 'string', default: 'auto', value: 'auto|on|off', help: 'thinking, where the template can switch it (/think on|off in the chat)' },
    temperature: { type: 'string', default: '0.8', value: 'T', help: '0 is greedy (/set temperature in the chat)' },
    'max-tokens': { type: 'string', default: '4096', value: 'N', help: 'tokens per answer at most' },
    ...DATA_DIR_OPTION,
    ...CTX_SIZE_OPTION,
    threads: { type: 'string', default: 'auto', value: 'auto|N', help: 'decode threads when the model is loaded here' },
    'gpu-layers': { type: 'string', default: '-1', value: 'N', help: 'layers to offload to a GPU (-1: all)' },
  },
  notes: 'In the chat: /bye (or Ctrl-D) leaves, /clear forgets the conversation, /think on|off, /set temperature T,\n""" starts and ends a message of several lines, Ctrl-C stops the answer being written.',
});

interface Settings {
  thinking: boolean | undefined;
  temperature: number;
  maxTokens: number;
}

type Turn = (messages: ChatRequest['messages'], settings: Settings, signal: AbortSignal) => AsyncIterable<{ reasoning: string; content: string }>;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandLine('run', args, spec.options);
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  const [modelName, ...promptWords] = positionals;
  const settings: Settings = { thinking: undefined, temperature: Number(values.temperature), maxTokens: Number(values['max-tokens']) };
  if (!['auto', 'on', 'off'].includes(values.think)) {
    console.error(`seekstack run: --think must be auto, on or off, got '${values.think}'`);
    return 2;
  }
  settings.thinking = values.think === 'auto' ? undefined : values.think === 'on';
  if (!Number.isFinite(settings.temperature) || settings.temperature < 0 || !(Number.isInteger(settings.maxTokens) && settings.maxTokens > 0)) {
    console.error('seekstack run: --temperature must be a number ≥ 0 and --max-tokens a positive integer');
    return 2;
  }
  const contextTokens = positiveInteger('run', 'ctx-size', values['ctx-size']);
  if (contextTokens === null) return 2;
  const isOneShot = promptWords.length > 0 || !process.stdin.isTTY;
  const prompt = promptWords.length > 0 ? promptWords.join(' ') : isOneShot ? await readAll(process.stdin) : '';

  let engine: EngineClient | null = null;
  let turn: Turn;
  if (values.url) {
    const url = values.url;
    turn = (messages, s, signal) =>
      remoteChatTurn({ url, apiKey: values['api-key'], model: modelName ?? 'deepseek-chat', messages, thinking: s.thinking, temperature: s.temperature, maxTokens: s.maxTokens, signal });
  } else {
    let modelPath: string;
    try {
      modelPath = modelName === undefined ? DEFAULT_MODEL : resolveModel(values['data-dir'], modelName).path;
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      console.error(`seekstack run: ${error.message}`);
      return 1;
    }
    engine = await startLocalEngine('run', { modelPath, threads: values.threads, gpuLayers: Number(values['gpu-layers']), contextTokens });
    if (!engine) return 1;
    const local = engine;
    turn = (messages, s, signal) => chatTurn(local, messages, { thinking: s.thinking, sampling: sampling(s.temperature, randomSeed()), maxTokens: s.maxTokens, signal });
  }
  try {
    return isOneShot ? await answerOnce(turn, prompt, settings) : await converse(turn, settings);
  } finally {
    await engine?.close();
  }
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text.trim();
}

/** The answer on stdout, the reasoning on stderr (dimmed on a terminal), so a script gets only the answer. */
async function answerOnce(turn: Turn, prompt: string, settings: Settings): Promise<number> {
  if (prompt === '') {
    console.error('seekstack run: the prompt is empty');
    return 2;
  }
  const dim = process.stderr.isTTY ? [DIM, RESET] : ['', ''];
  let hasReasoned = false;
  try {
    for await (const delta of turn([{ role: 'user', content: prompt }], settings, new AbortController().signal)) {
      if (delta.reasoning) process.stderr.write(`${dim[0]}${delta.reasoning}${dim[1]}`);
      if (delta.content && hasReasoned) process.stderr.write('\n');
      hasReasoned &&= delta.content === '';
      hasReasoned ||= delta.reasoning !== '';
      process.stdout.write(delta.content);
    }
  } catch (error) {
    console.error(`\nseekstack run: ${(error as Error).message}`);
    return 1;
  }
  process.stdout.write('\n');
  return 0;
}

/** Writes one answer: the reasoning dimmed while it streams, folded into one line when the answer starts. */
class AnswerView {
  readonly #out = process.stdout;
  readonly #startedAt = performance.now();
  #reasoning = '';
  #isFolded = false;

  write(delta: { reasoning: string; content: string }): void {
    if (delta.reasoning && !this.#isFolded) {
      this.#reasoning += delta.reasoning;
      this.#out.write(`${DIM}${delta.reasoning}${RESET}`);
    }
    if (delta.content) {
      this.#fold();
      this.#out.write(delta.content);
    }
  }

  end(note = ''): void {
    this.#fold();
    this.#out.write(`${note}\n\n`);
  }

  /** Replaces the reasoning on screen by how long it took, once. */
  #fold(): void {
    if (this.#isFolded || this.#reasoning === '') {
      this.#isFolded = true;
      return;
    }
    this.#isFolded = true;
    const columns = this.#out.columns || 80;
    const rows = this.#reasoning.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / columns)), 0);
    this.#out.write(`\r${rows > 1 ? `\x1b[${rows - 1}A` : ''}\x1b[J`);
    this.#out.write(`${DIM}Thought for ${((performance.now() - this.#startedAt) / 1000).toFixed(1)} s${RESET}\n`);
  }
}

const HELP = `Commands:
  /bye                    leave (or Ctrl-D)
  /clear                  forget the conversation
  /think on|off           thinking, where the model's template can switch it
  /set temperature <T>    sampling temperature (0 is greedy)
  /?, /help               this help
  """                     start and end a message of several lines
  Ctrl-C                  stop the answer being written
`;

async function converse(turn: Turn, settings: Settings): Promise<number> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true, historySize: 100 });
  const messages: ChatRequest['messages'] = [];
  let answering: AbortController | null = null;
  rl.on('SIGINT', () => {
    if (answering) {
      answering.abort();
      return;
    }
    // As in Ollama: Ctrl-C at the prompt clears the line; leaving is /bye or Ctrl-D.
    rl.write(null, { ctrl: true, name: 'u' });
    process.stdout.write('\nUse Ctrl-D or /bye to exit.\n');
    rl.prompt();
  });
  process.stdout.write('Send a message (/? for help)\n');
  rl.setPrompt('>>> ');
  rl.prompt();
  let pending: string[] | null = null;
  for await (const line of rl) {
    if (pending) {
      const end = line.endsWith(MULTILINE);
      pending.push(end ? line.slice(0, -MULTILINE.length) : line);
      if (!end) {
        rl.setPrompt('... ');
        rl.prompt();
        continue;
      }
    } else if (line.startsWith(MULTILINE)) {
      const rest = line.slice(MULTILINE.length);
      if (!(rest.endsWith(MULTILINE) && rest.length >= MULTILINE.length)) {
        pending = [rest];
        rl.setPrompt('... ');
        rl.prompt();
        continue;
      }
      pending = [rest.slice(0, -MULTILINE.length)];
    }
    const isMultiline = pending !== null;
    const text = pending ? pending.join('\n') : line;
    pending = null;
    rl.setPrompt('>>> ');
    if (!isMultiline && text.startsWith('/')) {
      if (command(text.trim(), settings, messages) === 'bye') break;
      rl.prompt();
      continue;
    }
    if (text.trim() === '') {
      rl.prompt();
      continue;
    }
    messages.push({ role: 'user', content: text });
    answering = new AbortController();
    const view = new AnswerView();
    let answer = '';
    try {
      for await (const delta of turn(messages, settings, answering.signal)) {
        answer += delta.content;
        view.write(delta);
        if (answering.signal.aborted) break;
      }
      view.end(answering.signal.aborted ? `${DIM} (stopped)${RESET}` : '');
    } catch (error) {
      view.end(answering.signal.aborted ? `${DIM} (stopped)${RESET}` : `\nerror: ${(error as Error).message}`);
    }
    // A stopped answer stays in the conversation as far as it got, as in Ollama.
    if (answer !== '') messages.push({ role: 'assistant', content: answer });
    else messages.pop();
    answering = null;
    rl.prompt();
  }
  rl.close();
  return 0;
}

/** A /command; 'bye' ends the chat. */
function command(text: string, settings: Settings, messages: ChatRequest['messages']): 'bye' | 'ok' {
  const [name, ...args] = text.split(/\s+/);
  switch (name) {
    case '/bye':
    case '/exit':
      return 'bye';
    case '/clear':
      messages.length = 0;
      process.stdout.write('Cleared the conversation.\n');
      return 'ok';
    case '/think':
      if (args[0] !== 'on' && args[0] !== 'off') {
        process.stdout.write('Usage: /think on|off\n');
        return 'ok';
      }
      settings.thinking = args[0] === 'on';
      process.stdout.write(`Thinking ${args[0]}.\n`);
      return 'ok';
    case '/set': {
      const value = Number(args[1]);
      if (args[0] !== 'temperature' || !Number.isFinite(value) || value < 0) {
        process.stdout.write('Usage: /set temperature <T>   (a number ≥ 0)\n');
        return 'ok';
      }
      settings.temperature = value;
      process.stdout.write(`Temperature ${value}.\n`);
      return 'ok';
    }
    case '/?':
    case '/help':
      process.stdout.write(HELP);
      return 'ok';
    default:
      process.stdout.write(`Unknown command '${name}'. /? lists the commands.\n`);
      return 'ok';
  }
}
