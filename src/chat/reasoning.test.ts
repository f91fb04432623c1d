import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReasoningSplitter, type ReasoningSplit, type ReasoningSplitterOptions } from './reasoning.ts';

function split(options: ReasoningSplitterOptions, chunks: string[]): ReasoningSplit {
  const splitter = new ReasoningSplitter(options);
  const total: ReasoningSplit = { reasoning: '', content: '' };
  for (const part of [...chunks.map((chunk) => splitter.push(chunk)), splitter.flush()]) {
    total.reasoning += part.reasoning;
    total.content += part.content;
  }
  return total;
}

const cases: Array<{ name: string; options: ReasoningSplitterOptions; output: string; expected: ReasoningSplit }> = [
  {
    name: 'R1 with thinking on: the prompt opened <think>, the model closes it',
    options: { startsInReasoning: true },
    output: 'Okay, 2+2 is basic.\nSo 4.\n</think>\n\nThe answer is **4**.',
    expected: { reasoning: 'Okay, 2+2 is basic.\nSo 4.', content: 'The answer is **4**.' },
  },
  {
    name: 'a model that opens <think> itself',
    options: { startsInReasoning: false },
    output: '\n<think>\nLet me add.\n</think>\n\nIt is 4.',
    expected: { reasoning: 'Let me add.', content: 'It is 4.' },
  },
  {
    name: 'R1 with thinking off: the prompt closed </think>, the model starts with blank lines',
    options: { startsInReasoning: false },
    output: '\n\nIt is 4.',
    expected: { reasoning: '', content: 'It is 4.' },
  },
  {
    name: 'a model that never closes </think>',
    options: { startsInReasoning: true },
    output: 'Still thinking about </thi',
    expected: { reasoning: 'Still thinking about </thi', content: '' },
  },
  {
    name: 'empty reasoning',
    options: { startsInReasoning: true },
    output: '\n</think>\n\nHi!',
    expected: { reasoning: '', content: 'Hi!' },
  },
  {
    name: 'tags after the reasoning has closed are content',
    options: { startsInReasoning: true },
    output: 'Think.</think>Use <think> and </think> tags.',
    expected: { reasoning: 'Think.', content: 'Use <think> and </think> tags.' },
  },
  {
    name: 'a <think> that is not at the start is content',
    options: { startsInReasoning: false },
    output: 'Hello <think>not reasoning</think> world',
    expected: { reasoning: '', content: 'Hello <think>not reasoning</think> world' },
  },
  {
    name: 'output that stops inside an opening tag',
    options: { startsInReasoning: false },
    output: '  <thin',
    expected: { reasoning: '', content: '<thin' },
  },
  {
    name: 'a continued content prefix keeps its leading whitespace',
    options: { startsInReasoning: false, continuesPrefix: true },
    output: '\n    return 1',
    expected: { reasoning: '', content: '\n    return 1' },
  },
  {
    name: 'a continued reasoning prefix keeps its leading space',
    options: { startsInReasoning: true, continuesPrefix: true },
    output: ' about rain.\n</think>\n\nSoft rain falls',
    expected: { reasoning: ' about rain.', content: 'Soft rain falls' },
  },
];

describe('ReasoningSplitter', () => {
  for (const { name, options, output, expected } of cases) {
    it(name, () => {
      assert.deepEqual(split(options, [output]), expected);
    });

    it(`${name}: same result for every way of cutting the stream in two and three`, () => {
      for (let i = 0; i <= output.length; i++) {
        assert.deepEqual(split(options, [output.slice(0, i), output.slice(i)]), expected, `cut at ${i}`);
        for (let j = i; j <= output.length; j++) {
          const pieces = [output.slice(0, i), output.slice(i, j), output.slice(j)];
          assert.deepEqual(split(options, pieces), expected, `cut at ${i}, ${j}`);
        }
      }
      assert.deepEqual(split(options, [...output]), expected, 'one character at a time');
    });
  }

  it('streams reasoning before the tag closes and never emits a partial tag', () => {
    const splitter = new ReasoningSplitter({ startsInReasoning: true });
    assert.deepEqual(splitter.push('Step one. </th'), { reasoning: 'Step one.', content: '' });
    assert.deepEqual(splitter.push('ink>\n\nDone'), { reasoning: '', content: 'Done' });
    assert.deepEqual(splitter.flush(), { reasoning: '', content: '' });
  });
});
