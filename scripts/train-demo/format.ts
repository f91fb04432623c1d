/**
 * @module Problems → the token sequences the model trains on, in exactly the form llama.cpp sees when
 * Seekstack serves it: the DeepSeek-R1 chat template's prompt (`<｜begin▁of▁sentence｜><｜User｜>…
 * <｜Assistant｜><think>\n`, plus `</think>` when thinking is off), then the reasoning, `</think>\n\n`, the
 * answer and `<｜end▁of▁sentence｜>`. Special tokens map to their ids (llama.cpp parses them from the
 * prompt); the text between them goes through the byte-level BPE trained on the task's own text.
 */
import { ChatTemplate } from '../../src/chat/chat-template.ts';
import { decode, encodeOrdinary, trainBpe, type BpeModel } from '../../src/engine/gguf/bpe.ts';
import { DEEPSEEK_R1_TEMPLATE } from '../../src/engine/gguf/templates.ts';
import { SPECIAL_TOKENS, synthVocab, type SynthVocab } from '../../src/engine/gguf/vocab.ts';
import { chatMessages, type Conversation } from './conversations.ts';
import { ProblemSource, type Problem } from './problems.ts';

export const BOS = '<｜begin▁of▁sentence｜>';
export const EOS = '<｜end▁of▁sentence｜>';

export function promptText(question: string, thinking: boolean): string {
  return `${BOS}<｜User｜>${question}<｜Assistant｜><think>\n${thinking ? '' : '</think>'}`;
}

export function completionText(problem: Problem, thinking: boolean): string {
  return `${thinking ? `${problem.reasoning}</think>` : ''}\n\n${problem.answer}${EOS}`;
}

const R1 = new ChatTemplate(DEEPSEEK_R1_TEMPLATE);

/** The prompt llama.cpp sees for a conversation: R1's template on the messages a client sends. */
export function conversationPrompt(conversation: Conversation): string {
  return R1.render({
    messages: chatMessages(conversation),
    bos_token: BOS,
    eos_token: EOS,
    add_generation_prompt: true,
    thinking: conversation.thinking,
    enable_thinking: conversation.thinking,
  });
}

/** A conversation's prompt and the reply to its last turn (the only tokens with a loss). */
export function encodeConversation(tokenizer: Tokenizer, conversation: Conversation): Example {
  const { thinking, reasoning, answer } = conversation;
  return {
    prompt: tokenizer.encode(conversationPrompt(conversation)),
    completion: tokenizer.encode(`${thinking ? `${reasoning}</think>` : ''}\n\n${answer}${EOS}`),
  };
}

/** Throws unless {@link promptText} is what the R1 template renders (for both thinking modes). */
export function assertTemplateAgrees(): void {
  for (const thinking of [true, false]) {
    const rendered = R1.render({
      messages: [{ role: 'user', content: 'What is 2 + 2?' }],
      bos_token: BOS,
      eos_token: EOS,
      add_generation_prompt: true,
      thinking,
      enable_thinking: thinking,
    });
    const mine = promptText('What is 2 + 2?', thinking);
    if (rendered !== mine) throw new Error(`R1 template renders ${JSON.stringify(rendered)}, training uses ${JSON.stringify(mine)}`);
  }
}

/** The vocabulary: bytes, `mergeCount` merges learned from `corpusSize` problems of the task, R1's special tokens. */
export function demoVocab(seed: number, corpusSize: number, mergeCount: number): SynthVocab {
  const source = new ProblemSource(seed);
  const parts: string[] = [];
  for (let i = 0; i < corpusSize; i++) {
    const p = source.next();
    parts.push(p.question, p.reasoning, p.answer);
  }
  return synthVocab(0, trainBpe(parts.join('\n'), mergeCount));
}

const SPECIAL_SPLIT = new RegExp(`(${SPECIAL_TOKENS.map(([text]) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'u');

export class Tokenizer {
  readonly vocab: SynthVocab;
  readonly #bpe: BpeModel;
  readonly #special: Map<string, number>;

  constructor(vocab: SynthVocab) {
    this.vocab = vocab;
    this.#bpe = vocab.bpe;
    this.#special = new Map(vocab.specialIds);
  }

  /** Text with special tokens → ids, as llama_tokenize(parse_special = true) without an added BOS. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const piece of text.split(SPECIAL_SPLIT)) {
      if (piece === '') continue;
      const special = this.#special.get(piece);
      if (special !== undefined) ids.push(special);
      else ids.push(...encodeOrdinary(this.#bpe, piece));
    }
    return ids;
  }

  /** Ids → text, special tokens written out. */
  decode(ids: readonly number[]): string {
    let text = '';
    let run: number[] = [];
    for (const id of [...ids, -1]) {
      if (id >= 0 && id < this.#bpe.tokens.length) {
        run.push(id);
        continue;
      }
      text += decode(this.#bpe, run) + (id >= 0 ? this.vocab.tokens[id] : '');
      run = [];
    }
    return text;
  }
}

/** One training example: prompt ids, completion ids (the loss is taken on the completion only). */
export interface Example {
  readonly prompt: number[];
  readonly completion: number[];
}

export function encodeExample(tokenizer: Tokenizer, problem: Problem, thinking: boolean): Example {
  return {
    prompt: tokenizer.encode(promptText(problem.question, thinking)),
    completion: tokenizer.encode(completionText(problem, thinking)),
  };
}
