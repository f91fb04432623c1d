/**
 * @module Trains the bundled demo reasoning model and writes `models/seekstack-demo-r1.gguf`.
 *
 *   npm run train:demo -- [--out FILE] [--init FILE] [--checkpoint-every N]
 *
 * TensorFlow.js on its WebAssembly backend (dev dependencies only), fixed seeds for everything: the BPE
 * corpus, the initial weights and the stream of problems. One Adam run with warmup + cosine decay; a GGUF
 * checkpoint is written along the way, so a cut-short run still leaves a usable model, and `--init`
 * starts the schedule again from one (to fine-tune it, say).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../../src/engine/gguf/prng.ts';
import { exportGguf, importGguf, LLAMA, type ParamValues } from './export.ts';
import { assertTemplateAgrees, demoVocab, encodeExample, Tokenizer, type Example } from './format.ts';
import { DemoModel, initParams, paramShapes, parameterCount, type ModelShape, type Params } from './model.ts';
import { PROBLEM_KINDS, ProblemSource, type KindMix, type LengthMix } from './problems.ts';

export const TRAIN_SEED = 20260601;
/** Problems for the in-training check; the evaluation uses yet another seed. */
const CHECK_SEED = 777;
const BPE_CORPUS_PROBLEMS = 5000;
const BPE_MERGES = 400;
const BATCH_SIZE = 16;
const EMBEDDING = 128;
const LAYERS = 4;
const WARMUP_STEPS = 100;

interface Recipe {
  /** Length of the cosine schedule. */
  readonly steps: number;
  readonly peakLr: number;
  readonly mix: KindMix;
  readonly lengths: LengthMix;
  /** Share of examples in non-thinking mode (the template's `</think>` right after `<think>\n`). */
  readonly noThinkShare: number;
  readonly dataSeed: number;
}

/**
 * One warmup + cosine schedule. Addition and subtraction (the headline) get most of the problems, and
 * operands lean to 2 and 3 digits: 1-digit problems are learned early and then only cost time.
 */
const RECIPE: Recipe = {
  steps: 2400,
  peakLr: 2e-3,
  mix: [['add', 0.42], ['sub', 0.46], ['mul', 0.08], ['cmp', 0.04]],
  lengths: [0.2, 0.35, 0.45],
  noThinkShare: 0.03,
  dataSeed: TRAIN_SEED,
};

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(import.meta.dirname, '../../models/seekstack-demo-r1.gguf') },
    'checkpoint-every': { type: 'string', default: '100' },
    /** Start from a GGUF this script wrote (same shape and vocabulary) instead of random weights. */
    init: { type: 'string' },
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
function learningRate(recipe: Recipe, step: number): number {
  const { peakLr, steps } = recipe;
  if (step < WARMUP_STEPS) return (peakLr * (step + 1)) / WARMUP_STEPS;
  return peakLr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (step - WARMUP_STEPS)) / (steps - WARMUP_STEPS))));
}

/** Batches of similar length (drawn 16 batches at a time, sorted, then shuffled), so little is padding. */
class Batches {
  readonly #recipe: Recipe;
  readonly #source: ProblemSource;
  readonly #rng: Rng;
  #queue: Example[][] = [];

  constructor(recipe: Recipe) {
    this.#recipe = recipe;
    this.#source = new ProblemSource(recipe.dataSeed, recipe.mix, recipe.lengths);
    this.#rng = new Rng(recipe.dataSeed ^ 0x5a5a);
  }

  next(): Example[] {
    if (this.#queue.length === 0) {
      const pool: Example[] = [];
      for (let i = 0; i < 16 * BATCH_SIZE; i++) {
        pool.push(encodeExample(tokenizer, this.#source.next(), this.#rng.nextFloat() >= this.#recipe.noThinkShare));
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

function train(recipe: Recipe): void {
  const optimizer = new ScheduledAdam(recipe.peakLr, 0.9, 0.98, 1e-8);
  const batches = new Batches(recipe);
  const started = performance.now();
  let tokensSeen = 0;
  let lossSum = 0;
  let lossCount = 0;
  for (let step = 0; step < recipe.steps; step++) {
    const { tokens, targets, weights, count } = tensors(batches.next());
    optimizer.setLearningRate(learningRate(recipe, step));
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
      console.log(`step ${step + 1} loss ${(lossSum / lossCount).toFixed(4)} lr ${learningRate(recipe, step).toExponential(2)} ${(tokensSeen / seconds).toFixed(0)} tok/s ${(seconds / 60).toFixed(1)} min`);
      lossSum = lossCount = 0;
    }
    if ((step + 1) % Number(args['checkpoint-every']) === 0 || step + 1 === recipe.steps) {
      console.log(`check: ${check()}`);
      save(args.out!);
    }
  }
  optimizer.dispose();
  console.log(`trained in ${((performance.now() - started) / 60000).toFixed(1)} min`);
}

train(RECIPE);
