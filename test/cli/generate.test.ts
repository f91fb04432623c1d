/** `seekstack generate` puts the prompt in the model's chat template unless --raw (the demo model misread raw prompts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../models/run-cli.ts';

const GREEDY = ['--temperature', '0', '--max-tokens', '200', '--threads', '1'];

describe('seekstack generate', () => {
  it("answers in the chat template: the reasoning on stderr, the answer alone on stdout", async () => {
    const result = await runCli(['generate', 'What is 457 + 286?', ...GREEDY]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /(?<!\d)743(?!\d)/, 'the bundled demo model gets it right once it sees its template');
    assert.doesNotMatch(result.stdout, /<think>|<｜Assistant｜>|Ones:/, 'no template tokens or reasoning in the answer');
    assert.match(result.stderr, /Ones: .*7 \+ 6 = 13/, 'the reasoning went to stderr');
    assert.match(result.stderr, /\d+ tokens; first token after \d+ ms/);
  });

  it('with --raw sends the prompt as it is and continues it', async () => {
    const result = await runCli(['generate', '--raw', '--prompt', 'What is 457 + 286?', ...GREEDY]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.startsWith('What is 457 + 286?'), 'the raw prompt is echoed, then continued');
  });

  it('refuses a bad --think value', async () => {
    const result = await runCli(['generate', 'hi', '--think', 'maybe']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--think must be auto, on or off/);
  });
});
