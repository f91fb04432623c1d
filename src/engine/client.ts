/**
 * @module engine/client
 * The server's side of the engine: spawns the engine process, supervises it, and turns its per-step
 * events (step-channel.ts) into one typed async iterator per request. A crash of llama.cpp fails only the
 * requests in flight (with `engine_unavailable`, which the API turns into a 503) and the engine is started again.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { EmbedInput, Embeddings } from './embedder.ts';
import { EngineError } from './errors.ts';
import { validateModelFile } from './model-file.ts';
import {
  compileParser,
  FromEngineSchema,
  HEARTBEAT_INTERVAL_MS,
  type EngineConfig,
  type EngineStartup,
  type EngineStats,
  type FromEngine,
  type Heartbeat,
  type ModelInfo,
  type SubmitMessage,
  type ToEngine,
} from './protocol.ts';
import type { RequestId, StepEvent } from './types.ts';
import { stepPipe, takeEngineProcess } from './engine-process.ts';
import { readStepEvents } from './step-channel.ts';

const parseFromEngine = compileParser(FromEngineSchema, 'message from the engine');

export type GenerateInput = Omit<SubmitMessage, 'type' | 'id'>;

/**
 * One request's events, in order; ends after the event that carries `finishReason`. `accepted` settles
 * once the engine has queued the request (or rejects with its refusal), before any event arrives.
 */
export class Generation implements AsyncIterable<StepEvent> {
  readonly accepted: Promise<void>;
  #accept!: () => void;
  #refuse!: (error: Error) => void;
  readonly #buffer: StepEvent[] = [];
  #error: Error | null = null;
  #isDone = false;
  /** The reader waiting for the next event; set only while the buffer is empty. */
  #waiter: { resolve(result: IteratorResult<StepEvent>): void; reject(error: Error): void } | null = null;

  constructor() {
    this.accepted = new Promise<void>((resolve, reject) => {
      this.#accept = resolve;
      this.#refuse = reject;
    });
    // Callers that only iterate see a refusal there; this keeps it from also going unhandled here.
    this.accepted.catch(() => {});
  }

  accept(): void {
    this.#accept();
  }

  push(event: StepEvent): void {
    this.#accept();
    if (event.finishReason) this.#isDone = true;
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter) waiter.resolve({ value: event, done: false });
    else this.#buffer.push(event);
  }

  fail(error: Error): void {
    this.#refuse(error);
    this.#error = error;
    this.#isDone = true;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.reject(error);
  }

  /**
   * A plain iterator rather than an async generator: an event goes straight to the waiting reader's
   * promise, where a generator would resume, then await the value it yields, one microtask each, per token.
   */
  [Symbol.asyncIterator](): AsyncIterator<StepEvent> {
    return { next: () => this.#next() };
  }

  #next(): Promise<IteratorResult<StepEvent>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift() as StepEvent, done: false });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#isDone) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface EngineClientOptions {
  /** Delay before restarting a crashed engine; doubles on each failed start, up to 30 s. */
  restartDelayMs?: number;
  /** How long a request arriving during a restart waits for the new engine before a 503. */
  restartWaitMs?: number;
  /** No step (with work pending) or no heartbeat for this long: the engine is reported stalled. */
  stallTimeoutMs?: number;
  /** Stalled for this long: the engine is killed and restarted, failing what it had in flight. */
  stallRestartMs?: number;
}

export type EngineHealth = { status: 'ok' } | { status: 'restarting' } | { status: 'stalled'; stalledMs: number };

/** A decode whose process used at least this share of a core between heartbeats is making progress. */
const WORKING_CPU_SHARE = 0.2;

/**
 * Emits `crash` (why the engine process stopped: its exit, or why this client killed it), `stalled` (ms
 * without progress, just before it is killed), `restart` (with the new ModelInfo) and `restart-failed`
 * (the error, and the ms until the next try).
 */
export class EngineClient extends EventEmitter {
  readonly config: EngineConfig;
  model: ModelInfo;
  restarts = 0;
  /** The engine's counters as of its last heartbeat (null until the first one): reading them asks nothing. */
  lastStats: EngineStats | null = null;
  /** How the engine process's start went, phase by phase (of its latest start). */
  startup: EngineStartup | null = null;
  #child: ChildProcess;
  #isReady = true;
  #isClosed = false;
  readonly #generations = new Map<string, Generation>();
  readonly #rpcs = new Map<number, Pending>();
  /** Requests and RPCs that arrived during a restart, sent once the new engine is ready. */
  #onReady: Array<() => void> = [];
  #nextId = 0;
  readonly #options: Required<EngineClientOptions>;
  #lastProgressAt = performance.now();
  #lastHeartbeat: Heartbeat | null = null;
  /** Why this client killed the current engine process, if it did: its exit reports this instead of SIGKILL. */
  #killedFor: string | null = null;
  readonly #supervisor: NodeJS.Timeout;

