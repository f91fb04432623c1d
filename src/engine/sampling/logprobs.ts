/**
 * Log-probabilities from raw logits without sorting the vocabulary: one pass for log-sum-exp and a
 * k-slot insertion buffer for the top k (k ≤ 20), so a 152k-token vocabulary costs one linear scan.
 */
export interface Alternative {
  token: number;
  logprob: number;
}

export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

/** The `k` most likely tokens, most likely first, with their log-probabilities under softmax(logits). */
export function topLogprobs(logits: Float32Array, k: number, lse = logSumExp(logits)): Alternative[] {
  if (k <= 0) return [];
  const ids = new Int32Array(k).fill(-1);
  const values = new Float32Array(k).fill(-Infinity);
  for (let token = 0; token < logits.length; token++) {
    const value = logits[token];
    if (value <= values[k - 1]) continue;
    let slot = k - 1;
    while (slot > 0 && values[slot - 1] < value) {
      values[slot] = values[slot - 1];
      ids[slot] = ids[slot - 1];
      slot--;
    }
    values[slot] = value;
    ids[slot] = token;
  }
  const result: Alternative[] = [];
  for (let i = 0; i < k && ids[i] !== -1; i++) result.push({ token: ids[i], logprob: values[i] - lse });
  return result;
}
