/**
 * Waiting requests, FIFO within a cache key (tenant) and round-robin across keys, so one tenant's burst
 * cannot starve another's single request. Bounded: the caller checks `size` before pushing.
 */
export class FairQueue<T> {
  readonly #queues = new Map<string, T[]>();
  /** Keys with waiting items, in serving order; the head is served next. */
  #order: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(key: string, item: T): void {
    this.#queueOf(key, false).push(item);
    this.#size++;
  }

  /** Put an item back at the very front (a preempted request resumes before anything else). */
  pushFront(key: string, item: T): void {
    this.#queueOf(key, true).unshift(item);
    this.#size++;
  }

  peek(): T | undefined {
    const key = this.#order[0];
    return key === undefined ? undefined : this.#queues.get(key)?.[0];
  }

  shift(): T | undefined {
    const key = this.#order.shift();
    if (key === undefined) return undefined;
    const queue = this.#queues.get(key) as T[];
    const item = queue.shift() as T;
    this.#size--;
    if (queue.length > 0) this.#order.push(key);
    else this.#queues.delete(key);
    return item;
  }

  /** Remove the first item matching `predicate`; returns it, or undefined. */
  remove(predicate: (item: T) => boolean): T | undefined {
    for (const [key, queue] of this.#queues) {
      const index = queue.findIndex(predicate);
      if (index === -1) continue;
      const [item] = queue.splice(index, 1);
      this.#size--;
      if (queue.length === 0) {
        this.#queues.delete(key);
        this.#order = this.#order.filter((k) => k !== key);
      }
      return item;
    }
    return undefined;
  }

  #queueOf(key: string, toFront: boolean): T[] {
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = [];
      this.#queues.set(key, queue);
      if (toFront) this.#order.unshift(key);
      else this.#order.push(key);
    } else if (toFront) {
      this.#order = [key, ...this.#order.filter((k) => k !== key)];
    }
    return queue;
  }
}
