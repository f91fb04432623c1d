/**
 * @module Checks that llama.cpp runs the trained model as the trainer does: for fixed prompts, the
 * trainer's own forward pass (TensorFlow.js, weights read back from the GGUF) and llama.cpp behind
 * `seekstack serve` (/v1/completions, raw prompt, greedy) must produce the same tokens, with next-token
 * log-probabilities agreeing closely.
 *
 *   node --import tsx scripts/train-demo/check-llama.ts [model.gguf]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { importGguf } from './export.ts';
import { EOS, promptText, Tokenizer } from './format.ts';
import { DemoModel, type Params } from './model.ts';
import { serveModel } from './serve.ts';

const MAX_TOKENS = 40;
const QUESTIONS = ['What is 345 + 78?', 'What is 502 - 67?', 'Multiply 46 by 7.', 'Which is larger, 381 or 318?', 'What is 9 + 6?'];

const file = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '../../models/seekstack-demo-r1.gguf'));
await tf.setBackend('wasm');
await tf.ready();
const { shape, vocab, params } = importGguf(file);
const variables: Params = new Map([...params].map(([name, p]) => [name, tf.variable(tf.tensor(p.values, [...p.dims]), false, name)]));
const model = new DemoModel(shape, variables);
const tokenizer = new Tokenizer(vocab);
const eos = vocab.specialIds.get(EOS)!;

/** Greedy decoding with a full forward pass per token; returns the tokens and each step's log-probabilities. */
function trainerGreedy(prompt: number[]): { ids: number[]; logProbs: Float32Array[] } {
  const ids = [...prompt];
  const logProbs: Float32Array[] = [];
  for (let i = 0; i < MAX_TOKENS; i++) {
    const row = tf.tidy(() => {
      const logits = model.logits(tf.tensor2d(ids, [1, ids.length], 'int32'));
      return tf.logSoftmax(tf.slice(logits, [ids.length - 1, 0], [1, -1])).dataSync() as Float32Array;
    });
    logProbs.push(row);
    let best = 0;
    for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
    ids.push(best);
    if (best === eos) break;
  }
  return { ids: ids.slice(prompt.length), logProbs };
}

const served = await serveModel(file);
let failures = 0;
try {
  for (const question of QUESTIONS) {
    // /v1/completions adds BOS itself (add_bos_token), so the prompt text starts after it.
    const text = promptText(question, true).slice('<｜begin▁of▁sentence｜>'.length);
    const mine = trainerGreedy(tokenizer.encode(promptText(question, true)));
    const reply = await served.client.completions.create({ model: 'seekstack-demo-r1', prompt: text, max_tokens: MAX_TOKENS, temperature: 0, logprobs: 5 });
    const theirs = reply.choices[0].text;
    const promptTokens = tokenizer.encode(promptText(question, true)).length;
    if (reply.usage?.prompt_tokens !== promptTokens) {
      failures++;
      console.log(`llama.cpp tokenized the prompt into ${reply.usage?.prompt_tokens} tokens, the trainer into ${promptTokens}`);
    }
    const ours = tokenizer.decode(mine.ids.filter((id) => id !== eos));
    // Compare the chosen tokens' log-probabilities where the two runs agree.
    const tokenLogprobs = reply.choices[0].logprobs?.token_logprobs ?? [];
    let maxDiff = 0;
    tokenLogprobs.forEach((lp, i) => {
      if (lp !== null && i < mine.ids.length) maxDiff = Math.max(maxDiff, Math.abs(lp - mine.logProbs[i][mine.ids[i]]));
    });
    const same = ours === theirs;
    if (!same || maxDiff > 1e-2) failures++;
    console.log(`${same ? 'same' : 'DIFFERENT'} (max |Δ logprob| ${maxDiff.toExponential(2)}): ${JSON.stringify(question)}`);
    if (!same) console.log(`  trainer:   ${JSON.stringify(ours)}\n  llama.cpp: ${JSON.stringify(theirs)}`);
  }
} finally {
  await served.close();
}
console.log(failures === 0 ? 'llama.cpp agrees with the trainer' : `${failures} prompt(s) disagree`);
process.exitCode = failures === 0 ? 0 : 1;
