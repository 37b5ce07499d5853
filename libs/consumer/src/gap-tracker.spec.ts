import { GapTracker } from './gap-tracker';

describe(GapTracker.name, () => {
  const W = 1000;
  let sut: GapTracker;
  beforeEach(() => (sut = new GapTracker(W)));

  const observe = (seqs: number[], at: number) => seqs.forEach((s) => sut.observe('p', 't', s, at));

  it('should report a hole once, after the window', () => {
    observe([1, 2, 4, 5], 0);
    expect(sut.due(W - 1)).toEqual([]);
    expect(sut.due(W)).toEqual([{ producerId: 'p', topic: 't', fromSeq: 3, toSeq: 3 }]);
    expect(sut.due(10 * W)).toEqual([]);
    expect(sut.watermarks()).toEqual([{ producerId: 'p', topic: 't', watermark: 5 }]);
  });

  it('should close a hole without a report when the late message arrives within the window', () => {
    observe([1, 3, 2], 0);
    observe([6, 4], 10);
    sut.observe('p', 't', 5, W - 1);
    expect(sut.due(5 * W)).toEqual([]);
    expect(sut.watermarks()[0].watermark).toBe(6);
  });

  it('should report the parts of a wide hole that stay open, once each', () => {
    observe([1, 10], 0);
    observe([5], 500);
    expect(sut.due(W)).toEqual([
      { producerId: 'p', topic: 't', fromSeq: 2, toSeq: 4 },
      { producerId: 'p', topic: 't', fromSeq: 6, toSeq: 9 },
    ]);
    // A reported number arriving late changes nothing.
    observe([3], 2 * W);
    expect(sut.due(3 * W)).toEqual([]);
    expect(sut.watermarks()[0].watermark).toBe(10);
  });

  it('should keep producers and topics apart, and ignore repeats', () => {
    observe([1, 2, 2, 1], 0);
    sut.observe('q', 't', 7, 0);
    sut.observe('q', 't', 9, 0);
    sut.observe('p', 'u', 1, 0);
    expect(sut.due(W)).toEqual([{ producerId: 'q', topic: 't', fromSeq: 8, toSeq: 8 }]);
  });

  it('should resume from a restored state without reporting a reported hole again', () => {
    sut.restore('p', 't', {
      watermark: 10,
      received: [12, 15],
      reported: [{ fromSeq: 11, toSeq: 11 }],
    });
    sut.observe('p', 't', 16, 0);
    expect(sut.watermarks()[0].watermark).toBe(12);
    expect(sut.due(Date.now() + W)).toEqual([
      { producerId: 'p', topic: 't', fromSeq: 13, toSeq: 14 },
    ]);
  });
});
