import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextStream } from './text-stream.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

function feed(stream: TextStream, pieces: Uint8Array[]) {
  let out = '';
  for (const piece of pieces) {
    const { text, stop } = stream.push(piece);
    out += text;
    if (stop !== undefined) return { out, stop };
  }
  return { out: out + stream.flush(), stop: undefined };
}

describe('TextStream', () => {
  it('releases a multi-byte character only once all its bytes arrived', () => {
    const all = bytes('a你b😀');
    const stream = new TextStream([]);
    const released = Array.from(all, (b) => stream.push(Uint8Array.of(b)).text);
    assert.deepEqual(released.filter(Boolean), ['a', '你', 'b', '😀']);
  });

  it('finds a stop string split across pieces and drops it', () => {
    const result = feed(new TextStream(['END']), ['hello E', 'N', 'D tail'].map(bytes));
    assert.deepEqual(result, { out: 'hello ', stop: 'END' });
  });

  it('holds back a possible stop prefix and releases it when it turns out not to be one', () => {
    const stream = new TextStream(['<stop>']);
    assert.equal(stream.push(bytes('x <st')).text, 'x ');
    assert.equal(stream.push(bytes('ay')).text, '<stay');
    assert.equal(stream.push(bytes(' <s')).text, ' ');
    assert.equal(stream.flush(), '<s');
  });

  it('stops at the earliest of several stop strings and names it', () => {
    assert.deepEqual(feed(new TextStream(['b', 'ab']), [bytes('xxab')]), { out: 'xx', stop: 'ab' });
  });
});
