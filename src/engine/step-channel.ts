/**
 * @module engine/step-channel
 * The engine's step events travel on a pipe of their own (the engine process's STEP_CHANNEL_FD, see
 * engine-process.ts), one line of JSON per decode step, instead of Node's IPC channel, which carries everything
 * else. They are the only per-token traffic, and Node's IPC is heavy for it: V8's serializer on the
 * engine's decode thread (6–15 µs a message against ~1 µs for JSON.stringify), V8's deserializer on the
 * server (3–9 µs against 0.6 µs for JSON.parse), and a nextTick and two event emissions per message.
 * Lines are safe framing: JSON.stringify escapes every newline inside strings.
 *
 * Order across the two channels does not matter: a generation's first event accepts it as `accepted`
 * would (client.ts), and a refused request never has events.
 */
import net from 'node:net';
import type { Readable } from 'node:stream';
import { STEP_CHANNEL_FD } from './engine-process.ts';
import { compileParser, StepEventsSchema } from './protocol.ts';
import type { StepEvent } from './types.ts';

const parseStepEvents = compileParser(StepEventsSchema, 'step events from the engine');

/** The engine's side: sends one step's events as one line. */
export function openStepWriter(): (events: StepEvent[]) => void {
  const pipe = new net.Socket({ fd: STEP_CHANNEL_FD, readable: false, writable: true });
  // The server going away ends this process through the IPC channel's disconnect; a write racing it fails here.
  pipe.on('error', () => {});
  return (events) => void pipe.write(`${JSON.stringify(events)}\n`);
}

/**
 * The server's side: calls `onEvents` with each step's events, validated, as their line completes. A line
 * that is not valid stops the reading and goes to `onInvalid`: the engine broke the protocol.
 */
export function readStepEvents(pipe: Readable, onEvents: (events: StepEvent[]) => void, onInvalid: (error: Error) => void): void {
  let partial = '';
  pipe.setEncoding('utf8');
  pipe.on('data', (chunk: string) => {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const line = partial + chunk.slice(start, end);
      partial = '';
      start = end + 1;
      let events: StepEvent[];
      try {
        events = parseStepEvents(JSON.parse(line)) as StepEvent[];
      } catch (error) {
        pipe.removeAllListeners('data');
        onInvalid(error as Error);
        return;
      }
      onEvents(events);
    }
    partial += chunk.slice(start);
  });
  // The engine died: its exit handler fails what was in flight.
  pipe.on('error', () => {});
}
