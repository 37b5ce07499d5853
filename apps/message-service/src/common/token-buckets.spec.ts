import { TokenBuckets } from './token-buckets';

describe(TokenBuckets.name, () => {
  let now: number;
  let sut: TokenBuckets;

  beforeEach(() => {
    now = 0;
    sut = new TokenBuckets(10, () => now);
  });

  it("should grant a burst of one second's worth, then the rate", () => {
    expect(Array.from({ length: 10 }, () => sut.take('a'))).toEqual(Array(10).fill(0));
    expect(sut.take('a')).toBe(100);
    now += 100;
    expect(sut.take('a')).toBe(0);
    expect(sut.take('a')).toBe(100);
  });

  it('should keep keys apart', () => {
    for (let i = 0; i < 10; i++) sut.take('a');
    expect(sut.take('a')).toBeGreaterThan(0);
    expect(sut.take('b')).toBe(0);
  });

  it('should take a batch at once, and one larger than the burst only from a full bucket', () => {
    expect(sut.take('a', 4)).toBe(0);
    expect(sut.take('a', 25)).toBe(400);
    now += 400;
    expect(sut.take('a', 25)).toBe(0);
    // 15 tokens in debt: the next message waits until the debt is paid.
    expect(sut.take('a')).toBe(1600);
  });
});
