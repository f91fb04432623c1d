import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatTemplate, ChatTemplateError } from './chat-template.ts';
import { QWEN2_5, R1_LLAMA, R1_QWEN, V3_1, V3_2 } from './fixtures/templates.ts';
import type { ChatMessage, ToolDefinition } from './messages.ts';
import { renderChat } from './template.ts';

const BOS = '<｜begin▁of▁sentence｜>';
const EOS = '<｜end▁of▁sentence｜>';
const tokens = { bosToken: BOS, eosToken: EOS };

const multiRound: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '2+2 equals 4.', reasoning_content: 'The user asks for a sum.' },
  { role: 'user', content: 'And times 3?' },
];

const weatherTool: ToolDefinition = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const toolRound: ChatMessage[] = [
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: null,
    reasoning_content: 'I should call get_weather.',
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c": 21}' },
];

describe('renderChat with DeepSeek-R1 (Distill-Qwen) template', () => {
  it('renders a multi-round conversation exactly, dropping reasoning_content', () => {
    const rendered = renderChat(R1_QWEN, { messages: multiRound, ...tokens });
    assert.equal(
      rendered.prompt,
      `${BOS}You are a helpful assistant.<｜User｜>What is 2+2?<｜Assistant｜>2+2 equals 4.${EOS}` +
        '<｜User｜>And times 3?<｜Assistant｜><think>\n</think>',
    );
    assert.equal(rendered.startsInReasoning, false);
    assert.equal(rendered.continuesPrefix, false);
  });

  it('opens reasoning when thinking is on and closes it when off', () => {
    const on = renderChat(R1_QWEN, { messages: multiRound, thinking: true, ...tokens });
    const off = renderChat(R1_QWEN, { messages: multiRound, thinking: false, ...tokens });
    assert.ok(on.prompt.endsWith('<｜Assistant｜><think>\n'));
    assert.equal(on.startsInReasoning, true);
    assert.ok(off.prompt.endsWith('<｜Assistant｜><think>\n</think>'));
    assert.equal(off.startsInReasoning, false);
  });

  it('drops reasoning sent back on a tool-call turn and inline <think> blocks, without error', () => {
    const messages: ChatMessage[] = [
      ...toolRound,
      { role: 'assistant', content: 'It is 21°C.', reasoning_content: 'It is mild.' },
      { role: 'user', content: 'And tomorrow?' },
      { role: 'assistant', content: '<think>Forecast.</think>Cooler.' },
      { role: 'user', content: 'Thanks' },
    ];
    const { prompt } = renderChat(R1_QWEN, { messages, thinking: true, ...tokens });
    for (const reasoning of ['I should call get_weather.', 'It is mild.', 'Forecast.']) {
      assert.ok(!prompt.includes(reasoning), reasoning);
    }
    assert.ok(prompt.includes(`<｜tool▁outputs▁end｜>It is 21°C.${EOS}`));
    assert.ok(prompt.includes(`<｜Assistant｜>Cooler.${EOS}`));
  });

  it('renders a past tool call with its arguments as JSON, not as a quoted string', () => {
    const { prompt, startsInReasoning } = renderChat(R1_QWEN, { messages: toolRound, ...tokens });
    assert.equal(
      prompt,
      `${BOS}<｜User｜>Weather in Paris?<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n` +
        '```json\n{"city": "Paris"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>' +
        `${EOS}<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>{"temp_c": 21}<｜tool▁output▁end｜><｜tool▁outputs▁end｜>`,
    );
    assert.equal(startsInReasoning, false);
  });

  it('passes arguments as the client sent them to a template that concatenates strings (Distill-Llama)', () => {
    const { prompt } = renderChat(R1_LLAMA, { messages: toolRound, ...tokens });
    assert.ok(prompt.includes('get_weather\n```json\n{"city":"Paris"}\n```<｜tool▁call▁end｜>'));
  });

  it('continues a prefix message after the generation prompt', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Write a haiku about rain.' },
      { role: 'assistant', content: 'Soft rain', prefix: true },
    ];
    const rendered = renderChat(R1_QWEN, { messages, ...tokens });
    assert.deepEqual(rendered, {
      prompt: `${BOS}<｜User｜>Write a haiku about rain.<｜Assistant｜><think>\n</think>Soft rain`,
      startsInReasoning: false,
      continuesPrefix: true,
    });
  });

  it('closes open thinking before a content prefix, keeping the prefix reasoning', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Write a haiku about rain.' },
      { role: 'assistant', content: 'Soft rain', reasoning_content: 'Short.', prefix: true },
    ];
    const rendered = renderChat(R1_QWEN, { messages, thinking: true, ...tokens });
    assert.ok(rendered.prompt.endsWith('<｜Assistant｜><think>\nShort.</think>Soft rain'));
    assert.equal(rendered.startsInReasoning, false);
  });

  it('joins text parts', () => {
    const { prompt } = renderChat(R1_QWEN, {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }] }],
      ...tokens,
    });
    assert.ok(prompt.includes('<｜User｜>A\n\nB<｜Assistant｜>'));
  });
});

