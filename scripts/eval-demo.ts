/**
 * @module Evaluates the bundled demo model through the real HTTP API: starts `seekstack serve` on it and
 * sends conversations drawn with seeds the training never used (and non-arithmetic prompts from the
 * held-out split) through the `openai` client, at temperature 0 and at the API's default, 1. Thinking
 * is on with `deepseek-reasoner` and off with `deepseek-chat`, as DeepSeek's clients ask for it.
 *
 *   npm run eval:demo -- [--model FILE] [--count 200] [--temperatures 0,1] [--failures 3]
 *
 * Sets (each `--count` conversations; the one-turn thinking set gets half as many again):
 *   thinking, 1 turn      addition and subtraction, operands 0–999, every phrasing;       target 97%
 *   thinking, turns 2–6   the same as the last question after 1–5 earlier exchanges;      target 95%
 *   thinking off          1–2 digit operands, 1–6 turns;                                   target 85%
 *   refusals              held-out non-arithmetic prompts (English, Chinese), 1–6 turns;   target 99%
 *   v1's problems         v1's own evaluation set (seed 4242: + − × and comparisons);     no target
 *   regressions           the failures reported in issue 18, both thinking modes;          no target
 * At temperature 1 the thinking target is 95%. Exits 1 when a target is missed.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { refusalFor } from './train-demo/chitchat.ts';
import { chatMessages, ConversationSource, type Conversation, type FinalKind, type MixtureOptions } from './train-demo/conversations.ts';
import { ProblemSource, statedNumber } from './train-demo/problems.ts';
import { serveModel } from './train-demo/serve.ts';

/** Not used by training (train.ts uses TRAIN_SEED, TRAIN_SEED + 2 and CHECK_SEED + 100·k). */
const EVAL_SEED = 4242;
const CONCURRENCY = 8;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(import.meta.dirname, '../models/seekstack-demo-r1.gguf') },
    count: { type: 'string', default: '200' },
    temperatures: { type: 'string', default: '0,1' },
    failures: { type: 'string', default: '3' },
  },
});
const count = Number(args.count);

const ADD_SUB: MixtureOptions['arithmetic'] = [['add', 0.5], ['sub', 0.5]];
const BASE: MixtureOptions = {
  finals: [['think', 1]],
  turns: [1, 6],
  singleShare: 0.35,
  thinkDigits: [1 / 3, 1 / 3, 1 / 3],
  directDigits: [0.5, 0.5, 0],
  arithmetic: ADD_SUB,
  heldOut: true,
  v1Mix: [['add', 0.35], ['sub', 0.35], ['mul', 0.15], ['cmp', 0.15]],
  v1Lengths: [1 / 3, 1 / 3, 1 / 3],
};

interface EvalSet {
  readonly label: string;
  readonly conversations: Conversation[];
  /** Target share by temperature; undefined: reported only. */
  readonly target?: (temperature: number) => number;
}

function drawn(seed: number, final: FinalKind, n: number, overrides: Partial<MixtureOptions>): Conversation[] {
  const source = new ConversationSource(seed, { ...BASE, ...overrides });
  return Array.from({ length: n }, () => source.next(final));
}

/** v1's own evaluation problems (its seed and mix), single turn with thinking, for comparison. */
function v1Problems(n: number): Conversation[] {
  const source = new ProblemSource(EVAL_SEED);
  return Array.from({ length: n }, () => {
    const p = source.next();
    return { history: [], question: p.question, thinking: true, reasoning: p.reasoning, answer: p.answer, final: 'v1', kind: p.kind, expected: p.expected };
  });
}

/** The observed failures from issue 18, in both thinking modes. */
function regressions(): Conversation[] {
  const cases: Array<[question: string, expected: number | null, history: Conversation['history']]> = [
    ['What is 903 - 58?', 845, [{ user: 'What is 345 + 78?', assistant: '345 + 78 = 423.' }]],
    ['What is 903 - 58?', 845, []],
    ['What is 2+3?', 5, []],
    ['add 12 and 7', 19, []],
    ['what is 45+67', 112, []],
    ['What is 345 + 78?', 423, []],
    ['hello', null, []],
    ['who are you?', null, []],
    ['你好', null, []],
    ['你是谁', null, []],
    ['今天天气怎么样', null, []],
  ];
  return [true, false].flatMap((thinking) =>
    cases.map(([question, expected, history]): Conversation => ({
      history,
      question,
      thinking,
      reasoning: '',
      answer: expected === null ? refusalFor(question).answer : '',
      final: expected === null ? 'chat' : 'think',
      kind: expected === null ? 'chat' : question.includes('-') ? 'sub' : 'add',
      expected,
    })),
  );
}

