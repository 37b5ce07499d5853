/**
 * One token bucket per key: `ratePerSecond` tokens a second, holding at most one second's worth
 * (the burst). A take of more than the burst is allowed from a full bucket and leaves it in debt,
 * so the average rate holds for large batches too. Buckets that refilled are dropped.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `n` tokens: 0 when granted, else the milliseconds until they would be. */
  take(key: string, n = 1): number {
    const now = this.now();
    const burst = this.ratePerSecond;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(
      burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond,
    );
    bucket.at = now;
    const needed = Math.min(n, burst);
    if (bucket.tokens < needed) {
      this.buckets.set(key, bucket);
      return Math.ceil(((needed - bucket.tokens) / this.ratePerSecond) * 1000);
    }
    bucket.tokens -= n;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.prune(now);
    return 0;
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.ratePerSecond >= this.ratePerSecond) {
        this.buckets.delete(key);
      }
    }
  }
}
