/**
 * @module Evaluates the bundled demo model through the real HTTP API: starts `seekstack serve` on it,
 * sends problems drawn with a seed the training never used through the `openai` client (greedy, the
 * `deepseek-reasoner` alias so R1's thinking is on), and prints exact-answer accuracy per problem type
 * and the share of replies whose reasoning_content is non-empty and whose content states the answer.
 *
 *   npm run eval:demo -- [--model FILE] [--count 500] [--seed 4242]
 *
 * Exits 1 when addition or subtraction falls under 95% or reasoning is present in under 99% of replies.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROBLEM_KINDS, ProblemSource, statedNumber, type Problem, type ProblemKind } from './train-demo/problems.ts';
import { serveModel } from './train-demo/serve.ts';

/** Not used by training (train.ts uses its own TRAIN_SEED and CHECK_SEED). */
const EVAL_SEED = 4242;
const CONCURRENCY = 8;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(import.meta.dirname, '../models/seekstack-demo-r1.gguf') },
    count: { type: 'string', default: '500' },
    seed: { type: 'string', default: String(EVAL_SEED) },
    failures: { type: 'string', default: '5' },
  },
});

interface Outcome {
  readonly problem: Problem;
  readonly reasoning: string;
  readonly content: string;
  readonly correct: boolean;
  readonly hasReasoning: boolean;
}

const source = new ProblemSource(Number(args.seed));
const problems = Array.from({ length: Number(args.count) }, () => source.next());
// One engine thread: the model is tiny, and ggml's spinning thread pool collapses on a busy machine.
const served = await serveModel(path.resolve(args.model!), ['--threads', '1']);
const outcomes: Outcome[] = [];
const started = performance.now();
try {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < problems.length) {
      const problem = problems[next++];
      const reply = await served.client.chat.completions.create({
        model: 'deepseek-reasoner',
        messages: [{ role: 'user', content: problem.question }],
        temperature: 0,
        max_tokens: 400,
      });
      const message = reply.choices[0].message as { content: string | null; reasoning_content?: string };
      const content = message.content ?? '';
      const reasoning = message.reasoning_content ?? '';
      outcomes.push({
        problem,
        reasoning,
        content,
        correct: statedNumber(problem.kind, content) === problem.expected && !content.includes('<think>') && !content.includes('</think>'),
        hasReasoning: reasoning.trim().length > 0,
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
} finally {
  await served.close();
}
const seconds = (performance.now() - started) / 1000;

const percent = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
const rows: string[][] = [['type', 'problems', 'exact answer', 'reasoning present', 'reasoning + answer']];
const summary = (label: string, list: Outcome[]): number[] => {
  const correct = list.filter((o) => o.correct).length;
  const reasoning = list.filter((o) => o.hasReasoning).length;
  const both = list.filter((o) => o.correct && o.hasReasoning).length;
  rows.push([label, String(list.length), percent(correct, list.length), percent(reasoning, list.length), percent(both, list.length)]);
  return [correct / list.length, reasoning / list.length];
};
const byKind = new Map<ProblemKind, number>();
for (const kind of PROBLEM_KINDS) byKind.set(kind, summary(kind, outcomes.filter((o) => o.problem.kind === kind))[0]);
const [, reasoningShare] = summary('all', outcomes);
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
console.log(`${outcomes.length} problems (seed ${args.seed}) in ${seconds.toFixed(1)} s through ${served.baseURL}`);

const wrong = outcomes.filter((o) => !o.correct || !o.hasReasoning).slice(0, Number(args.failures));
for (const o of wrong) console.log(`\nWRONG ${JSON.stringify(o.problem.question)} expected ${o.problem.expected}\n  reasoning: ${JSON.stringify(o.reasoning)}\n  content: ${JSON.stringify(o.content)}`);

const met = (byKind.get('add') ?? 0) >= 0.95 && (byKind.get('sub') ?? 0) >= 0.95 && reasoningShare >= 0.99;
console.log(met ? '\ntargets met: addition and subtraction ≥ 95%, reasoning ≥ 99%' : '\ntargets NOT met: addition and subtraction ≥ 95%, reasoning ≥ 99%');
process.exitCode = met ? 0 : 1;
