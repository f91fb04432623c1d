import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { readStepEvents } from '../../src/engine/step-channel.ts';
import type { StepEvent } from '../../src/engine/types.ts';

function event(id: string, text: string, finish = false): StepEvent {
  return { id, step: 1, tokens: [7], text, ...(finish && { finishReason: 'stop' as const }) } as StepEvent;
}

describe('step channel framing', () => {
  it('gives each line its events, whatever the chunks: split lines, split UTF-8 characters, several lines at once', () => {
    const pipe = new PassThrough();
    const got: StepEvent[][] = [];
    readStepEvents(pipe, (events) => got.push(events), (error) => assert.fail(error));
    const first = Buffer.from(`${JSON.stringify([event('r1', 'line\nbreak 深')])}\n`);
    // Cut inside the three bytes of 深, so the decoder must carry half a character to the next chunk.
    const cut = first.indexOf(Buffer.from('深')) + 1;
    pipe.write(first.subarray(0, cut));
    pipe.write(first.subarray(cut));
    pipe.write(`${JSON.stringify([event('r2', 'a'), event('r3', 'b')])}\n${JSON.stringify([event('r2', '', true)])}\n`);
    assert.deepEqual(got, [[event('r1', 'line\nbreak 深')], [event('r2', 'a'), event('r3', 'b')], [event('r2', '', true)]]);
  });

  it('stops at a line that breaks the protocol and reports it, delivering nothing after it', () => {
    const pipe = new PassThrough();
    const got: StepEvent[][] = [];
    const invalid: Error[] = [];
    readStepEvents(pipe, (events) => got.push(events), (error) => invalid.push(error));
    pipe.write(`${JSON.stringify([event('r1', 'ok')])}\n[{"id":"r1","step":"two"}]\n${JSON.stringify([event('r1', 'late')])}\n`);
    pipe.write(`${JSON.stringify([event('r1', 'later')])}\n`);
    assert.deepEqual(got, [[event('r1', 'ok')]]);
    assert.equal(invalid.length, 1);
    assert.match(invalid[0].message, /^invalid step events from the engine: \/0\//);

    const garbled = new PassThrough();
    const errors: Error[] = [];
    readStepEvents(garbled, () => assert.fail('no events'), (error) => errors.push(error));
    garbled.write('{"not json\n');
    assert.equal(errors.length, 1);
  });
});
