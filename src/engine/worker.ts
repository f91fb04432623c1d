/**
 * @module engine/worker
 * Entry point of the engine process. It owns llama.cpp: loads the model, then loops
 * `schedule → run → update`, sending each decode step's events as one line on the step channel
 * (step-channel.ts); everything else goes over Node's IPC channel. Messages from the server are
 * validated here, once. If llama.cpp aborts, only this process dies; the server's supervisor restarts it.
 *
 * Nothing that grows with a request runs on the event loop, so it never delays the step loop: a
 * submitted request is tokenized and its grammar compiled on koffi worker threads (a few at a time),
 * then queued and acknowledged with `accepted`. A heartbeat every HEARTBEAT_INTERVAL_MS tells the
 * server the loop is alive and how far it has got.
 */
import { PRELOAD_ENV } from './engine-process.ts';
import { EngineError } from './errors.ts';
import { loadLlama, type LibraryOptions } from './llama/index.ts';
import { openModel, type EngineModel } from './model-host.ts';
import {
  compileParser,
  HEARTBEAT_INTERVAL_MS,
  InitSchema,
  ToEngineSchema,
  type EngineConfig,
  type EngineStats,
  type FromEngine,
  type SubmitMessage,
  type ToEngine,
} from './protocol.ts';
import { DecodeError } from './runner.ts';
import { openStepWriter } from './step-channel.ts';
import { mark, stepEnd, stepStart } from './step-profile.ts';
import type { RequestId, StepEvent } from './types.ts';

/**
 * Requests prepared at once. Each holds a libuv worker thread (the process starts with more, see
 * client.ts) and a core while it tokenizes, so a burst of long prompts queues here instead of taking
 * every core from the decode.
 */
const MAX_PREPARING = 2;

/** When this module and its imports finished loading, for the start-up timings. */
const MODULES_LOADED_AT = performance.now();

/** Idle time before the prefix cache is packed (EngineConfig.cacheCompactionIdleMs). */
const DEFAULT_COMPACTION_IDLE_MS = 1000;

const parseToEngine = compileParser(ToEngineSchema, 'message to the engine');
const parseInit = compileParser(InitSchema, 'engine settings');

function send(message: FromEngine): void {
  process.send?.(message);
}

