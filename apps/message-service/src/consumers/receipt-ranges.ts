/** An inclusive run of sequence numbers, `[from, to]`. */
export type SeqRange = [number, number];

/** What a group reported of one (producer, topic): every seq up to `watermark`, and `ranges` above. */
export interface ReceiptState {
  watermark: number;
  /** Sorted, disjoint, not adjacent, all starting above `watermark + 1`. */
  ranges: SeqRange[];
}

/**
 * The union of a stored state and newly reported ranges, compacted: ranges that overlap or touch
 * merge, and a range that reaches `watermark + 1` moves the watermark. Idempotent, and the order
 * in which reports arrive does not matter.
 */
export function mergeReceipts(state: ReceiptState, reported: SeqRange[]): ReceiptState {
  const all = [...state.ranges, ...reported]
    .filter(([, to]) => to > state.watermark)
    .map(([from, to]): SeqRange => [Math.max(from, state.watermark + 1), to])
    .sort((a, b) => a[0] - b[0]);
  const merged: SeqRange[] = [];
  for (const [from, to] of all) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  let watermark = state.watermark;
  while (merged.length > 0 && merged[0][0] === watermark + 1) watermark = merged.shift()![1];
  return { watermark, ranges: merged };
}

/** How many numbers the ranges hold. */
export const countInRanges = (ranges: SeqRange[]): number =>
  ranges.reduce((n, [from, to]) => n + to - from + 1, 0);

/**
 * The runs of numbers in `(watermark, upTo]` that the state does not hold: where a group's
 * missing messages can be.
 */
export function holesOf(state: ReceiptState, upTo: number): SeqRange[] {
  const holes: SeqRange[] = [];
  let next = state.watermark + 1;
  for (const [from, to] of state.ranges) {
    if (next > upTo) break;
    if (from > next) holes.push([next, Math.min(from - 1, upTo)]);
    next = to + 1;
  }
  if (next <= upTo) holes.push([next, upTo]);
  return holes;
}
