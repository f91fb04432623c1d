import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { templateCapabilities, type TemplateCapabilities } from './capabilities.ts';
import { ChatTemplate } from './chat-template.ts';
import { QWEN2_5, R1_LLAMA, R1_QWEN, V3_1, V3_2, V4 } from './fixtures/templates.ts';

/** What the DeepSeek templates share; each case lists how it differs. */
const deepseek: TemplateCapabilities = {
  thinkingToggle: true,
  tools: false,
  reasoningFormat: 'deepseek-r1',
  toolCallFormat: 'deepseek-r1',
  toolArguments: 'object',
  toolCallContent: null,
};

const cases: Array<[string, ChatTemplate, TemplateCapabilities]> = [
  ['DeepSeek-R1-Distill-Qwen', R1_QWEN, deepseek],
  [
    'DeepSeek-R1-Distill-Llama (always thinks, string arguments)',
    R1_LLAMA,
    { ...deepseek, thinkingToggle: false, toolArguments: 'string' },
  ],
  ['DeepSeek-V3.1', V3_1, { ...deepseek, toolCallFormat: 'deepseek-v3.1' }],
  ['DeepSeek-V3.2 (DSML tool calls)', V3_2, { ...deepseek, tools: true, toolCallFormat: 'none' }],
  ['DeepSeek-V4', V4, { ...deepseek, tools: true, toolCallFormat: 'none' }],
  [
    'Qwen2.5 (no reasoning)',
    QWEN2_5,
    { ...deepseek, thinkingToggle: false, tools: true, reasoningFormat: 'none', toolCallFormat: 'none' },
  ],
  [
    'a template that needs string content on tool-call turns',
    new ChatTemplate(
      "{% for m in messages %}{{ m.role + ':' + m.content }}" +
        '{% for c in m.tool_calls or [] %}{{ c.function.arguments | tojson }}{% endfor %}{% endfor %}',
    ),
    { ...deepseek, thinkingToggle: false, reasoningFormat: 'none', toolCallFormat: 'none', toolCallContent: '' },
  ],
];

describe('templateCapabilities', () => {
  for (const [name, template, expected] of cases) {
    it(name, () => {
      assert.deepEqual(templateCapabilities(template), expected);
    });
  }

  it('probes a template once', () => {
    assert.equal(templateCapabilities(V3_1), templateCapabilities(V3_1));
  });
});
