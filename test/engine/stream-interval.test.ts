/**
 * The stream interval (EngineConfig.streamInterval, `serve --stream-interval`): the engine sends its step
 * events every N decode steps instead of every step, but a request's first token and its end at once.
 * Events sent together reach the server in one read, so they arrive in one turn of its event loop:
 * counting those turns counts the sends (or fewer, where the pipe joined two).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepEvent } from '../../src/engine/types.ts';
import { collect, request, startEngine } from '../helpers/engine.ts';
import { tinyModel } from '../helpers/models.ts';

/** The request's events, grouped by the event-loop turn they arrived in. */
async function arrivalGroups(events: AsyncIterable<StepEvent>): Promise<StepEvent[][]> {
  const groups: StepEvent[][] = [];
  let current: StepEvent[] | null = null;
  for await (const event of events) {
    if (!current) {
      const group: StepEvent[] = [];
      groups.push(group);
      current = group;
      setImmediate(() => (current = null));
    }
    current.push(event);
  }
  return groups;
}

describe('stream interval', () => {
  it('sends every N steps, the first token and the end at once, and the same tokens as every step', { timeout: 60_000 }, async (t) => {
    const model = await tinyModel('llama');
    const everyStep = await startEngine(t, model);
    const expected = await collect(everyStep.generate(request('Once upon a time', { maxTokens: 17 })));
    assert.equal(expected.tokens.length, 17);

    const every4 = await startEngine(t, model, { streamInterval: 4 });
    const groups = await arrivalGroups(every4.generate(request('Once upon a time', { maxTokens: 17 })));
    assert.deepEqual(groups.flat().flatMap((e) => e.tokens), expected.tokens);
    // The first token alone, then four sends of four steps, the last one ending the request (fewer where the pipe joined two).
    assert.ok(groups.length <= 5, `17 steps arrived in ${groups.length} turns: ${groups.map((g) => g.length).join(', ')}`);

    // With the interval past the request's length, only its first token goes before its end. A warm-up
    // request first, so neither process's start-up holds the reader back for the 63 steps between them.
    const every64 = await startEngine(t, model, { streamInterval: 64 });
    await collect(every64.generate(request('Twice upon a time', { maxTokens: 8 })));
    const held = await arrivalGroups(every64.generate(request('Once upon a time', { maxTokens: 64 })));
    assert.deepEqual(held.map((g) => g.length), [1, 63], 'the first token at once, the rest with the end');
    assert.equal(held[1].at(-1)?.finishReason, 'length');
  });
});
