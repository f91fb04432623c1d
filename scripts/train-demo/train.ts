/**
 * @module Trains the bundled demo reasoning model and writes `models/seekstack-demo-r1.gguf`.
 *
 *   npm run train:demo -- [--out FILE] [--init FILE --first-stage 2] [--checkpoint-every N]
 *
 * TensorFlow.js on its WebAssembly backend (dev dependencies only), fixed seeds for everything: the BPE
 * corpus, the initial weights and the stream of problems. The recipe has two stages, each with its own
 * Adam state and warmup + cosine schedule; a GGUF checkpoint is written along the way, so a cut-short
 * run still leaves a usable model, and `--init` + `--first-stage` resume from one.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../../src/engine/gguf/prng.ts';
import { exportGguf, importGguf, LLAMA, type ParamValues } from './export.ts';
import { assertTemplateAgrees, demoVocab, encodeExample, Tokenizer, type Example } from './format.ts';
import { DemoModel, initParams, paramShapes, parameterCount, type ModelShape, type Params } from './model.ts';
import { DEFAULT_MIX, PROBLEM_KINDS, ProblemSource, type KindMix } from './problems.ts';

export const TRAIN_SEED = 20260601;
/** Problems for the in-training check; the evaluation uses yet another seed. */
const CHECK_SEED = 777;
const BPE_CORPUS_PROBLEMS = 5000;
const BPE_MERGES = 400;
const BATCH_SIZE = 16;
const EMBEDDING = 128;
const LAYERS = 4;
const WARMUP_STEPS = 100;

interface Stage {
  /** Length of the stage's cosine schedule. */
  readonly steps: number;
  /** Where the stage stops (the schedule's end when unset). */
  readonly stopAfter?: number;
  readonly peakLr: number;
  readonly mix: KindMix;
  /** Share of examples in non-thinking mode (the template's `</think>` right after `<think>\n`). */
  readonly noThinkShare: number;
  readonly dataSeed: number;
}

/**
 * Stage 1 learns the format and the skills at a high learning rate; stages 2 and 3 draw fresh problems
 * with more weight on addition and subtraction, and stage 3 anneals. Stages 1 and 2 stop before their
 * schedules end: the recipe was re-planned while it ran on a shared 2-core machine, and what is written
 * here is exactly what produced the committed model.
 */
const FOCUSED_MIX: KindMix = [['add', 0.4], ['sub', 0.4], ['mul', 0.1], ['cmp', 0.1]];

const RECIPE: readonly Stage[] = [
  { steps: 2000, stopAfter: 1250, peakLr: 2e-3, mix: DEFAULT_MIX, noThinkShare: 0.1, dataSeed: TRAIN_SEED },
  { steps: 1300, stopAfter: 400, peakLr: 1.5e-3, mix: FOCUSED_MIX, noThinkShare: 0.05, dataSeed: TRAIN_SEED + 1 },
  { steps: 1500, peakLr: 1.2e-3, mix: FOCUSED_MIX, noThinkShare: 0.05, dataSeed: TRAIN_SEED + 2 },
  { steps: 900, peakLr: 8e-4, mix: FOCUSED_MIX, noThinkShare: 0.05, dataSeed: TRAIN_SEED + 3 },
];

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(import.meta.dirname, '../../models/seekstack-demo-r1.gguf') },
    'checkpoint-every': { type: 'string', default: '100' },
    /** Start from a GGUF this script wrote (same shape and vocabulary) instead of random weights. */
    init: { type: 'string' },
    /** 1-based: with --init, skip the stages that produced it. */
    'first-stage': { type: 'string', default: '1' },
  },
});

assertTemplateAgrees();
await tf.setBackend('wasm');
await tf.ready();

