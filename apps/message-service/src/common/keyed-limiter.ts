/**
 * At most `limit` tasks at a time per key (here: per producer), the rest waiting in order, so a
 * backlog after an outage cannot flood one business service. A finishing task hands its slot
 * straight to the next waiter, so no newcomer can slip in between.
 */
export class KeyedLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  async run<T>(key: string, limit: number, task: () => Promise<T>): Promise<T> {
    const active = this.active.get(key) ?? 0;
    if (active >= limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key) ?? [];
        queue.push(resolve);
        this.waiting.set(key, queue);
      });
    } else {
      this.active.set(key, active + 1);
    }
    try {
      return await task();
    } finally {
      this.release(key);
    }
  }

  private release(key: string): void {
    const queue = this.waiting.get(key);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(key);
    if (next) {
      next();
      return;
    }
    const left = (this.active.get(key) ?? 1) - 1;
    if (left === 0) this.active.delete(key);
    else this.active.set(key, left);
  }
}
