/**
 * The demo model's training format (scripts/train-demo): the prompt is exactly what the R1 template
 * renders, the reasoning works the columns from the ones digit, and answers state the right number.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertTemplateAgrees, completionText, demoVocab, promptText, Tokenizer } from '../../scripts/train-demo/format.ts';
import { addition, PROBLEM_KINDS, ProblemSource, statedNumber, subtraction } from '../../scripts/train-demo/problems.ts';

const phrase = (a: number, b: number) => `${a} ? ${b}`;

describe('the demo model training format', () => {
  it('renders prompts exactly as the DeepSeek-R1 template does', () => {
    assert.doesNotThrow(() => assertTemplateAgrees());
  });

  it('adds column by column from the ones digit, restating what is left of each number, with carries', () => {
    const p = addition(345, 78, phrase);
    assert.equal(p.reasoning, 'We need 345 + 78.\nOnes: 345 + 78 → 5 + 8 = 13, write 3, carry 1.\nTens: 34 + 7 → 4 + 7 + 1 = 12, write 2, carry 1.\nHundreds: 3 + 0 → 3 + 0 + 1 = 4, write 4.\nSo 345 + 78 = 423.\n');
    assert.equal(completionText(p, true), `${p.reasoning}</think>\n\n345 + 78 = 423.<｜end▁of▁sentence｜>`);
    assert.equal(completionText(p, false), '\n\n345 + 78 = 423.<｜end▁of▁sentence｜>');
  });

  it('subtracts with borrows taken off in their own step, and swaps the operands for a negative result', () => {
    assert.equal(subtraction(502, 67, phrase).reasoning, 'We need 502 - 67.\nOnes: 502 - 67 → 2 - 7 < 0, so 12 - 7 = 5, write 5, borrow 1.\nTens: 50 - 6 → 0 - 6 - 1 < 0, so 10 - 6 - 1 = 4 - 1 = 3, write 3, borrow 1.\nHundreds: 5 - 0 → 5 - 0 - 1 = 5 - 1 = 4, write 4.\nDigits from the top: 4 3 5.\nSo 502 - 67 = 435.\n');
    const negative = subtraction(47, 83, phrase);
    assert.equal(negative.expected, -36);
    assert.match(negative.reasoning, /^We need 47 - 83\.\n47 < 83, so compute 83 - 47 and make it negative\.\n/);
    assert.match(negative.reasoning, /So 83 - 47 = 36, and 47 - 83 = -36\.\n$/);
  });

  it('states the expected number in every answer', () => {
    const source = new ProblemSource(1);
    for (let i = 0; i < 400; i++) {
      const p = source.next();
      assert.ok(PROBLEM_KINDS.includes(p.kind));
      assert.equal(statedNumber(p.kind, p.answer), p.expected, p.answer);
    }
  });

  it('draws kinds and operand lengths with the shares it is given', () => {
    const source = new ProblemSource(3, [['sub', 1]], [0, 0, 1]);
    for (let i = 0; i < 200; i++) {
      const p = source.next();
      assert.equal(p.kind, 'sub');
      assert.ok(p.a >= 100 && p.a <= 999 && p.b >= 100 && p.b <= 999, `${p.a} - ${p.b}`);
    }
  });

  it('tokenizes special tokens as single ids and round-trips text', () => {
    const tokenizer = new Tokenizer(demoVocab(1, 300, 100));
    const text = promptText('What is 9 + 6?', true) + completionText(new ProblemSource(2).next('add'), true);
    const ids = tokenizer.encode(text);
    assert.equal(tokenizer.decode(ids), text);
    assert.equal(ids[0], tokenizer.vocab.specialIds.get('<｜begin▁of▁sentence｜>'));
    assert.equal(ids.at(-1), tokenizer.vocab.specialIds.get('<｜end▁of▁sentence｜>'));
  });
});
