/**
 * The bundled demo model (models/seekstack-demo-r1.gguf, trained by scripts/train-demo) answers fixed
 * arithmetic problems correctly through the API, thinking first: the reasoning in reasoning_content,
 * the answer in content, no think tags left in either, as DeepSeek's API returns R1's replies.
 * The model is not perfect (models/README.md has its accuracy); these are problems it gets right.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { serverForSuite } from '../helpers/server.ts';

const DEMO_MODEL = fileURLToPath(new URL('../../models/seekstack-demo-r1.gguf', import.meta.url));

const PROBLEMS: ReadonlyArray<[question: string, answer: string]> = [
  ['What is 345 + 78?', '423'],
  ['What is 98 + 731?', '829'],
  ['What is 502 - 67?', '435'],
  ['What is 47 - 83?', '-36'],
  ['What is 6 × 7?', '42'],
  ['Which is larger, 381 or 318?', '381'],
];

/** The number as a whole token of text: 423 matches in "= 423." but not in "1423" or "-423". */
function number(text: string): RegExp {
  return new RegExp(`(?<![\\d-])${text.replace('-', '\\-')}(?!\\d)`);
}

describe('the bundled demo reasoning model', () => {
  // One engine thread: the model is tiny, and ggml's spinning pool collapses when the suite shares the cores.
  const suite = serverForSuite(async () => [DEMO_MODEL], { engine: { threads: 1 } });

  for (const [question, answer] of PROBLEMS) {
    it(`answers ${JSON.stringify(question)} with ${answer}, reasoning first`, async () => {
      const reply = await suite().client.chat.completions.create({
        model: 'deepseek-reasoner',
        messages: [{ role: 'user', content: question }],
        temperature: 0,
        max_tokens: 300,
      });
      const message = reply.choices[0].message as { content: string | null; reasoning_content?: string };
      const content = message.content ?? '';
      const reasoning = message.reasoning_content ?? '';
      assert.equal(reply.choices[0].finish_reason, 'stop');
      assert.ok(reasoning.trim().length > 0, 'reasoning_content is not empty');
      assert.match(reasoning, number(answer), 'the reasoning reaches the answer');
      assert.doesNotMatch(content + reasoning, /<\/?think>/);
      assert.match(content, number(answer), `content states ${answer}`);
    });
  }

  it('thinks when named by its own name, and answers directly under deepseek-chat', async () => {
    const ask = async (model: string) => {
      const reply = await suite().client.chat.completions.create({ model, messages: [{ role: 'user', content: 'What is 345 + 78?' }], temperature: 0, max_tokens: 300 });
      return reply.choices[0].message as { content: string | null; reasoning_content?: string };
    };
    const named = await ask('seekstack-demo-r1');
    assert.match(named.reasoning_content ?? '', /Ones: 345 \+ 78 → 5 \+ 8/, 'its own name thinks, as llama-server does by default');
    const chat = await ask('deepseek-chat');
    assert.equal(chat.reasoning_content ?? '', '', 'deepseek-chat turns thinking off');
  });
});
