/**
 * @module platform/lease
 * This process's lease on what it holds in the shared store (DESIGN.md: nothing is owned by "the process"
 * implicitly). Budget reservations carry the holder id; the lease is renewed every third of its time to
 * live, and each renewal also reclaims the reservations of holders whose leases have lapsed (a process
 * killed or frozen), so a crash frees its reservations within one time to live and a process that starts
 * never touches another live process's state. The same contract holds for replicas sharing PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { PlatformStore } from '../store/platform-store.ts';

export const DEFAULT_LEASE_TTL_MS = 30_000;

export class Lease {
  /** Unique per process start: host, pid and a random part (pids repeat across hosts and restarts). */
  readonly holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly ttlMs: number;
  readonly #store: PlatformStore;
  readonly #timer: NodeJS.Timeout;
  #renewing: Promise<void> = Promise.resolve();
  /** Until when the store holds this lease, as of the last renewal that succeeded. */
  #renewedUntil = 0;

  private constructor(store: PlatformStore, ttlMs: number) {
    this.#store = store;
    this.ttlMs = ttlMs;
    this.#timer = setInterval(() => {
      this.#renewing = this.renew().catch(() => {});
    }, Math.max(1, Math.floor(ttlMs / 3))).unref();
  }

  static async start(store: PlatformStore, ttlMs = DEFAULT_LEASE_TTL_MS): Promise<Lease> {
    const lease = new Lease(store, ttlMs);
    await lease.renew();
    return lease;
  }

  expiresAt(now = Date.now()): number {
    return now + this.ttlMs;
  }

  /**
   * What a reservation made now must renew the lease to, or null while the lease surely holds: with a third
   * of its time to live left, no other process can have reclaimed it. Only a holder whose renewals ran late
   * (a stalled event loop) pays for renewing inside the reservation.
   */
  renewalFor(now = Date.now()): number | null {
    return now < this.#renewedUntil - this.ttlMs / 3 ? null : this.expiresAt(now);
  }

  /** Renew this holder's lease, then free what lapsed holders left behind. */
  async renew(now = Date.now()): Promise<void> {
    await this.#store.renewLease(this.holder, this.expiresAt(now));
    this.#renewedUntil = this.expiresAt(now);
    await this.#store.reclaimExpiredReservations(now);
  }

  /** Releases this holder's reservations and lease; call after every request has settled. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#renewing;
    await this.#store.releaseHolder(this.holder);
  }
}
