import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToolCallPieces } from './openai-dialect.ts';

describe('ToolCallPieces', () => {
  it('assembles calls streamed in fragments, each whole once the next starts or the stream ends', () => {
    const pieces = new ToolCallPieces();
    assert.deepEqual(pieces.push([{ index: 0, id: 'call_a', function: { name: 'get_weather', arguments: '' } }]), []);
    assert.deepEqual(pieces.push([{ index: 0, function: { arguments: '{"city":' } }]), []);
    assert.deepEqual(pieces.push([{ index: 0, function: { arguments: '"Paris"}' } }]), []);
    assert.deepEqual(pieces.push([{ index: 1, id: 'call_b', function: { name: 'get_time', arguments: '{}' } }]), [
      { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
    assert.deepEqual(pieces.finish(), [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }]);
    assert.deepEqual(pieces.finish(), [], 'each call once');
  });

  it('takes a whole call in one piece, as a Seekstack upstream streams it', () => {
    const pieces = new ToolCallPieces();
    assert.deepEqual(pieces.push([{ index: 0, id: 'call_x', function: { name: 'f', arguments: '{"a":1}' } }]), []);
    assert.deepEqual(pieces.finish(), [{ index: 0, id: 'call_x', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
  });
});
