import { holesOf, mergeReceipts, ReceiptState, SeqRange } from './receipt-ranges';

const empty: ReceiptState = { watermark: 0, ranges: [] };

describe(mergeReceipts.name, () => {
  it('should move the watermark over a range that starts right after it', () => {
    expect(mergeReceipts(empty, [[1, 5]])).toEqual({ watermark: 5, ranges: [] });
  });

  it('should keep a range above a hole, and close the hole when it arrives', () => {
    const withHole = mergeReceipts(empty, [
      [1, 3],
      [6, 9],
    ]);
    expect(withHole).toEqual({ watermark: 3, ranges: [[6, 9]] });
    expect(mergeReceipts(withHole, [[4, 5]])).toEqual({ watermark: 9, ranges: [] });
  });

  it('should merge overlapping and touching ranges', () => {
    expect(
      mergeReceipts({ watermark: 2, ranges: [[10, 12]] }, [
        [5, 8],
        [7, 9],
        [13, 13],
        [20, 21],
      ]),
    ).toEqual({
      watermark: 2,
      ranges: [
        [5, 13],
        [20, 21],
      ],
    });
  });

  it('should ignore what is at or below the watermark, and repeated reports', () => {
    const state = mergeReceipts(empty, [
      [1, 4],
      [8, 8],
    ]);
    expect(
      mergeReceipts(state, [
        [1, 4],
        [2, 3],
        [8, 8],
      ]),
    ).toEqual(state);
    expect(mergeReceipts(state, [[3, 6]])).toEqual({ watermark: 6, ranges: [[8, 8]] });
  });

  it('should give the same state whatever the order of the reports', () => {
    const reports: SeqRange[] = [
      [7, 9],
      [1, 2],
      [4, 4],
      [3, 3],
      [12, 15],
      [5, 6],
      [14, 20],
    ];
    const expected = { watermark: 9, ranges: [[12, 20]] };
    for (let shift = 0; shift < reports.length; shift++) {
      const order = [...reports.slice(shift), ...reports.slice(0, shift)].reverse();
      let state = empty;
      for (const r of order) state = mergeReceipts(state, [r]);
      expect(state).toEqual(expected);
    }
  });
});

describe(holesOf.name, () => {
  it('should list the runs not reported up to a number', () => {
    const state: ReceiptState = {
      watermark: 3,
      ranges: [
        [6, 7],
        [10, 10],
      ],
    };
    expect(holesOf(state, 12)).toEqual([
      [4, 5],
      [8, 9],
      [11, 12],
    ]);
    expect(holesOf(state, 8)).toEqual([
      [4, 5],
      [8, 8],
    ]);
    expect(holesOf({ watermark: 5, ranges: [] }, 5)).toEqual([]);
  });
});