const vocab = demoVocab(TRAIN_SEED, BPE_CORPUS_PROBLEMS, BPE_MERGES);
const tokenizer = new Tokenizer(vocab);
const shape: ModelShape = {
  vocabSize: vocab.tokens.length,
  embedding: EMBEDDING,
  layers: LAYERS,
  heads: EMBEDDING / 32,
  ffn: 3 * EMBEDDING,
  contextLength: 8192,
  ropeFreqBase: LLAMA.ropeFreqBase,
  rmsEps: LLAMA.rmsEps,
};
const model = new DemoModel(shape, args.init ? loadParams(args.init) : initParams(shape, TRAIN_SEED));
const variables = [...model.params.values()];
console.log(`vocabulary ${shape.vocabSize} tokens, ${parameterCount(shape)} parameters, batches of ${BATCH_SIZE}`);

function loadParams(file: string): Params {
  const loaded = importGguf(file);
  if (loaded.vocab.tokens.join('\n') !== vocab.tokens.join('\n')) throw new Error(`${file} has another vocabulary`);
  const params: Params = new Map();
  for (const [name, dims] of paramShapes(shape)) {
    const p = loaded.params.get(name);
    if (!p || p.dims.join() !== dims.join()) throw new Error(`${file}: ${name} is missing or not ${dims.join('×')}`);
    params.set(name, tf.variable(tf.tensor(p.values, dims), true, name));
  }
  console.log(`starting from ${file}`);
  return params;
}

class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** Linear warmup, then cosine from the peak down to 5% of it at the schedule's end. */
function learningRate(stage: Stage, step: number): number {
  const { peakLr, steps } = stage;
  if (step < WARMUP_STEPS) return (peakLr * (step + 1)) / WARMUP_STEPS;
  return peakLr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (step - WARMUP_STEPS)) / (steps - WARMUP_STEPS))));
}

/** Batches of similar length (drawn 16 batches at a time, sorted, then shuffled), so little is padding. */
class Batches {
  readonly #stage: Stage;
  readonly #source: ProblemSource;
  readonly #rng: Rng;
  #queue: Example[][] = [];

  constructor(stage: Stage) {
    this.#stage = stage;
    this.#source = new ProblemSource(stage.dataSeed, stage.mix);
    this.#rng = new Rng(stage.dataSeed ^ 0x5a5a);
  }

