/**
 * @module engine/step-profile
 * Where a decode step's time goes, when SEEKSTACK_STEP_PROFILE=1: wall time per phase of the engine's
 * step loop, summed, written to stderr as fractions of the step every SEEKSTACK_STEP_PROFILE_MS (10 s).
 * Off by default: then each mark is a single branch.
 */
const isOn = process.env.SEEKSTACK_STEP_PROFILE === '1';
const intervalMs = Number(process.env.SEEKSTACK_STEP_PROFILE_MS ?? 10_000);

export type Phase = 'schedule' | 'fill' | 'decode' | 'sample' | 'update' | 'send' | 'yield';

const totals = new Map<Phase, number>();
let steps = 0;
let tokens = 0;
let last = 0;
let reportedAt = performance.now();

/** Starts timing a step's first phase. */
export function stepStart(): void {
  if (!isOn) return;
  last = performance.now();
}

/** Ends the phase that ran since the last mark, charging it to `phase`. */
export function mark(phase: Phase): void {
  if (!isOn) return;
  const now = performance.now();
  totals.set(phase, (totals.get(phase) ?? 0) + (now - last));
  last = now;
}

export function stepEnd(numTokens: number): void {
  if (!isOn) return;
  steps++;
  tokens += numTokens;
  const now = performance.now();
  if (now - reportedAt < intervalMs) return;
  const total = [...totals.values()].reduce((a, b) => a + b, 0);
  const parts = [...totals].map(([phase, ms]) => `${phase} ${((ms / total) * 100).toFixed(1)}%`).join(', ');
  process.stderr.write(`step profile: ${steps} steps, ${tokens} tokens, ${(total / steps).toFixed(2)} ms/step: ${parts}\n`);
  totals.clear();
  steps = 0;
  tokens = 0;
  reportedAt = now;
}
