import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrefixIndex } from './prefix-index.ts';

describe('PrefixIndex', () => {
  it('matches each upstream\'s longest prefix, per namespace', () => {
    const index = new PrefixIndex(1000);
    index.insert('t1', 'system prompt. user: hello', 'a');
    index.insert('t1', 'system prompt. user: goodbye', 'b');
    const match = index.match('t1', 'system prompt. user: hello again');
    assert.equal(match.get('a'), 'system prompt. user: hello'.length);
    assert.equal(match.get('b'), 'system prompt. user: '.length);
    assert.equal(index.match('t2', 'system prompt. user: hello').size, 0, 'another namespace sees nothing');
  });

  it('counts each upstream\'s characters once, and evicts its least recently used leaves past the bound', () => {
    const index = new PrefixIndex(25);
    index.insert('t', 'aaaaaaaaaa-first', 'a');
    index.insert('t', 'aaaaaaaaaa-second', 'a');
    assert.equal(index.sizeOf('a'), 'aaaaaaaaaa-first'.length + 'second'.length, 'the shared prefix counts once');
    index.insert('t', 'aaaaaaaaaa-third!', 'a');
    assert.ok(index.sizeOf('a') <= 22, `evicted down to 90% of the bound: ${index.sizeOf('a')}`);
    assert.equal(index.match('t', 'aaaaaaaaaa-first').get('a'), 'aaaaaaaaaa-'.length, 'the oldest leaf went first');
    assert.equal(index.match('t', 'aaaaaaaaaa-third!').get('a'), 'aaaaaaaaaa-third!'.length, 'the newest stays');
  });

  it('forgets an upstream entirely', () => {
    const index = new PrefixIndex(1000);
    index.insert('t', 'shared prefix one', 'a');
    index.insert('t', 'shared prefix two', 'b');
    index.forget('a');
    assert.equal(index.sizeOf('a'), 0);
    assert.equal(index.match('t', 'shared prefix one').get('a'), undefined);
    assert.equal(index.match('t', 'shared prefix two').get('b'), 'shared prefix two'.length);
  });
});