  next(): Example[] {
    if (this.#queue.length === 0) {
      const pool: Example[] = [];
      for (let i = 0; i < 16 * BATCH_SIZE; i++) {
        pool.push(encodeExample(tokenizer, this.#source.next(), this.#rng.nextFloat() >= this.#stage.noThinkShare));
      }
      pool.sort((a, b) => a.prompt.length + a.completion.length - (b.prompt.length + b.completion.length));
      for (let i = 0; i < pool.length; i += BATCH_SIZE) this.#queue.push(pool.slice(i, i + BATCH_SIZE));
      for (let i = this.#queue.length - 1; i > 0; i--) {
        const j = Math.floor(this.#rng.nextFloat() * (i + 1));
        [this.#queue[i], this.#queue[j]] = [this.#queue[j], this.#queue[i]];
      }
    }
    return this.#queue.pop()!;
  }
}

/** Inputs, next-token targets and loss weights (1 on completion tokens), padded to a multiple of 8. */
function tensors(batch: Example[]): { tokens: tf.Tensor2D; targets: tf.Tensor2D; weights: tf.Tensor2D; count: number } {
  const longest = Math.max(...batch.map((e) => e.prompt.length + e.completion.length - 1));
  const T = Math.ceil(longest / 8) * 8;
  const tokens = new Int32Array(batch.length * T);
  const targets = new Int32Array(batch.length * T);
  const weights = new Float32Array(batch.length * T);
  let count = 0;
  batch.forEach((e, b) => {
    const ids = [...e.prompt, ...e.completion];
    for (let t = 0; t + 1 < ids.length; t++) {
      tokens[b * T + t] = ids[t];
      targets[b * T + t] = ids[t + 1];
      if (t + 1 >= e.prompt.length) weights[b * T + t] = 1;
    }
    count += ids.length;
  });
  return {
    tokens: tf.tensor2d(tokens, [batch.length, T], 'int32'),
    targets: tf.tensor2d(targets, [batch.length, T], 'int32'),
    weights: tf.tensor2d(weights, [batch.length, T]),
    count,
  };
}

/** Teacher-forced check on held-out problems: the share whose every completion token is the argmax. */
function check(): string {
  const source = new ProblemSource(CHECK_SEED);
  const parts: string[] = [];
  for (const kind of PROBLEM_KINDS) {
    const batch = Array.from({ length: 32 }, () => encodeExample(tokenizer, source.next(kind), true));
    const { tokens, targets, weights } = tensors(batch);
    const [B, T] = tokens.shape;
    const exact = tf.tidy(() => {
      const predicted = tf.reshape(tf.argMax(model.logits(tokens), -1), [B, T]);
      const wrong = tf.mul(tf.cast(tf.notEqual(predicted, targets), 'float32'), weights);
      return tf.sum(tf.cast(tf.equal(tf.sum(wrong, -1), 0), 'float32')).dataSync()[0];
    });
    tf.dispose([tokens, targets, weights]);
    parts.push(`${kind} ${((100 * exact) / B).toFixed(0)}%`);
  }
  return parts.join(', ');
}

function save(file: string): void {
  const values: ParamValues = new Map([...model.params].map(([name, v]) => [name, { values: v.dataSync() as Float32Array, dims: v.shape }]));
  const { parameterCount: n, fileSizeBytes } = exportGguf(file, shape, vocab, values);
  console.log(`wrote ${file} (${n} parameters, ${(fileSizeBytes / 1e6).toFixed(2)} MB)`);
}

function trainStage(stage: Stage, label: string): void {
  const optimizer = new ScheduledAdam(stage.peakLr, 0.9, 0.98, 1e-8);
  const batches = new Batches(stage);
  const stopAfter = stage.stopAfter ?? stage.steps;
  const started = performance.now();
  let tokensSeen = 0;
  let lossSum = 0;
  let lossCount = 0;
  for (let step = 0; step < stopAfter; step++) {
    const { tokens, targets, weights, count } = tensors(batches.next());
    optimizer.setLearningRate(learningRate(stage, step));
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => model.loss(tokens, targets, weights), variables);
      // Clip the global gradient norm at 1.
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const scale = tf.div(1, tf.maximum(norm, 1));
      optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)])));
      return value;
    });
    lossSum += loss.dataSync()[0];
    lossCount++;
    tf.dispose([loss, tokens, targets, weights]);
    tokensSeen += count;
    if ((step + 1) % 25 === 0) {
      const seconds = (performance.now() - started) / 1000;
      console.log(`${label} step ${step + 1} loss ${(lossSum / lossCount).toFixed(4)} lr ${learningRate(stage, step).toExponential(2)} ${(tokensSeen / seconds).toFixed(0)} tok/s ${(seconds / 60).toFixed(1)} min`);
      lossSum = lossCount = 0;
    }
    if ((step + 1) % Number(args['checkpoint-every']) === 0 || step + 1 === stopAfter) {
      console.log(`check: ${check()}`);
      save(args.out!);
    }
  }
  optimizer.dispose();
  console.log(`${label} trained in ${((performance.now() - started) / 60000).toFixed(1)} min`);
}

const firstStage = Number(args['first-stage']);
if (firstStage > 1 && !args.init) throw new Error('--first-stage needs --init with the model the earlier stages wrote');
const started = performance.now();
RECIPE.forEach((stage, i) => {
  if (i + 1 >= firstStage) trainStage(stage, `stage ${i + 1}/${RECIPE.length}`);
});
console.log(`trained in ${((performance.now() - started) / 60000).toFixed(1)} min`);
