import { decodeTime, isValid } from 'ulid';
import { UlidFactory } from './ulid';

describe('UlidFactory', () => {
  it('should make valid ULIDs carrying the given time', () => {
    const ulids = new UlidFactory();
    const now = Date.UTC(2026, 10, 21, 12, 0, 0, 123);
    const id = ulids.next(now);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(now);
  });

  it('should sort in the order made, within a millisecond and when the clock steps back', () => {
    const ulids = new UlidFactory();
    const t = 1_700_000_000_000;
    const ids = [
      ...Array.from({ length: 1000 }, () => ulids.next(t)),
      ulids.next(t - 5),
      ulids.next(t + 1),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(decodeTime(ids[1000])).toBe(t); // the step back keeps the last time
  });

  it('should carry an increment of the low half into the high half', () => {
    const ulids = new UlidFactory();
    const t = 1_700_000_000_000;
    ulids.next(t);
    const internals = ulids as unknown as { high: number; low: number };
    internals.high = 7;
    internals.low = 2 ** 40 - 2;
    const before = ulids.next(t);
    const after = ulids.next(t);
    expect(before.slice(10)).toBe('00000007ZZZZZZZZ');
    expect(after.slice(10)).toBe('0000000800000000');
  });

  it('should draw new random bits for each new millisecond', () => {
    const ulids = new UlidFactory();
    const randoms = new Set(
      Array.from({ length: 2000 }, (_, i) => ulids.next(1_700_000_000_000 + i).slice(10)),
    );
    expect(randoms.size).toBe(2000);
  });
});
