import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { R1_QWEN, V3_1 } from './fixtures/templates.ts';
import { renderChat } from './template.ts';
import { parseToolCalls, ToolCallParser, type ToolCallDelta, type ToolCallParserOutput } from './tool-calls.ts';
import { toolCallSyntax, type ToolCallFormat } from './tool-syntax.ts';

function counterIds(): () => string {
  let next = 0;
  return () => `call_${next++}`;
}

function streamed(format: ToolCallFormat, chunks: string[]): ToolCallParserOutput {
  const parser = new ToolCallParser(format, { newId: counterIds() });
  const total: ToolCallParserOutput = { content: '', toolCalls: [] };
  for (const part of [...chunks.map((chunk) => parser.push(chunk)), parser.finish()]) {
    total.content += part.content;
    total.toolCalls.push(...part.toolCalls);
  }
  return total;
}

function call(index: number, name: string, args: string): ToolCallDelta {
  return { index, id: `call_${index}`, type: 'function', function: { name, arguments: args } };
}

const cases: Array<{ name: string; format: ToolCallFormat; output: string; expected: ToolCallParserOutput }> = [
  {
    name: 'R1: content, then two calls in fenced JSON',
    format: 'deepseek-r1',
    output:
      'Let me check.\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n' +
      '```json\n{"city": "Paris", "units": ["c", 1.0], "note": "a  b"}\n```<｜tool▁call▁end｜>\n' +
      '<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    expected: {
      content: 'Let me check.\n',
      toolCalls: [
        call(0, 'get_weather', '{"city":"Paris","units":["c",1.0],"note":"a  b"}'),
        call(1, 'get_time', '{}'),
      ],
    },
  },
  {
    name: 'R1: a closing fence with no newline before it (as llama.cpp sees models write it)',
    format: 'deepseek-r1',
    output:
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>special_function\n' +
      '```json\n{"arg1": 1}```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    expected: { content: '', toolCalls: [call(0, 'special_function', '{"arg1":1}')] },
  },
  {
    name: 'V3.1: two chained calls',
    format: 'deepseek-v3.1',
    output:
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_time<｜tool▁sep｜>{"city": "Tokyo"}<｜tool▁call▁end｜>' +
      '<｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Tokyo", "big": 12345678901234567890}<｜tool▁call▁end｜>' +
      '<｜tool▁calls▁end｜>',
    expected: {
      content: '',
      toolCalls: [
        call(0, 'get_time', '{"city":"Tokyo"}'),
        call(1, 'get_weather', '{"city":"Tokyo","big":12345678901234567890}'),
      ],
    },
  },
  {
    name: 'V3.1: content around the section and a call without the section marker',
    format: 'deepseek-v3.1',
    output: 'On it. <｜tool▁call▁begin｜>ping<｜tool▁sep｜><｜tool▁call▁end｜> done',
    expected: { content: 'On it.  done', toolCalls: [call(0, 'ping', '{}')] },
  },
  {
    name: 'arguments that are not JSON go out raw',
    format: 'deepseek-v3.1',
    output: '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{city: Paris}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    expected: { content: '', toolCalls: [call(0, 'f', '{city: Paris}')] },
  },
  {
    name: 'an unterminated call with cut-off JSON degrades to content',
    format: 'deepseek-v3.1',
    output: 'Sure<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Par',
    expected: { content: 'Sure<｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Par', toolCalls: [] },
  },
  {
    name: 'an unterminated R1 call whose JSON is whole is kept',
    format: 'deepseek-r1',
    output: '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{"a": 1}\n```',
    expected: { content: '', toolCalls: [call(0, 'f', '{"a":1}')] },
  },
  {
    name: 'a call that names no function degrades to content',
    format: 'deepseek-v3.1',
    output: '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>garbage<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    expected: { content: '<｜tool▁call▁begin｜>garbage<｜tool▁call▁end｜>', toolCalls: [] },
  },
  {
    name: 'stray text inside a section is content',
    format: 'deepseek-v3.1',
    output: '<｜tool▁calls▁begin｜> oops <｜tool▁call▁begin｜>f<｜tool▁sep｜>{}<｜tool▁call▁end｜>',
    expected: { content: ' oops ', toolCalls: [call(0, 'f', '{}')] },
  },
  {
    name: 'a partial marker at the very end is content',
    format: 'deepseek-r1',
    output: 'Hello <｜tool▁ca',
    expected: { content: 'Hello <｜tool▁ca', toolCalls: [] },
  },
  {
    name: 'plain text passes through',
    format: 'deepseek-r1',
    output: 'No tools needed: 2 < 3.',
    expected: { content: 'No tools needed: 2 < 3.', toolCalls: [] },
  },
];

