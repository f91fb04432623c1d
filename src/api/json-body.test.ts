import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonShapeError } from './json-body.ts';

describe('jsonShapeError', () => {
  it('skips strings, escaped quotes and backslashes included', () => {
    assert.equal(jsonShapeError(JSON.stringify({ a: 'x\\"{{{{[[[[', b: ['\\\\', '"', '}}]]'] }), 3, 10), null);
    assert.equal(jsonShapeError(JSON.stringify({ s: 'a:b:c:d:e:f:g:h:i:j:k:l' }), 3, 2), null);
  });

  it('finds nesting deeper than the bound', () => {
    assert.equal(jsonShapeError(JSON.stringify({ a: [[1]] }), 3, 10), null);
    assert.match(jsonShapeError(JSON.stringify({ a: [[[1]]] }), 3, 10) ?? '', /more than 3 levels deep/);
  });

  it('counts the members of each object apart, after a string that ends in a backslash', () => {
    const wide = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 1]));
    assert.match(jsonShapeError(JSON.stringify({ a: '\\', b: wide }), 3, 10) ?? '', /more than 10 members/);
    const narrow = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, { x: 1, y: 2 }]));
    assert.equal(jsonShapeError(JSON.stringify(narrow), 3, 10), null);
    assert.equal(jsonShapeError(JSON.stringify([wide]), 3, 11), null);
  });
});
