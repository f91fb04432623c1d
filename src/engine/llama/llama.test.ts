import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYNTH_ARCHS, synthModel } from '../gguf/synth.ts';
import { loadLlama, type LlamaBatch, type LlamaContext, type LlamaModel, type SamplerPtr } from './index.ts';

const PROMPT = 'Once upon a time';
const NUM_GENERATED = 10;

const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-llama-test-'));
process.once('exit', () => fs.rmSync(modelDir, { recursive: true, force: true }));

for (const arch of SYNTH_ARCHS) describe(`llama.cpp end to end on a tiny ${arch}`, () => {
  const llama = loadLlama();
  let model: LlamaModel;
  let ctx: LlamaContext;
  let batch: LlamaBatch;
  let greedy: SamplerPtr;

  before(async () => {
    const file = synthModel({ arch, preset: 'tiny', out: path.join(modelDir, `${arch}.gguf`) }).path;
    model = await llama.loadModel(file, { nGpuLayers: 0 });
    ctx = llama.createContext(model, { nCtx: 256, nBatch: 64, nSeqMax: 4, nThreads: 1, kvUnified: true });
    batch = llama.createBatch(64, 4);
    greedy = llama.sampler.chainInit(true);
    llama.sampler.chainAdd(greedy, llama.sampler.initGreedy());
  });

  after(() => {
    llama.sampler.free(greedy);
    batch.free();
    ctx.free();
    model.free();
  });

  /** Greedy continuation of `seqId` from batch token `index` of the last decode, one decode per token. */
  async function generate(seqId: number, firstPos: number, index: number): Promise<number[]> {
    const tokens: number[] = [];
    for (let pos = firstPos; tokens.length < NUM_GENERATED; pos++) {
      const token = llama.sampler.sample(greedy, ctx, index);
      tokens.push(token);
      batch.clear();
      index = batch.add(token, pos, seqId, true);
      assert.equal(await ctx.decodeAsync(batch), 0);
    }
    return tokens;
  }

  it('reads the model and the context back', () => {
    assert.ok(model.nParams() > 0 && model.size() > 0);
    assert.ok(model.nEmbd() > 0 && model.nLayer() > 0 && model.nCtxTrain() > 0);
    assert.equal(model.metaValStr('general.architecture'), arch);
    assert.equal(model.metaValStr('no.such.key'), null);
    assert.ok(model.desc().length > 0);
    assert.equal(model.hasEncoder(), false);
    assert.equal(ctx.nCtx(), 256);
    assert.equal(ctx.nSeqMax(), 4);
    assert.ok(model.vocab.nTokens() > 0);
  });

  it('shares a prompt prefix with llama_memory_seq_cp and continues with the same greedy tokens', async () => {
    const vocab = model.vocab;
    const prompt = vocab.tokenize(PROMPT, true, false);
    assert.ok(prompt.length >= 2);
    assert.equal(prompt[0] === vocab.bos(), vocab.getAddBos());

    batch.clear();
    prompt.forEach((token, pos) => batch.add(token, pos, 0, pos === prompt.length - 1));
    assert.equal(ctx.decode(batch), 0);
    const logits = ctx.getLogitsIth(prompt.length - 1);
    assert.equal(logits.length, vocab.nTokens());
    const argmax = logits.reduce((best, value, i) => (value > logits[best] ? i : best), 0);
    const onSeq0 = await generate(0, prompt.length, prompt.length - 1);
    assert.equal(onSeq0[0], argmax);
    assert.equal(ctx.memory.seqPosMax(0), prompt.length + NUM_GENERATED - 1);

    // All but the last prompt token are shared; decoding that one gives seq 1 its own logits.
    ctx.memory.seqCp(0, 1, 0, prompt.length - 1);
    assert.equal(ctx.memory.seqPosMin(1), 0);
    assert.equal(ctx.memory.seqPosMax(1), prompt.length - 2);
    batch.clear();
    const last = batch.add(prompt[prompt.length - 1], prompt.length - 1, 1, true);
    assert.equal(ctx.decode(batch), 0);
    const onSeq1 = await generate(1, prompt.length, last);
    assert.deepEqual(onSeq1, onSeq0);

    assert.equal(ctx.memory.seqRm(1, -1, -1), true);
    assert.equal(ctx.memory.seqPosMax(1), -1);
    ctx.memory.seqKeep(0);
    assert.equal(ctx.memory.seqPosMax(0), prompt.length + NUM_GENERATED - 1);
    ctx.memory.clear(false);
    assert.equal(ctx.memory.seqPosMax(0), -1);
  });

  it('returns token pieces as raw bytes that concatenate to the text, even when a character is split', () => {
    const vocab = model.vocab;
    const text = 'Once upon a time, héllo 😀 naïve';
    const tokens = vocab.tokenize(text, false, false);
    const pieces = Array.from(tokens, (t) => vocab.tokenToPiece(t, false));
    // An SPM vocabulary adds a leading space that detokenize strips again.
    assert.equal(Buffer.concat(pieces).toString('utf8').trimStart(), text);
    assert.equal(vocab.detokenize(tokens, false, false).trimStart(), text);
    assert.ok(pieces.some((piece) => !isCompleteUtf8(piece)), 'some token should carry part of a multi-byte character');
    assert.equal(vocab.tokenToPiece(tokens[0], false), pieces[0], 'pieces are cached');
    assert.throws(() => vocab.tokenToPiece(vocab.nTokens(), false), RangeError);
  });

  it('tokenizes long text through the buffer-too-small protocol', () => {
    const text = 'the end. '.repeat(500);
    const tokens = model.vocab.tokenize(text, true, false);
    assert.ok(tokens.length > 500);
    assert.equal(model.vocab.detokenize(tokens, true, false).trim(), text.trim());
  });

  it('applies a logit bias and a grammar, and rejects a bad grammar with llama.cpp reason', () => {
    const vocab = model.vocab;
    const forced = vocab.tokenize(' time', false, false).at(-1) as number;
    const chain = llama.sampler.chainInit(true);
    llama.sampler.chainAdd(chain, llama.sampler.initLogitBias(vocab.nTokens(), [{ token: forced, bias: 1000 }]));
    llama.sampler.chainAdd(chain, llama.sampler.initGreedy());
    batch.clear();
    vocab.tokenize(PROMPT, true, false).forEach((token, pos, all) => batch.add(token, pos, 2, pos === all.length - 1));
    assert.equal(ctx.decode(batch), 0);
    assert.equal(llama.sampler.sample(chain, ctx, batch.nTokens - 1), forced);
    llama.sampler.free(chain);

    const constrained = llama.sampler.chainInit(true);
    llama.sampler.chainAdd(constrained, llama.sampler.initGrammar(vocab.ptr, 'root ::= " Lily"', 'root'));
    llama.sampler.chainAdd(constrained, llama.sampler.initGreedy());
    const piece = Buffer.from(vocab.tokenToPiece(llama.sampler.sample(constrained, ctx, batch.nTokens - 1), false)).toString('utf8');
    assert.ok(piece.length > 0 && ' Lily'.startsWith(piece), `${JSON.stringify(piece)} is not a start of " Lily"`);
    llama.sampler.free(constrained);
    assert.throws(() => llama.sampler.initGrammar(vocab.ptr, 'root ::= "unterminated', 'root'), /invalid grammar: .+/);
  });

  it('refuses sequence ids llama.cpp would abort on', () => {
    assert.throws(() => ctx.memory.seqCp(0, 4, -1, -1), RangeError);
    assert.throws(() => ctx.memory.seqPosMax(-2), RangeError);
    assert.throws(() => batch.add(1, 0, [0, 1, 2, 3, 4], false), RangeError);
  });
});

function isCompleteUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