describe('ToolCallParser', () => {
  for (const { name, format, output, expected } of cases) {
    it(name, () => {
      assert.deepEqual(parseToolCalls(output, format, { newId: counterIds() }), expected);
    });

    it(`${name}: streamed one character at a time equals the one-shot parse`, () => {
      assert.deepEqual(streamed(format, [...output]), parseToolCalls(output, format, { newId: counterIds() }));
      for (let i = 0; i <= output.length; i++) {
        assert.deepEqual(streamed(format, [output.slice(0, i), output.slice(i)]), expected, `cut at ${i}`);
      }
    });
  }

  it('emits each call as soon as its end marker arrives, and holds back a possible marker', () => {
    const parser = new ToolCallParser('deepseek-v3.1', { newId: counterIds() });
    assert.deepEqual(parser.push('Checking<｜tool▁'), { content: 'Checking', toolCalls: [] });
    assert.deepEqual(parser.push('calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{"a":'), { content: '', toolCalls: [] });
    assert.deepEqual(parser.push('2}<｜tool▁call▁end｜>'), { content: '', toolCalls: [call(0, 'f', '{"a":2}')] });
    assert.deepEqual(parser.finish(), { content: '', toolCalls: [] });
  });

  it('drops a call that max_tokens cut off, at any point of its markup, keeping the text before it', () => {
    const whole = 'Let me check.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{"city": "Paris"}<｜tool▁call▁end｜>';
    for (let cut = 'Let me check.'.length; cut < whole.length - 1; cut++) {
      const parser = new ToolCallParser('deepseek-v3.1', { newId: counterIds() });
      const head = parser.push(whole.slice(0, cut));
      const tail = parser.finish(true);
      assert.equal(head.content + tail.content, 'Let me check.', `cut at ${cut}`);
      assert.deepEqual([...head.toolCalls, ...tail.toolCalls], [], `cut at ${cut}`);
    }
    const complete = new ToolCallParser('deepseek-v3.1', { newId: counterIds() });
    assert.deepEqual(complete.push(whole).toolCalls, [call(0, 'f', '{"city":"Paris"}')], 'a call whose end marker arrived is kept');
    assert.deepEqual(complete.finish(true), { content: '', toolCalls: [] });
  });

  it('gives OpenAI-like ids by default', () => {
    const { toolCalls } = parseToolCalls('<｜tool▁call▁begin｜>f<｜tool▁sep｜>{}<｜tool▁call▁end｜>', 'deepseek-v3.1');
    assert.match(toolCalls[0].id, /^call_[0-9a-f]{24}$/);
  });
});

describe('toolCallSyntax', () => {
  for (const format of ['deepseek-r1', 'deepseek-v3.1'] as const) {
    it(`${format}: text built from the syntax parses back`, () => {
      const s = toolCallSyntax(format);
      const one = (name: string, args: string) => s.callBegin(name) + s.argsBegin + args + s.argsEnd + s.callEnd;
      const text = s.begin + one('a', '{"x": 1}') + s.separator + one('b', '[]') + s.end;
      assert.deepEqual(parseToolCalls(text, format, { newId: counterIds() }), {
        content: '',
        toolCalls: [call(0, 'a', '{"x":1}'), call(1, 'b', '[]')],
      });
    });
  }

  it('matches how the templates render a past call', () => {
    const messages = [
      { role: 'user' as const, content: 'Hi' },
      {
        role: 'assistant' as const,
        content: null,
        tool_calls: [
          { id: 'c0', type: 'function' as const, function: { name: 'a', arguments: '{"x": 1}' } },
          { id: 'c1', type: 'function' as const, function: { name: 'b', arguments: '{}' } },
        ],
      },
    ];
    const tokens = { bosToken: '', eosToken: '' };
    for (const [format, template] of [['deepseek-r1', R1_QWEN], ['deepseek-v3.1', V3_1]] as const) {
      const s = toolCallSyntax(format);
      const one = (name: string, args: string) => s.callBegin(name) + s.argsBegin + args + s.argsEnd + s.callEnd;
      const section = s.begin + one('a', '{"x": 1}') + s.separator + one('b', '{}') + s.end;
      assert.ok(renderChat(template, { messages, ...tokens }).prompt.includes(section), format);
    }
  });
});
