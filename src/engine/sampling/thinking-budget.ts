/**
 * @module engine/sampling/thinking-budget
 * A cap on a request's reasoning (Anthropic's `thinking.budget_tokens`). The output starts inside the
 * reasoning; once the model has written the budget's tokens without ending it, the next tokens are the
 * reasoning's end, written for it, and the answer follows from there. Written tokens go through the sampler
 * chain's state as sampled ones do, so penalties count them. The reasoning's end is watched for in the
 * decoded bytes, not as a token, since a tokenizer may spell it in more than one way. A spent budget waits
 * for a character split across tokens to be finished, as llama.cpp's reasoning-budget sampler does, so the
 * reasoning never ends in broken UTF-8.
 */
import type { RequestSampler } from './chain.ts';

export interface ThinkingBudget {
  maxTokens: number;
  /** The tokens written to end the reasoning, e.g. those of "\n</think>\n\n". */
  endTokens: number[];
  /** Bytes whose appearance means the model ended its reasoning itself ("</think>"). */
  marker: Buffer;
}

/** Tokens a spent budget waits at most for a split character to be finished. */
const MAX_CHARACTER_WAIT = 4;

export function withThinkingBudget(sampler: RequestSampler, budget: ThinkingBudget, pieceOf: (token: number) => Uint8Array): RequestSampler {
  let left = budget.maxTokens;
  let isReasoning = true;
  /** The next of `endTokens` to write while ending the reasoning; -1 otherwise. */
  let ending = -1;
  /** The reasoning's last bytes: enough to find the marker across tokens, and an unfinished character. */
  let tail = Buffer.alloc(0);
  const tailBytes = Math.max(budget.marker.length - 1, 3);
  return {
    sample(ctx, index) {
      if (isReasoning && left <= 0 && (left <= -MAX_CHARACTER_WAIT || !endsMidCharacter(tail))) {
        isReasoning = false;
        ending = 0;
      }
      if (ending >= 0) {
        const token = budget.endTokens[ending++];
        if (ending === budget.endTokens.length) ending = -1;
        sampler.accept(token);
        return token;
      }
      const token = sampler.sample(ctx, index);
      if (isReasoning) {
        left--;
        tail = Buffer.concat([tail.subarray(Math.max(0, tail.length - tailBytes)), pieceOf(token)]);
        if (tail.includes(budget.marker)) isReasoning = false;
      }
      return token;
    },
    accept: (token) => sampler.accept(token),
    free: () => sampler.free(),
  };
}

/** Whether the bytes end inside a UTF-8 character: a lead byte whose continuation bytes have not all come. */
function endsMidCharacter(bytes: Buffer): boolean {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back;
  }
  return false;
}
