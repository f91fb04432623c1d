/**
 * @module engine/client
 * The server's side of the engine: spawns the engine process, supervises it, and turns its per-step
 * messages into one typed async iterator per request. A crash of llama.cpp fails only the requests in
 * flight (with `engine_unavailable`, which the API turns into a 503) and the engine is started again.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { EngineError } from './errors.ts';
import { validateModelFile } from './model-file.ts';
import {
  compileParser,
  FromEngineSchema,
  type EngineConfig,
  type EngineStats,
  type FromEngine,
  type ModelInfo,
  type SubmitMessage,
  type ToEngine,
} from './protocol.ts';
import type { StepEvent } from './types.ts';

const parseFromEngine = compileParser(FromEngineSchema, 'message from the engine');
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export type GenerateInput = Omit<SubmitMessage, 'type' | 'id'>;

/** Events of one request, in order; ends after the event that carries `finishReason`. */
class Channel implements AsyncIterable<StepEvent> {
  readonly #buffer: StepEvent[] = [];
  #error: Error | null = null;
  #isDone = false;
  #wake: (() => void) | null = null;

  push(event: StepEvent): void {
    this.#buffer.push(event);
    if (event.finishReason) this.#isDone = true;
    this.#notify();
  }

  fail(error: Error): void {
    this.#error = error;
    this.#isDone = true;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StepEvent> {
    for (;;) {
      while (this.#buffer.length > 0) yield this.#buffer.shift() as StepEvent;
      if (this.#error) throw this.#error;
      if (this.#isDone) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface EngineClientOptions {
  /** Delay before restarting a crashed engine; doubles on each failed start, up to 30 s. */
  restartDelayMs?: number;
}

/**
 * Emits `restart` (after a crash, with the new ModelInfo) and `crash` (with the exit description).
 */
export class EngineClient extends EventEmitter {
  readonly config: EngineConfig;
  model: ModelInfo;
  restarts = 0;
  #child: ChildProcess;
  #isReady = true;
  #isClosed = false;
  readonly #channels = new Map<string, Channel>();
  readonly #rpcs = new Map<number, Pending>();
  #nextId = 0;
  readonly #restartDelayMs: number;

  private constructor(config: EngineConfig, child: ChildProcess, model: ModelInfo, options: EngineClientOptions) {
    super();
    this.config = config;
    this.#child = child;
    this.model = model;
    this.#restartDelayMs = options.restartDelayMs ?? 200;
    this.#attach(child);
  }

  /** Start the engine process and wait until the model is loaded. Throws EngineError on a bad model. */
  static async start(config: EngineConfig, options: EngineClientOptions = {}): Promise<EngineClient> {
    const { child, model } = await spawnEngine(config);
    return new EngineClient(config, child, model, options);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Submit a request and iterate its events. Aborting `signal` cancels it at the next decode step.
   * Rejections (queue full, prompt too long) and crashes surface as EngineError from the iterator.
   */
  generate(input: GenerateInput, signal?: AbortSignal): AsyncIterable<StepEvent> {
    const id = `r${++this.#nextId}`;
    const channel = new Channel();
    if (!this.#isReady) {
      channel.fail(new EngineError('engine_unavailable', 'the engine is restarting; retry shortly'));
      return channel;
    }
    this.#channels.set(id, channel);
    this.#send({ type: 'submit', id, ...input });
    if (signal) {
      const onAbort = () => {
        if (this.#channels.has(id)) this.#send({ type: 'cancel', id });
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    return channel;
  }

  tokenize(text: string, addSpecial: boolean): Promise<number[]> {
    return this.#rpc({ type: 'tokenize', text, addSpecial }) as Promise<number[]>;
  }

  detokenize(tokens: number[]): Promise<string> {
    return this.#rpc({ type: 'detokenize', tokens }) as Promise<string>;
  }

  stats(): Promise<EngineStats> {
    return this.#rpc({ type: 'stats' }) as Promise<EngineStats>;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  // ---------------------------------------------------------------- helpers

  #rpc(message: Record<string, unknown>): Promise<unknown> {
    if (!this.#isReady) return Promise.reject(new EngineError('engine_unavailable', 'the engine is restarting'));
    const rpcId = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#rpcs.set(rpcId, { resolve, reject });
      this.#send({ ...message, rpcId } as ToEngine);
    });
  }

  #send(message: ToEngine): void {
    this.#child.send(message);
  }

  #attach(child: ChildProcess): void {
    child.on('message', (raw) => this.#onMessage(parseFromEngine(raw)));
    // A send racing the child's death reports here; the exit handler already fails what was in flight.
    child.on('error', () => {});
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
  }

  #onMessage(message: FromEngine): void {
    switch (message.type) {
      case 'step':
        for (const event of message.events) {
          const channel = this.#channels.get(event.id);
          if (!channel) continue;
          if (event.finishReason) this.#channels.delete(event.id);
          channel.push(event as StepEvent);
        }
        break;
      case 'rejected': {
        const channel = this.#channels.get(message.id);
        this.#channels.delete(message.id);
        channel?.fail(new EngineError(message.code, message.message));
        break;
      }
      case 'rpc': {
        const pending = this.#rpcs.get(message.rpcId);
        this.#rpcs.delete(message.rpcId);
        if (message.error !== undefined) pending?.reject(new EngineError('invalid_request', message.error));
        else pending?.resolve(message.result);
        break;
      }
      default:
        break;
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#isReady = false;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const error = new EngineError('engine_unavailable', `the engine process stopped (${how}); retry shortly`);
    for (const channel of this.#channels.values()) channel.fail(error);
    this.#channels.clear();
    for (const pending of this.#rpcs.values()) pending.reject(error);
    this.#rpcs.clear();
    if (this.#isClosed) return;
    this.emit('crash', how);
    void this.#restart(this.#restartDelayMs);
  }

  async #restart(delayMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.#isClosed) return;
    try {
      const { child, model } = await spawnEngine(this.config);
      if (this.#isClosed) {
        child.kill('SIGTERM');
        return;
      }
      this.#child = child;
      this.model = model;
      this.restarts++;
      this.#attach(child);
      this.#isReady = true;
      this.emit('restart', model);
    } catch {
      void this.#restart(Math.min(delayMs * 2, 30_000));
    }
  }
}

async function spawnEngine(config: EngineConfig): Promise<{ child: ChildProcess; model: ModelInfo }> {
  // Checked before any process starts: llama.cpp aborts the whole process on some malformed files.
  validateModelFile(config.modelPath);
  const child = fork(WORKER, [], {
    execArgv: ['--import', TSX],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const model = await new Promise<ModelInfo>((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new EngineError('engine_unavailable', `the engine process exited while loading (${signal ?? `exit code ${code}`})`));
    child.once('exit', onExit);
    child.once('message', (raw) => {
      child.off('exit', onExit);
      try {
        const message = parseFromEngine(raw);
        if (message.type === 'ready') resolve(message.model);
        // The engine exits by itself after a fatal message.
        else if (message.type === 'fatal') reject(new EngineError(message.code, message.message));
        else reject(new EngineError('internal', `unexpected first message from the engine: ${message.type}`));
      } catch (error) {
        child.kill('SIGKILL');
        reject(error);
      }
    });
    child.send({ type: 'init', config } satisfies ToEngine);
  });
  return { child, model };
}
