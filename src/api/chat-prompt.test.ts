import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelInfo } from '../engine/protocol.ts';
import { promptInput } from './chat-prompt.ts';

const BOS = '<｜begin▁of▁sentence｜>';
const info = (addBos: boolean, bosToken: string | null = BOS) => ({ addBos, bosToken }) as ModelInfo;
const rendered = (prompt: string) => ({ prompt, startsInReasoning: false, continuesPrefix: false });

describe('promptInput', () => {
  it('gives a model whose metadata asks for BOS exactly one, whether or not its template wrote it', () => {
    assert.deepEqual(promptInput(info(true), rendered(`${BOS}<｜User｜>hi`)), { text: '<｜User｜>hi', addSpecial: true });
    assert.deepEqual(promptInput(info(true), rendered('<|im_start|>user\nhi<|im_end|>\n')), { text: '<|im_start|>user\nhi<|im_end|>\n', addSpecial: true }, 'the ChatML fallback writes none');
  });

  it('leaves the prompt as rendered for a model that does not ask for BOS', () => {
    assert.deepEqual(promptInput(info(false), rendered(`${BOS}hi`)), { text: `${BOS}hi`, addSpecial: false });
    assert.deepEqual(promptInput(info(false, null), rendered('hi')), { text: 'hi', addSpecial: false });
  });
});
