/**
 * @module The v2 training and evaluation material: conversations of 1–6 turns whose last user message
 * is the one to answer, independent of what came before. Earlier turns are arithmetic or chit-chat with
 * the replies a client sends back (the answer only: R1's template drops earlier reasoning anyway), in
 * either thinking mode, sometimes with a wrong earlier answer or a system prompt. The last turn is one
 * of: arithmetic with thinking, arithmetic with thinking off, a non-arithmetic prompt (refused), or one
 * of v1's own problems (so v1's skills are kept).
 */
import { Rng } from '../../src/engine/gguf/prng.ts';
import { chitchat, refusalFor } from './chitchat.ts';
import { ProblemSource, type KindMix, type LengthMix, type Problem } from './problems.ts';
import { askArithmetic, directReply, type ArithmeticKind } from './questions.ts';

export type FinalKind = 'think' | 'direct' | 'chat' | 'v1';

export interface Turn {
  readonly user: string;
  readonly assistant: string;
}

export interface Conversation {
  readonly system?: string;
  readonly history: readonly Turn[];
  readonly question: string;
  readonly thinking: boolean;
  /** What goes between `<think>\n` and `</think>` (empty with thinking off). */
  readonly reasoning: string;
  /** The content of the reply. */
  readonly answer: string;
  readonly final: FinalKind;
  /** The arithmetic kind, or 'chat'. */
  readonly kind: Problem['kind'] | 'chat';
  /** The number the reply must state; null for chit-chat. */
  readonly expected: number | null;
}

export interface MixtureOptions {
  /** Shares of the last turn's kinds. */
  readonly finals: ReadonlyArray<readonly [FinalKind, number]>;
  /** Smallest and largest number of user turns. */
  readonly turns: readonly [number, number];
  /** Share of single-turn conversations (the rest are spread evenly over the other counts). */
  readonly singleShare: number;
  /** Operand lengths for arithmetic with thinking, and with thinking off. */
  readonly thinkDigits: readonly [number, number, number];
  readonly directDigits: readonly [number, number, number];
  readonly arithmetic: ReadonlyArray<readonly [ArithmeticKind, number]>;
  /** Non-arithmetic prompts from the held-out split. */
  readonly heldOut: boolean;
  /** v1's own problem mix, for the 'v1' share. */
  readonly v1Mix: KindMix;
  readonly v1Lengths: LengthMix;
}

const SYSTEM_PROMPTS = ['You are a helpful assistant.', 'You are Seekstack, a helpful assistant.', 'Answer briefly.', 'You are a math tutor.', '你是一个有用的助手。', 'Be concise and friendly.'];

export class ConversationSource {
  readonly #rng: Rng;
  readonly #options: MixtureOptions;
  readonly #v1: ProblemSource;

  constructor(seed: number, options: MixtureOptions) {
    this.#rng = new Rng(seed);
    this.#options = options;
    this.#v1 = new ProblemSource(seed ^ 0x3c3c, options.v1Mix, options.v1Lengths);
  }

  #weighted<T>(list: ReadonlyArray<readonly [T, number]>): T {
    let x = this.#rng.nextFloat();
    for (const [value, share] of list) if ((x -= share) < 0) return value;
    return list[0][0];
  }

  #turnCount(): number {
    const [low, high] = this.#options.turns;
    if (low === high) return low;
    if (low === 1 && this.#rng.nextFloat() < this.#options.singleShare) return 1;
    // Fewer long conversations than short ones: 2 turns are drawn most, then 3, ... (they cost the most).
    const from = Math.max(low, 2);
    const weights = Array.from({ length: high - from + 1 }, (_, i) => 1 / (i + 1));
    let x = this.#rng.nextFloat() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < weights.length; i++) if ((x -= weights[i]) < 0) return from + i;
    return high;
  }

  /** An earlier exchange, with the reply a client would send back. */
  #earlierTurn(thinking: boolean): Turn {
    const rng = this.#rng;
    if (rng.nextFloat() < 0.3) {
      const user = chitchat(rng, this.#options.heldOut);
      return { user, assistant: refusalFor(user).answer };
    }
    const problem = rng.nextFloat() < 0.2 ? this.#v1.next() : askArithmetic(rng, this.#weighted(this.#options.arithmetic), [0.3, 0.35, 0.35]);
    // A reply from thinking mode is just the answer; one from thinking off may carry its working.
    const worked = !thinking && rng.nextFloat() < 0.4;
    let assistant = worked ? directReply(problem) : problem.answer;
    // Earlier answers are sometimes wrong (a model's mistake): the next question still stands alone.
    if (rng.nextFloat() < 0.1) assistant = assistant.replace(/-?\d+(?=\.$)/, String(Math.floor(rng.nextFloat() * 1000)));
    return { user: problem.question, assistant };
  }

  next(final?: FinalKind): Conversation {
    const rng = this.#rng;
    const kind = final ?? this.#weighted(this.#options.finals);
    const thinking = kind === 'think' || (kind === 'v1' && rng.nextFloat() >= 0.03) || (kind === 'chat' && rng.nextFloat() < 0.5);
    const turns = this.#turnCount();
    const history = Array.from({ length: turns - 1 }, () => this.#earlierTurn(thinking));
    const system = rng.nextFloat() < 0.1 ? SYSTEM_PROMPTS[Math.floor(rng.nextFloat() * SYSTEM_PROMPTS.length)] : undefined;
    const base = { ...(system && { system }), history, thinking, final: kind };
    if (kind === 'chat') {
      const question = chitchat(rng, this.#options.heldOut);
      const { reasoning, answer } = refusalFor(question);
      return { ...base, question, reasoning: thinking ? reasoning : '', answer, kind: 'chat', expected: null };
    }
    const problem = kind === 'v1' ? this.#v1.next() : askArithmetic(rng, this.#weighted(this.#options.arithmetic), kind === 'think' ? this.#options.thinkDigits : this.#options.directDigits);
    return {
      ...base,
      question: problem.question,
      reasoning: thinking ? problem.reasoning : '',
      answer: thinking ? problem.answer : directReply(problem),
      kind: problem.kind,
      expected: problem.expected,
    };
  }
}

/** The messages a client sends for this conversation. */
export function chatMessages(c: Conversation): Array<{ role: 'system' | 'user' | 'assistant'; content: string }> {
  return [
    ...(c.system ? [{ role: 'system' as const, content: c.system }] : []),
    ...c.history.flatMap((t) => [{ role: 'user' as const, content: t.user }, { role: 'assistant' as const, content: t.assistant }]),
    { role: 'user' as const, content: c.question },
  ];
}
