/**
 * Runs tasks one at a time per key, in the order they were added, and tasks of different keys (or
 * without a key) side by side: per-`messageGroup` ordering with concurrency across groups.
 */
export class GroupQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string | null, task: () => Promise<void>): Promise<void> {
    if (key === null) return task();
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