describe('renderChat with DeepSeek-V3.1 template', () => {
  it('describes tools after the system prompt in the model card format', () => {
    const { prompt } = renderChat(V3_1, {
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      tools: [weatherTool],
      ...tokens,
    });
    assert.equal(
      prompt,
      `${BOS}You are terse.\n\n## Tools\nYou have access to the following tools:\n\n### get_weather\n` +
        'Description: Current weather for a city.\n\n' +
        'Parameters: {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}\n\n' +
        'IMPORTANT: ALWAYS adhere to this exact format for tool use:\n' +
        '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool_call_name<｜tool▁sep｜>tool_call_arguments<｜tool▁call▁end｜>' +
        '{{additional_tool_calls}}<｜tool▁calls▁end｜>\n\nWhere:\n' +
        '- `tool_call_name` must be an exact match to one of the available tools\n' +
        "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n" +
        '- For multiple tool calls, chain them directly without separators or spaces' +
        '<｜User｜>Weather in Paris?<｜Assistant｜><think></think>',
    );
  });

  it('adds a system message for the tools when there is none', () => {
    const { prompt } = renderChat(V3_1, { messages: [{ role: 'user', content: 'Hi' }], tools: [weatherTool], ...tokens });
    assert.ok(prompt.startsWith(`${BOS}## Tools\nYou have access to the following tools:\n\n### get_weather\n`));
  });

  it('renders a past tool call and its result', () => {
    const { prompt, startsInReasoning } = renderChat(V3_1, { messages: toolRound, ...tokens });
    assert.equal(
      prompt,
      `${BOS}<｜User｜>Weather in Paris?<｜Assistant｜><think></think>` +
        '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Paris"}<｜tool▁call▁end｜>' +
        `<｜tool▁calls▁end｜>${EOS}<｜tool▁output▁begin｜>{"temp_c": 21}<｜tool▁output▁end｜>`,
    );
    assert.equal(startsInReasoning, false);
  });

  it('toggles thinking with the `thinking` kwarg', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Hi' }];
    const on = renderChat(V3_1, { messages, thinking: true, ...tokens });
    const off = renderChat(V3_1, { messages, thinking: false, ...tokens });
    assert.equal(on.prompt, `${BOS}<｜User｜>Hi<｜Assistant｜><think>`);
    assert.equal(on.startsInReasoning, true);
    assert.equal(off.prompt, `${BOS}<｜User｜>Hi<｜Assistant｜><think></think>`);
    assert.equal(off.startsInReasoning, false);
  });

  it('continues a reasoning prefix inside open thinking', () => {
    const rendered = renderChat(V3_1, {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '', reasoning_content: 'The user greets', prefix: true },
      ],
      thinking: true,
      ...tokens,
    });
    assert.deepEqual(rendered, {
      prompt: `${BOS}<｜User｜>Hi<｜Assistant｜><think>The user greets`,
      startsInReasoning: true,
      continuesPrefix: true,
    });
  });
});

describe('renderChat with templates that render tools and reasoning themselves', () => {
  it('keeps reasoning_content of the current tool-call turn for DeepSeek-V3.2', () => {
    const rendered = renderChat(V3_2, { messages: toolRound, tools: [weatherTool], thinking: true, ...tokens });
    assert.ok(rendered.prompt.includes('<｜Assistant｜><think>I should call get_weather.</think>'));
    assert.ok(rendered.prompt.includes('<｜DSML｜parameter name="city" string="true">Paris</｜DSML｜parameter>'));
    assert.ok(!rendered.prompt.includes('## Tools\nYou have access to the following tools:'));
    assert.equal(rendered.startsInReasoning, true);
  });

  it('leaves tool definitions to a template that writes them (Qwen2.5)', () => {
    const { prompt } = renderChat(QWEN2_5, { messages: [{ role: 'user', content: 'Hi' }], tools: [weatherTool], ...tokens });
    assert.ok(prompt.includes('<tools>\n{"type": "function", "function": {"name": "get_weather"'));
    assert.ok(!prompt.includes('## Tools'));
  });
});

describe('renderChat errors', () => {
  it("turns a template's raise_exception into a ChatTemplateError", () => {
    const template = new ChatTemplate("{{ raise_exception('Conversation roles must alternate') }}");
    assert.throws(
      () => renderChat(template, { messages: [{ role: 'user', content: 'Hi' }], ...tokens }),
      (error: unknown) => error instanceof ChatTemplateError && /roles must alternate/.test(error.message),
    );
  });

  it('rejects a template that does not parse', () => {
    assert.throws(() => new ChatTemplate('{% if %}'), ChatTemplateError);
  });
});