function errorCode(error: unknown): EngineError['code'] {
  return error instanceof EngineError ? error.code : 'internal';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs at most `limit` jobs at once, the rest in arrival order. */
class Limiter {
  readonly #limit: number;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await job();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}

class EngineLoop {
  readonly #host: EngineModel;
  /** Step events go on a channel of their own (step-channel.ts). */
  readonly #sendEvents: (events: StepEvent[]) => void;
  readonly #limiter = new Limiter(MAX_PREPARING);
  /** One decode at a time in this process: a generation step or an embedding batch. */
  readonly #decodeLock = new Limiter(1);
  /** Submitted, not yet queued: true once cancelled, so the request is dropped when its preparation ends. */
  readonly #preparing = new Map<string, boolean>();
  #isRunning = false;
  #numSteps = 0;
  #stepStartedAt: number | null = null;

  readonly #compactionIdleMs: number;
  #compactionTimer: NodeJS.Timeout | null = null;
  #numStepsAtCompaction = 0;

  /** Steps whose events are sent together (EngineConfig.streamInterval). */
  readonly #streamInterval: number;
  /** Steps whose events wait in the loop's unsent list. */
  #numStepsHeld = 0;
  /** Requests whose output has started going out; any other's first output is sent at once. */
  readonly #isStreaming = new Set<RequestId>();

  constructor(host: EngineModel, sendEvents: (events: StepEvent[]) => void, options: { compactionIdleMs: number; streamInterval: number }) {
    this.#host = host;
    this.#sendEvents = sendEvents;
    this.#compactionIdleMs = options.compactionIdleMs;
    this.#streamInterval = options.streamInterval;
  }

  handle(message: ToEngine): void {
    switch (message.type) {
      case 'submit':
        void this.#submit(message);
        break;
      case 'cancel':
        if (this.#preparing.has(message.id)) this.#preparing.set(message.id, true);
        else this.#host.scheduler.cancel(message.id as RequestId);
        this.#wake();
        break;
      case 'tokenize':
        void this.#rpc(message.rpcId, async () => Array.from(await this.#host.tokenize(message.text, message.addSpecial)));
        break;
      case 'detokenize':
        void this.#rpc(message.rpcId, async () => this.#host.detokenize(message.tokens));
        break;
      case 'stats':
        void this.#rpc(message.rpcId, async () => this.stats());
        break;
      case 'embed':
        // Between steps, never beside one: both decodes would fight for the same cores.
        void this.#rpc(message.rpcId, () => this.#decodeLock.run(() => this.#host.embed(message.inputs, message.truncate)));
        break;
      case 'init':
        break;
    }
  }

  stats(): EngineStats {
    const memory = process.memoryUsage();
    return {
      ...this.#host.scheduler.stats(),
      numPreparing: this.#preparing.size,
      numSteps: this.#numSteps,
      numThreads: this.#host.runner.numThreads,
      residentBytes: memory.rss,
      bufferBytes: memory.arrayBuffers,
    };
  }

  heartbeat(): void {
    const cpu = process.cpuUsage();
    send({
      type: 'heartbeat',
      stats: this.stats(),
      stepElapsedMs: this.#stepStartedAt === null ? null : performance.now() - this.#stepStartedAt,
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  }

  async #rpc(rpcId: number, call: () => Promise<unknown>): Promise<void> {
    try {
      send({ type: 'rpc', rpcId, result: await call() });
    } catch (error) {
      send({ type: 'rpc', rpcId, error: { code: errorCode(error), message: messageOf(error) } });
    }
  }

  async #submit(message: SubmitMessage): Promise<void> {
    const { id } = message;
    this.#preparing.set(id, false);
    let prepared: Awaited<ReturnType<EngineModel['prepare']>>;
    try {
      prepared = await this.#limiter.run(() => (this.#preparing.get(id) ? Promise.reject(new CancelledWhilePreparing()) : this.#host.prepare(message)));
    } catch (error) {
      this.#preparing.delete(id);
      if (error instanceof CancelledWhilePreparing) this.#sendEvents([cancelledEvent(id)]);
      else send({ type: 'rejected', id, code: errorCode(error), message: messageOf(error) });
      return;
    }
    const isCancelled = this.#preparing.get(id);
    this.#preparing.delete(id);
    const { request, sampler } = prepared;
    if (isCancelled) {
      sampler.free();
      this.#sendEvents([cancelledEvent(id, request.promptTokens.length)]);
      return;
    }
    try {
      this.#host.scheduler.add(request);
    } catch (error) {
      sampler.free();
      send({ type: 'rejected', id, code: errorCode(error), message: messageOf(error) });
      return;
    }
    this.#host.runner.admit(request, sampler);
    send({ type: 'accepted', id });
    this.#wake();
  }

  #wake(): void {
    if (this.#compactionTimer) clearTimeout(this.#compactionTimer);
    this.#compactionTimer = null;
    if (this.#isRunning) return;
    this.#isRunning = true;
    setImmediate(() => void this.#loop());
  }

  /**
   * Steps while there is work; yields to the event loop between steps so cancels arrive in time. A
   * long step's events go out once the next step's decode is under way on a pool thread, so serialising
   * them is off the decode's critical path; a quick step's go out at once, its decode being on this thread.
   * Either way they go only once due (#flushIfDue), and all that is left when the work runs out.
   */
  async #loop(): Promise<void> {
    const { scheduler, runner } = this.#host;
    let unsent: StepEvent[] = [];
    while (scheduler.hasWork()) {
      stepStart();
      const plan = scheduler.schedule();
      mark('schedule');
      let events: StepEvent[];
      // A quick decode blocks this thread (runner.isQuick), so the events go out before and right after it;
      // a long one runs on a pool thread (run() hands it over before it first awaits) and sending overlaps it.
      let quick = false;
      if (plan.chunks.length === 0) {
        events = scheduler.update(plan, new Map());
      } else {
        this.#numSteps++;
        this.#stepStartedAt = performance.now();
        try {
          quick = runner.isQuick(plan);
          if (quick) unsent = this.#flushIfDue(unsent);
          const decoding = this.#decodeLock.run(() => runner.run(plan, quick));
          if (!quick) unsent = this.#flushIfDue(unsent);
          mark('send');
          events = scheduler.update(plan, await decoding);
          mark('update');
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
          events = scheduler.fail(plan, error.message);
        } finally {
          this.#stepStartedAt = null;
        }
      }
      for (const event of events) if (event.finishReason) runner.release(event.id);
      if (events.length > 0) this.#numStepsHeld++;
      unsent.push(...events);
      if (quick) unsent = this.#flushIfDue(unsent);
      await new Promise((resolve) => setImmediate(resolve));
      mark('yield');
      stepEnd(plan.chunks.reduce((n, c) => n + c.tokens.length, 0));
    }
    this.#flush(unsent);
    this.#isRunning = false;
    this.#compactWhenIdle();
  }

  /** Sends the events held back, as one line; returns the emptied list to fill again. */
  #flush(events: StepEvent[]): StepEvent[] {
    if (events.length === 0) return events;
    this.#sendEvents(events);
    this.#numStepsHeld = 0;
    for (const event of events) {
      if (event.finishReason) this.#isStreaming.delete(event.id);
      else this.#isStreaming.add(event.id);
    }
    return [];
  }

  /** Flushes the held events once a stream interval of steps has them, or one starts or ends a request. */
  #flushIfDue(events: StepEvent[]): StepEvent[] {
    const isDue = this.#numStepsHeld >= this.#streamInterval || events.some((e) => e.finishReason || !this.#isStreaming.has(e.id));
    return isDue ? this.#flush(events) : events;
  }

  /**
   * After steps ran, once the engine has been idle for a while: pack the prefix cache into the lowest
   * cells. Synchronous, so no step can start meanwhile; a request that arrives first cancels it.
   * Then collect garbage: packing copies the whole resident cache into buffers it drops at once, and
   * JavaScript frees a buffer only at a collection, which an idle engine never runs. On the bench model
   * after a load test those were 41 MB, held until the next request (`npm run bench -- versus`).
   */
  #compactWhenIdle(): void {
    if (this.#compactionIdleMs === 0 || this.#numSteps === this.#numStepsAtCompaction) return;
    this.#compactionTimer = setTimeout(() => {
      this.#compactionTimer = null;
      if (this.#isRunning) return;
      this.#numStepsAtCompaction = this.#numSteps;
      const result = this.#host.compactCache();
      if ('skipped' in result) process.stderr.write(`prefix cache not compacted: ${result.skipped}\n`);
      gc?.();
    }, this.#compactionIdleMs);
  }
}

class CancelledWhilePreparing extends Error {}

/** The last event of a request cancelled before it was queued. */
function cancelledEvent(id: string, promptTokens = 0): StepEvent {
  return {
    id: id as RequestId,
    step: 0,
    tokens: [],
    text: '',
    finishReason: 'cancelled',
    usage: { promptTokens, promptCacheHitTokens: 0, completionTokens: 0 },
  };
}

async function start(config: EngineConfig): Promise<void> {
  let host: EngineModel;
  try {
    host = await openModel(config);
  } catch (error) {
    send({ type: 'fatal', code: error instanceof EngineError ? error.code : 'model_invalid', message: messageOf(error) });
    process.disconnect?.();
    return;
  }
  const loop = new EngineLoop(host, openStepWriter(), {
    compactionIdleMs: config.cacheCompactionIdleMs ?? DEFAULT_COMPACTION_IDLE_MS,
    streamInterval: config.streamInterval ?? 1,
  });
  process.on('message', (raw) => {
    let message: ToEngine;
    try {
      message = parseToEngine(raw);
    } catch (error) {
      // A malformed message is the server's bug; refuse it without taking the engine down.
      const id = (raw as { id?: unknown })?.id;
      if (typeof id === 'string') send({ type: 'rejected', id, code: 'invalid_request', message: messageOf(error) });
      return;
    }
    loop.handle(message);
  });
  send({ type: 'ready', model: host.info, startup: { modulesLoadedMs: MODULES_LOADED_AT, modelOpenMs: performance.now() } });
  // One at once, so the server's figures (metrics, ps) exist from the start, not half a second later.
  loop.heartbeat();
  setInterval(() => loop.heartbeat(), HEARTBEAT_INTERVAL_MS).unref();
}

process.once('message', (raw) => {
  let config: EngineConfig;
  try {
    // Checked against init's own schema, so a bad setting is named by its field, not as a union mismatch.
    config = parseInit(raw).config;
  } catch (error) {
    send({ type: 'fatal', code: 'invalid_request', message: messageOf(error) });
    // Not from inside the message's own dispatch: Node 20 throws there once the channel is gone.
    setImmediate(() => process.disconnect?.());
    return;
  }
  void start(config);
});
process.on('disconnect', () => process.exit(0));
// Prespawned ahead of need (engine-process.ts): load llama.cpp now, while the server is still starting;
// init then finds it loaded. A failure here is init's to report, with the model's own error handling.
const preload = process.env[PRELOAD_ENV];
if (preload !== undefined) {
  try {
    loadLlama(JSON.parse(preload) as LibraryOptions);
  } catch {
    // reported by init
  }
}
