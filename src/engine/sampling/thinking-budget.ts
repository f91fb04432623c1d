/**
 * @module engine/sampling/thinking-budget
 * A cap on a request's reasoning (Anthropic's `thinking.budget_tokens`). The output starts inside the
 * reasoning; once the model has written the budget's tokens without ending it, the next tokens are the
 * reasoning's end, written for it, and the answer follows from there. Written tokens go through the sampler
 * chain's state as sampled ones do, so penalties count them. The reasoning's end is watched for in the
 * decoded bytes, not as a token, since a tokenizer may spell it in more than one way.
 */
import type { RequestSampler } from './chain.ts';

export interface ThinkingBudget {
  maxTokens: number;
  /** The tokens written to end the reasoning, e.g. those of "\n</think>\n\n". */
  endTokens: number[];
  /** Bytes whose appearance means the model ended its reasoning itself ("</think>"). */
  marker: Buffer;
}

export function withThinkingBudget(sampler: RequestSampler, budget: ThinkingBudget, pieceOf: (token: number) => Uint8Array): RequestSampler {
  let left = budget.maxTokens;
  let isReasoning = true;
  /** The next of `endTokens` to write while ending the reasoning; -1 otherwise. */
  let ending = -1;
  let tail = Buffer.alloc(0);
  return {
    sample(ctx, index) {
      if (isReasoning && left <= 0) {
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
        tail = Buffer.concat([tail.subarray(Math.max(0, tail.length - budget.marker.length + 1)), pieceOf(token)]);
        if (tail.includes(budget.marker)) isReasoning = false;
      }
      return token;
    },
    accept: (token) => sampler.accept(token),
    free: () => sampler.free(),
  };
}
