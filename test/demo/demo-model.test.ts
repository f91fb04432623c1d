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

  // Issue 18's observed failures: a follow-up question, small numbers, casual phrasings, thinking off.
  const FOLLOW_UPS: ReadonlyArray<[label: string, model: string, messages: Array<{ role: 'user' | 'assistant'; content: string }>, answer: string]> = [
    ['a follow-up question after an earlier exchange', 'deepseek-reasoner', [
      { role: 'user', content: 'What is 345 + 78?' },
      { role: 'assistant', content: '345 + 78 = 423.' },
      { role: 'user', content: 'What is 903 - 58?' },
    ], '845'],
    ['"What is 2+3?"', 'deepseek-reasoner', [{ role: 'user', content: 'What is 2+3?' }], '5'],
    ['"add 12 and 7"', 'deepseek-reasoner', [{ role: 'user', content: 'add 12 and 7' }], '19'],
    ['"what is 45+67"', 'deepseek-reasoner', [{ role: 'user', content: 'what is 45+67' }], '112'],
    ['"what is 45+67" with thinking off', 'deepseek-chat', [{ role: 'user', content: 'what is 45+67' }], '112'],
  ];
  for (const [label, model, messages, answer] of FOLLOW_UPS) {
    it(`answers ${label} with ${answer}`, async () => {
      const reply = await suite().client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 300 });
      const content = reply.choices[0].message.content ?? '';
      const numbers = content.match(/-?\d+/g) ?? [];
      assert.equal(numbers.at(-1), answer, `content ${JSON.stringify(content)} ends on ${answer}`);
    });
  }

  for (const [prompt, language] of [['hello', /demo model.*only do arithmetic/], ['who are you?', /demo model.*only do arithmetic/], ['你好', /演示模型.*只会做算术/]] as const) {
    it(`says politely that it only does arithmetic when asked ${JSON.stringify(prompt)}`, async () => {
      for (const model of ['deepseek-reasoner', 'deepseek-chat']) {
        const reply = await suite().client.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: 100 });
        const content = reply.choices[0].message.content ?? '';
        assert.match(content, language, `${model}: ${JSON.stringify(content)}`);
        assert.doesNotMatch(content, /=/, 'no arithmetic-shaped reply');
      }
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
