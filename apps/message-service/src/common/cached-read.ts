/**
 * A read that runs at most once per `ttlMs`, however often it is asked for: concurrent callers
 * share the read under way, and a failed read is not kept (the next call tries again).
 */
export class CachedRead<T> {
  private cached?: { at: number; value: Promise<T> };

  constructor(
    private readonly ttlMs: number,
    private readonly read: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.ttlMs) {
      const value = this.read();
      this.cached = { at: now, value };
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached.value;
  }
}
