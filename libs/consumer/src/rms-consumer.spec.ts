import type Redis from 'ioredis';
import { ConsumerStore } from './consumer-store';
import { Gap, GapTracker } from './gap-tracker';
import { RmsConsumer } from './rms-consumer';

/** The consumer's gap reports with its inbox replaced: what it reports, and when it holds back. */
describe(`${RmsConsumer.name} gap reports`, () => {
  let sut: RmsConsumer;
  let store: jest.Mocked<Pick<ConsumerStore, 'handledInGaps' | 'saveGap' | 'saveWatermarks'>>;
  let gaps: Gap[];
  let errors: unknown[];
  /** The consumer's internals this spec drives: its tracker, its inbox and one checkpoint. */
  const internals = () =>
    sut as unknown as { gaps: GapTracker; store: typeof store; checkpoint(): Promise<void> };

  beforeEach(() => {
    gaps = [];
    errors = [];
    sut = new RmsConsumer({
      driver: 'redis',
      redis: {} as Redis,
      group: 'g',
      topics: ['t'],
      gapWindowMs: 1000,
      handler: () => Promise.resolve(),
      onGap: (g) => gaps.push(g),
      onError: (e) => errors.push(e),
    });
    store = {
      handledInGaps: jest.fn().mockResolvedValue([]),
      // Stored first by this process: each gap it is given.
      saveGap: jest.fn((_group: string, gap: Gap) => Promise.resolve(gap)),
      saveWatermarks: jest.fn().mockResolvedValue(undefined),
    };
    internals().store = store;
    // Received 1 and 5 a while ago: 2..4 is a hole past its window.
    for (const seq of [1, 5]) internals().gaps.observe('p', 't', seq, Date.now() - 5000);
  });

  it('should report only what no process of the group handled', async () => {
    store.handledInGaps.mockResolvedValue([{ producerId: 'p', topic: 't', seq: 3 }]);
    await internals().checkpoint();
    expect(store.handledInGaps).toHaveBeenCalledWith('g', [
      { producerId: 'p', topic: 't', fromSeq: 2, toSeq: 4 },
    ]);
    expect(gaps).toEqual([
      { producerId: 'p', topic: 't', fromSeq: 2, toSeq: 2 },
      { producerId: 'p', topic: 't', fromSeq: 4, toSeq: 4 },
    ]);
  });

  it('should leave a gap another process of the group stored first to that process', async () => {
    store.saveGap.mockResolvedValueOnce(undefined);
    await internals().checkpoint();
    expect(store.saveGap).toHaveBeenCalledWith('g', {
      producerId: 'p',
      topic: 't',
      fromSeq: 2,
      toSeq: 4,
    });
    expect(gaps).toEqual([]);
  });

  it('should report the gaps it could not store rather than lose them', async () => {
    store.saveGap.mockRejectedValueOnce(new Error('connection lost'));
    await internals().checkpoint();
    expect(gaps).toEqual([{ producerId: 'p', topic: 't', fromSeq: 2, toSeq: 4 }]);
    expect(errors).toHaveLength(1);
  });

  it('should go on with the checkpoint when onGap throws', async () => {
    const failing = new Error('alerting is down');
    (sut as unknown as { options: { onGap(g: Gap): void } }).options.onGap = () => {
      throw failing;
    };
    await internals().checkpoint();
    expect(errors).toEqual([failing]);
    expect(store.saveWatermarks).toHaveBeenCalled();
  });

  it('should report nothing while the inbox cannot be read, and the gap once it can', async () => {
    store.handledInGaps.mockRejectedValueOnce(new Error('connection lost'));
    await internals().checkpoint();
    expect(gaps).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(store.saveGap).not.toHaveBeenCalled();
    await internals().checkpoint();
    expect(gaps).toEqual([{ producerId: 'p', topic: 't', fromSeq: 2, toSeq: 4 }]);
    expect(store.saveGap).toHaveBeenCalledWith('g', gaps[0]);
  });
});
