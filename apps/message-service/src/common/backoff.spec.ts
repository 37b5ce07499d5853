import { backoffMs } from './backoff';

describe(backoffMs.name, () => {
  const noJitter = () => 0.5;

  it('should double from the base per attempt', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 10_000, 600_000, noJitter))).toEqual([
      10_000, 20_000, 40_000, 80_000,
    ]);
  });

  it('should stay within ±20 % of the un-jittered delay', () => {
    expect(backoffMs(2, 10_000, 600_000, () => 0)).toBe(16_000);
    expect(backoffMs(2, 10_000, 600_000, () => 1)).toBe(24_000);
  });

  it('should never exceed the cap, even with jitter or huge attempt numbers', () => {
    expect(backoffMs(30, 10_000, 600_000, () => 1)).toBe(600_000);
    expect(backoffMs(10_000, 10_000, 600_000, () => 0)).toBe(480_000);
  });
});
