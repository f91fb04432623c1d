import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainingCorpus } from './bpe-corpus.ts';
import { BYTE_CHARS, decode, encodeOrdinary, pretokenize, trainBpe } from './bpe.ts';
import { SPECIAL_TOKENS, synthVocab, TokenType, type SpecialToken } from './vocab.ts';

const TEXTS = [
  'Hello world! The quick brown fox jumps over the lazy dog.',
  "I'm sure it's fine, isn't it? They'll say \"we've done it\"...",
  '  leading spaces\n\n\ttabs\r\nwindows lines   trailing   ',
  '12345 + 67890 = 80235; 3.14159 ≈ π',
  '{"name": "Alice", "tags": ["a", "b"], "nested": {"x": [1, 2, 3]}}',
  'def f(x):\n    return x ** 2  # comment\n',
  '你好，世界！深度求索发布了新的模型。',
  'Ünïcödé naïve café — “quotes” … 👨‍👩‍👧 👋🏽 🚀',
  '',
];

describe('byte-level BPE', () => {
  it('uses the qwen2 pre-tokenizer split', () => {
    assert.deepEqual(pretokenize("Hello world's 123  ok\n\nend"), ['Hello', ' world', "'s", ' ', '1', '2', '3', ' ', ' ok', '\n\n', 'end']);
  });

  it('maps all 256 bytes to distinct characters', () => {
    assert.equal(new Set(BYTE_CHARS).size, 256);
    assert.equal(BYTE_CHARS[0x41], 'A');
    assert.equal(BYTE_CHARS[0x20], 'Ġ');
  });

  it('trains deterministically', () => {
    const sample = trainingCorpus().slice(0, 30_000);
    const first = trainBpe(sample, 300);
    assert.equal(first.merges.length, 300);
    assert.deepEqual(trainBpe(sample, 300), first);
    assert.deepEqual(trainingCorpus(), trainingCorpus());
  });

  it('round-trips text through its own encoder', () => {
    const { bpe } = synthVocab();
    for (const text of TEXTS) assert.equal(decode(bpe, encodeOrdinary(bpe, text)), text);
  });

  it('compresses common text and splits rare multi-byte characters across tokens', () => {
    const { bpe } = synthVocab();
    const english = 'The server sends the message to the user.';
    assert.ok(encodeOrdinary(bpe, english).length < english.length / 2.5);
    const pieces = encodeOrdinary(bpe, '👨‍👩‍👧').map((id) => decode(bpe, [id]));
    assert.ok(pieces.some((piece) => piece.includes('\uFFFD')), 'some token holds a partial UTF-8 sequence');
  });
});

describe('synthetic DeepSeek-R1 vocabulary', () => {
  it('has 256 byte tokens, 1000 merges and the special tokens with their types', () => {
    const vocab = synthVocab();
    assert.equal(vocab.bpe.merges.length, 1000);
    assert.equal(vocab.tokens.length, 256 + 1000 + SPECIAL_TOKENS.length);
    const typeOf = (text: SpecialToken): number => vocab.tokenTypes[vocab.specialIds.get(text)!];
    assert.equal(typeOf('<｜begin▁of▁sentence｜>'), TokenType.CONTROL);
    assert.equal(typeOf('<｜end▁of▁sentence｜>'), TokenType.CONTROL);
    assert.equal(typeOf('<think>'), TokenType.USER_DEFINED);
    assert.equal(typeOf('<｜tool▁sep｜>'), TokenType.USER_DEFINED);
    assert.equal(typeOf('<｜fim▁hole｜>'), TokenType.CONTROL);
    assert.equal(new Set(vocab.tokens).size, vocab.tokens.length);
  });

  it('pads with unique unreachable normal tokens and is the same on every call', () => {
    const padded = synthVocab(2000);
    assert.equal(padded.tokens.length, 2000);
    assert.equal(new Set(padded.tokens).size, 2000);
    assert.equal(padded.tokenTypes[1999], TokenType.NORMAL);
    assert.deepEqual(synthVocab(2000), padded);
  });
});
