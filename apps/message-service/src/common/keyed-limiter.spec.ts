import { KeyedLimiter } from './keyed-limiter';

describe(KeyedLimiter.name, () => {
  it('should never run more than the limit per key at once, and run every task', async () => {
    const limiter = new KeyedLimiter();
    const peak = new Map<string, number>();
    const now = new Map<string, number>();
    const task = (key: string) =>
      limiter.run(key, 3, async () => {
        now.set(key, (now.get(key) ?? 0) + 1);
        peak.set(key, Math.max(peak.get(key) ?? 0, now.get(key)!));
        await new Promise((r) => setTimeout(r, 1 + Math.random() * 5));
        now.set(key, now.get(key)! - 1);
        return key;
      });
    const results = await Promise.all([
      ...Array.from({ length: 40 }, () => task('a')),
      ...Array.from({ length: 10 }, () => task('b')),
    ]);
    expect(results.filter((r) => r === 'a')).toHaveLength(40);
    expect(peak.get('a')).toBe(3);
    expect(peak.get('b')).toBe(3);
  });

  it('should free the slot when a task fails', async () => {
    const limiter = new KeyedLimiter();
    await expect(limiter.run('k', 1, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limiter.run('k', 1, () => Promise.resolve(2))).resolves.toBe(2);
  });
});