  private constructor(config: EngineConfig, child: ChildProcess, model: ModelInfo, options: EngineClientOptions) {
    super();
    this.config = config;
    this.#child = child;
    this.model = model;
    this.#options = {
      restartDelayMs: options.restartDelayMs ?? 200,
      restartWaitMs: options.restartWaitMs ?? 30_000,
      stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
      stallRestartMs: options.stallRestartMs ?? 120_000,
    };
    this.#attach(child);
    this.#supervisor = setInterval(() => this.#supervise(), Math.min(1000, this.#options.stallTimeoutMs / 2)).unref();
  }

  /** Start the engine process and wait until the model is loaded. Throws EngineError on a bad model. */
  static async start(config: EngineConfig, options: EngineClientOptions = {}): Promise<EngineClient> {
    const { child, model, startup } = await spawnEngine(config);
    const client = new EngineClient(config, child, model, options);
    client.startup = startup;
    return client;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Submit a request. Its `accepted` settles when the engine has queued or refused it; iterating it
   * gives its events. Aborting `signal` cancels it at the next decode step. Refusals (queue full, prompt
   * too long) and crashes surface as EngineError. During a restart it waits for the new engine.
   */
  generate(input: GenerateInput, signal?: AbortSignal): Generation {
    const id = `r${++this.#nextId}`;
    const generation = new Generation();
    const submit = () => {
      if (signal?.aborted) {
        generation.push({ id: id as RequestId, step: 0, tokens: [], text: '', finishReason: 'cancelled', usage: { promptTokens: 0, promptCacheHitTokens: 0, completionTokens: 0 } });
        return;
      }
      this.#generations.set(id, generation);
      this.#send({ type: 'submit', id, ...input });
    };
    this.#whenReady(submit, (error) => generation.fail(error));
    signal?.addEventListener(
      'abort',
      () => {
        if (this.#generations.has(id)) this.#send({ type: 'cancel', id });
      },
      { once: true },
    );
    return generation;
  }

  tokenize(text: string, addSpecial: boolean): Promise<number[]> {
    return this.#rpc({ type: 'tokenize', text, addSpecial }) as Promise<number[]>;
  }

  detokenize(tokens: number[]): Promise<string> {
    return this.#rpc({ type: 'detokenize', tokens }) as Promise<string>;
  }

  /** Embeddings of texts or token arrays, one raw pooled vector each (see engine/embedder.ts). */
  embed(inputs: EmbedInput[], truncate: boolean): Promise<Embeddings> {
    return this.#rpc({ type: 'embed', inputs, truncate }) as Promise<Embeddings>;
  }

  /** The engine's counters now: asks the engine, so it waits on a busy or stopped one (see lastStats). */
  stats(): Promise<EngineStats> {
    return this.#rpc({ type: 'stats' }) as Promise<EngineStats>;
  }

  /** Whether the engine is stepping as it should: `stalled` when it has not for stallTimeoutMs. */
  health(): EngineHealth {
    if (!this.#isReady) return { status: 'restarting' };
    const stalledMs = performance.now() - this.#lastProgressAt;
    return stalledMs > this.#options.stallTimeoutMs ? { status: 'stalled', stalledMs } : { status: 'ok' };
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#supervisor);
    const waiting = this.#onReady;
    this.#onReady = [];
    for (const resume of waiting) resume();
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  // ---------------------------------------------------------------- helpers

  /** Run `send` now, or once a restart completes; `fail` if that takes longer than restartWaitMs. */
  #whenReady(send: () => void, fail: (error: EngineError) => void): void {
    if (this.#isClosed) {
      fail(new EngineError('engine_unavailable', 'the engine is shut down'));
      return;
    }
    if (this.#isReady) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      this.#onReady = this.#onReady.filter((entry) => entry !== resume);
      fail(new EngineError('engine_unavailable', `the engine is restarting and was not back within ${this.#options.restartWaitMs} ms; retry shortly`));
    }, this.#options.restartWaitMs);
    const resume = () => {
      clearTimeout(timer);
      if (this.#isClosed) fail(new EngineError('engine_unavailable', 'the engine is shut down'));
      else send();
    };
    this.#onReady.push(resume);
  }

  #rpc(message: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#whenReady(() => {
        const rpcId = ++this.#nextId;
        this.#rpcs.set(rpcId, { resolve, reject });
        this.#send({ ...message, rpcId } as ToEngine);
      }, reject);
    });
  }

  #send(message: ToEngine): void {
    this.#child.send(message);
  }

  #attach(child: ChildProcess): void {
    // An engine that breaks the protocol is restarted, as after a crash; a bad message must not throw
    // out of an event handler, where it would end the whole server.
    const breaksProtocol = (error: Error) => this.#kill(child, `killed for ${error.message}`);
    child.on('message', (raw) => {
      let message: FromEngine;
      try {
        message = parseFromEngine(raw);
      } catch (error) {
        breaksProtocol(error as Error);
        return;
      }
      this.#onMessage(message);
    });
    readStepEvents(stepPipe(child), (events) => this.#onEvents(events), breaksProtocol);
    // A send racing the child's death reports here; the exit handler already fails what was in flight.
    child.on('error', () => {});
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
    this.#lastProgressAt = performance.now();
    this.#lastHeartbeat = null;
    this.#killedFor = null;
  }

  /** SIGKILL reaches a stopped or hung process too; the exit handler fails its requests and restarts it. */
  #kill(child: ChildProcess, reason: string): void {
    if (child === this.#child) this.#killedFor ??= reason;
    child.kill('SIGKILL');
  }

  #onEvents(events: StepEvent[]): void {
    for (const event of events) {
      const generation = this.#generations.get(event.id);
      if (!generation) continue;
      if (event.finishReason) this.#generations.delete(event.id);
      generation.push(event);
    }
  }

  #onMessage(message: FromEngine): void {
    switch (message.type) {
      case 'accepted':
        this.#generations.get(message.id)?.accept();
        break;
      case 'rejected': {
        const generation = this.#generations.get(message.id);
        this.#generations.delete(message.id);
        generation?.fail(new EngineError(message.code, message.message));
        break;
      }
      case 'rpc': {
        const pending = this.#rpcs.get(message.rpcId);
        this.#rpcs.delete(message.rpcId);
        if (message.error !== undefined) pending?.reject(new EngineError(message.error.code, message.error.message));
        else pending?.resolve(message.result);
        break;
      }
      case 'heartbeat':
        this.#onHeartbeat(message);
        break;
      default:
        break;
    }
  }

  /** Progress: a step finished, or one in flight is burning CPU, or there is nothing to do. */
  #onHeartbeat(beat: Heartbeat): void {
    const last = this.#lastHeartbeat;
    const { stats } = beat;
    const isIdle = stats.numWaiting + stats.numRunning + stats.numPreparing === 0;
    const hasStepped = last !== null && stats.numSteps !== last.stats.numSteps;
    const isWorking = last !== null && beat.stepElapsedMs !== null && beat.cpuMs - last.cpuMs >= WORKING_CPU_SHARE * HEARTBEAT_INTERVAL_MS;
    if (last === null || isIdle || hasStepped || isWorking) this.#lastProgressAt = performance.now();
    this.#lastHeartbeat = beat;
    this.lastStats = stats;
  }

  #supervise(): void {
    const health = this.health();
    if (health.status !== 'stalled' || health.stalledMs <= this.#options.stallRestartMs) return;
    this.emit('stalled', health.stalledMs);
    this.#kill(this.#child, `killed after ${(health.stalledMs / 1000).toFixed(1)} s without progress`);
    this.#lastProgressAt = performance.now();
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#isReady = false;
    const how = this.#killedFor ?? (signal ? `signal ${signal}` : `exit code ${code}`);
    const error = new EngineError('engine_unavailable', `the engine process stopped (${how}); retry shortly`);
    for (const generation of this.#generations.values()) generation.fail(error);
    this.#generations.clear();
    for (const pending of this.#rpcs.values()) pending.reject(error);
    this.#rpcs.clear();
    this.lastStats = null;
    if (this.#isClosed) return;
    this.emit('crash', how);
    void this.#restart(this.#options.restartDelayMs);
  }

  async #restart(delayMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.#isClosed) return;
    try {
      const { child, model, startup } = await spawnEngine(this.config);
      if (this.#isClosed) {
        child.kill('SIGTERM');
        return;
      }
      this.#child = child;
      this.model = model;
      this.startup = startup;
      this.restarts++;
      this.#attach(child);
      this.#isReady = true;
      const waiting = this.#onReady;
      this.#onReady = [];
      for (const resume of waiting) resume();
      this.emit('restart', model);
    } catch (error) {
      const nextMs = Math.min(delayMs * 2, 30_000);
      this.emit('restart-failed', error as Error, nextMs);
      void this.#restart(nextMs);
    }
  }
}

async function spawnEngine(config: EngineConfig): Promise<{ child: ChildProcess; model: ModelInfo; startup: EngineStartup }> {
  // Checked before any process starts: llama.cpp aborts the whole process on some malformed files.
  validateModelFile(config.modelPath);
  const child = takeEngineProcess();
  const ready = await new Promise<{ model: ModelInfo; startup: EngineStartup }>((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new EngineError('engine_unavailable', `the engine process exited while loading (${signal ?? `exit code ${code}`})`));
    child.once('exit', onExit);
    child.once('message', (raw) => {
      child.off('exit', onExit);
      try {
        const message = parseFromEngine(raw);
        if (message.type === 'ready') resolve(message);
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
  return { child, ...ready };
}