const sets: EvalSet[] = [
  { label: 'thinking, 1 turn', conversations: drawn(EVAL_SEED, 'think', Math.round(1.5 * count), { turns: [1, 1] }), target: (t) => (t === 0 ? 0.97 : 0.95) },
  { label: 'thinking, turns 2-6', conversations: drawn(EVAL_SEED + 1, 'think', count, { turns: [2, 6] }), target: () => 0.95 },
  { label: 'thinking off, 1-2 digits', conversations: drawn(EVAL_SEED + 2, 'direct', count, {}), target: () => 0.85 },
  { label: 'refusals (held out)', conversations: drawn(EVAL_SEED + 3, 'chat', count, {}), target: () => 0.99 },
  { label: "v1's problems", conversations: v1Problems(count) },
  { label: 'issue 18 regressions', conversations: regressions() },
];

interface Outcome {
  readonly conversation: Conversation;
  readonly reasoning: string;
  readonly content: string;
  readonly correct: boolean;
}

/** Right answer: the stated number (or the refusal in the prompt's language), reasoning only when thinking, no think tags. */
function judge(c: Conversation, reasoning: string, content: string): boolean {
  if (/<\/?think>/.test(content + reasoning)) return false;
  if ((reasoning.trim() !== '') !== c.thinking) return false;
  if (c.expected === null) return content.trim() === refusalFor(c.question).answer;
  return c.kind !== 'chat' && statedNumber(c.kind, content) === c.expected;
}

const temperatures = args.temperatures!.split(',').map(Number);
// One engine thread: the model is tiny, and ggml's spinning thread pool collapses on a busy machine.
const served = await serveModel(path.resolve(args.model!), ['--threads', '1']);
const results = new Map<string, Outcome[]>();
const started = performance.now();
try {
  for (const temperature of temperatures) {
    for (const set of sets) {
      const outcomes: Outcome[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < set.conversations.length) {
          const conversation = set.conversations[next++];
          const reply = await served.client.chat.completions.create({
            model: conversation.thinking ? 'deepseek-reasoner' : 'deepseek-chat',
            messages: chatMessages(conversation),
            temperature,
            max_tokens: 400,
          });
          const message = reply.choices[0].message as { content: string | null; reasoning_content?: string };
          const content = message.content ?? '';
          const reasoning = message.reasoning_content ?? '';
          outcomes.push({ conversation, reasoning, content, correct: judge(conversation, reasoning, content) });
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      results.set(`${temperature}|${set.label}`, outcomes);
    }
  }
} finally {
  await served.close();
}
const seconds = (performance.now() - started) / 1000;

const rows: string[][] = [['set', 'temperature', 'conversations', 'right', 'target', '']];
let allMet = true;
const failures: string[] = [];
for (const temperature of temperatures) {
  for (const set of sets) {
    const outcomes = results.get(`${temperature}|${set.label}`)!;
    const share = outcomes.filter((o) => o.correct).length / outcomes.length;
    const target = set.target?.(temperature);
    const met = target === undefined || share >= target;
    allMet &&= met;
    rows.push([set.label, String(temperature), String(outcomes.length), `${(100 * share).toFixed(1)}%`, target === undefined ? '-' : `${100 * target}%`, target === undefined ? '' : met ? 'met' : 'MISSED']);
    for (const o of outcomes.filter((x) => !x.correct).slice(0, Number(args.failures))) {
      const c = o.conversation;
      failures.push(`WRONG [${set.label}, t=${temperature}, ${c.history.length + 1} turns, thinking ${c.thinking ? 'on' : 'off'}] ${JSON.stringify(c.question)} expected ${c.expected ?? 'a refusal'}\n  reasoning: ${JSON.stringify(o.reasoning)}\n  content: ${JSON.stringify(o.content)}`);
    }
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log(`${[...results.values()].reduce((n, o) => n + o.length, 0)} requests in ${seconds.toFixed(1)} s through ${served.baseURL}`);
for (const line of failures) console.log(`\n${line}`);
console.log(allMet ? '\nall targets met' : '\ntargets NOT met');
process.exitCode = allMet ? 0 : 1;
