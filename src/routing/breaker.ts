/**
 * @module routing/breaker
 * A circuit breaker per upstream. Closed: requests flow, and `failureThreshold` failures in a row open it.
 * Open: no request is sent until `cooldownMs` has passed (doubling on each failed trial, up to
 * `maxCooldownMs`). Half-open: one trial request at a time; its success closes the breaker, its failure
 * opens it again. A passing active health check moves an open breaker to half-open; a failing one opens it.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

export class CircuitBreaker {
  readonly options: BreakerOptions;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #cooldownMs: number;
  #isTrialInFlight = false;
  readonly #now: () => number;

  constructor(options: BreakerOptions, now: () => number = () => performance.now()) {
    this.options = options;
    this.#cooldownMs = options.cooldownMs;
    this.#now = now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#cooldownMs) this.#state = 'half-open';
    return this.#state;
  }

  /** Whether a request may be sent now (in half-open, only while no trial is in flight). */
  canSend(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && !this.#isTrialInFlight);
  }

  /** Call when a request is sent: in half-open it becomes the trial. */
  onSend(): void {
    if (this.state === 'half-open') this.#isTrialInFlight = true;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#isTrialInFlight = false;
    this.#cooldownMs = this.options.cooldownMs;
    this.#state = 'closed';
  }

  onFailure(): void {
    this.#isTrialInFlight = false;
    if (this.state === 'half-open') {
      this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.options.maxCooldownMs);
      this.#open();
      return;
    }
    this.#failures++;
    if (this.#state === 'closed' && this.#failures >= this.options.failureThreshold) this.#open();
  }

  /** An active health check's answer. */
  onProbe(isHealthy: boolean): void {
    if (!isHealthy) {
      if (this.#state !== 'open') this.#open();
      return;
    }
    if (this.#state === 'open') {
      this.#state = 'half-open';
      this.#isTrialInFlight = false;
    }
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#failures = 0;
  }
}
