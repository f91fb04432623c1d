/**
 * @module engine/worker
 * Entry point of the engine process. It owns llama.cpp: loads the model, then loops
 * `schedule → run → update`, sending one `step` message per decode step. Messages from the server are
 * validated here, once. If llama.cpp aborts, only this process dies; the server's supervisor restarts it.
 */
import { EngineError } from './errors.ts';
import { openModel, type EngineModel } from './model-host.ts';
import { compileParser, ToEngineSchema, type EngineConfig, type FromEngine, type SubmitMessage, type ToEngine } from './protocol.ts';
import { DecodeError } from './runner.ts';
import type { RequestId, StepEvent } from './types.ts';

const parseToEngine = compileParser(ToEngineSchema, 'message to the engine');

function send(message: FromEngine): void {
  process.send?.(message);
}

function errorCode(error: unknown): EngineError['code'] {
  return error instanceof EngineError ? error.code : 'internal';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class EngineLoop {
  readonly #host: EngineModel;
  #isRunning = false;
  #numSteps = 0;

  constructor(host: EngineModel) {
    this.#host = host;
  }

  handle(message: ToEngine): void {
    const { scheduler, model } = this.#host;
    switch (message.type) {
      case 'submit':
        this.#submit(message);
        break;
      case 'cancel':
        scheduler.cancel(message.id as RequestId);
        this.#wake();
        break;
      case 'tokenize':
        send({ type: 'rpc', rpcId: message.rpcId, result: Array.from(model.vocab.tokenize(message.text, message.addSpecial, true)) });
        break;
      case 'detokenize':
        send({ type: 'rpc', rpcId: message.rpcId, result: this.#host.detokenize(message.tokens) });
        break;
      case 'stats':
        send({ type: 'rpc', rpcId: message.rpcId, result: { ...scheduler.stats(), numSteps: this.#numSteps } });
        break;
      case 'init':
        break;
    }
  }

  #submit(message: SubmitMessage): void {
    try {
      const request = this.#host.toRequest(message);
      this.#host.runner.admit(request);
      try {
        this.#host.scheduler.add(request);
      } catch (error) {
        this.#host.runner.release(request.id);
        throw error;
      }
      this.#wake();
    } catch (error) {
      send({ type: 'rejected', id: message.id, code: errorCode(error), message: messageOf(error) });
    }
  }

  #wake(): void {
    if (this.#isRunning) return;
    this.#isRunning = true;
    setImmediate(() => void this.#loop());
  }

  /** Steps while there is work; yields to the event loop between steps so cancels arrive in time. */
  async #loop(): Promise<void> {
    const { scheduler, runner } = this.#host;
    while (scheduler.hasWork()) {
      const plan = scheduler.schedule();
      let events: StepEvent[];
      if (plan.chunks.length === 0) {
        events = scheduler.update(plan, new Map());
      } else {
        this.#numSteps++;
        try {
          events = scheduler.update(plan, await runner.run(plan));
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
          events = scheduler.fail(plan, error.message);
        }
      }
      for (const event of events) if (event.finishReason) runner.release(event.id);
      if (events.length > 0) send({ type: 'step', events });
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#isRunning = false;
  }
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
  const loop = new EngineLoop(host);
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
  send({ type: 'ready', model: host.info });
}

process.once('message', (raw) => {
  const message = parseToEngine(raw);
  if (message.type !== 'init') throw new Error(`the engine expects init first, got ${message.type}`);
  void start(message.config);
});
process.on('disconnect', () => process.exit(0));
