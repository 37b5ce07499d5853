/** A run of sequence numbers a consumer never received: `fromSeq`..`toSeq` inclusive. */
export interface Gap {
  producerId: string;
  topic: string;
  fromSeq: number;
  toSeq: number;
}

interface Hole {
  from: number;
  to: number;
  /** When the hole was first seen open. */
  since: number;
}

/** One (producer, topic): the contiguous watermark and what was seen or given up above it. */
class Sequence {
  /** Every seq up to here was received (or reported missing). */
  watermark: number;
  max: number;
  readonly above = new Set<number>();
  holes: Hole[] = [];
  /** Reported holes above the watermark: the watermark may pass them. */
  skipped: { from: number; to: number }[] = [];

  constructor(watermark: number) {
    this.watermark = watermark;
    this.max = watermark;
  }

  observe(seq: number, now: number): void {
    if (seq <= this.watermark || this.above.has(seq)) return;
    if (this.skipped.some((s) => seq >= s.from && seq <= s.to)) return;
    if (seq > this.max) {
      if (seq > this.max + 1) this.holes.push({ from: this.max + 1, to: seq - 1, since: now });
      this.max = seq;
    } else {
      const i = this.holes.findIndex((h) => seq >= h.from && seq <= h.to);
      if (i >= 0) {
        const h = this.holes[i];
        const parts = [
          { from: h.from, to: seq - 1, since: h.since },
          { from: seq + 1, to: h.to, since: h.since },
        ].filter((p) => p.from <= p.to);
        this.holes.splice(i, 1, ...parts);
      }
    }
    this.above.add(seq);
    this.advance();
  }

  /** Holes open for `windowMs` or longer (left open). */
  peekDue(now: number, windowMs: number): { from: number; to: number }[] {
    return this.holes
      .filter((h) => now - h.since >= windowMs)
      .map(({ from, to }) => ({ from, to }));
  }

  /** Holes open for `windowMs` or longer: reported now, and from then on passed over. */
  takeDue(now: number, windowMs: number): { from: number; to: number }[] {
    const due = this.holes.filter((h) => now - h.since >= windowMs);
    if (due.length === 0) return [];
    this.holes = this.holes.filter((h) => !due.includes(h));
    for (const h of due) this.skip(h.from, h.to);
    return due.map(({ from, to }) => ({ from, to }));
  }

  skip(from: number, to: number): void {
    if (to <= this.watermark) return;
    this.skipped.push({ from: Math.max(from, this.watermark + 1), to });
    this.max = Math.max(this.max, to);
    this.advance();
  }

  private advance(): void {
    for (;;) {
      if (this.above.delete(this.watermark + 1)) {
        this.watermark++;
        continue;
      }
      const i = this.skipped.findIndex((s) => s.from === this.watermark + 1);
      if (i < 0) return;
      this.watermark = this.skipped[i].to;
      this.skipped.splice(i, 1);
    }
  }
}

/**
 * Gap detection on `rms-seq` per (producer, topic): the service numbers each producer's messages
 * per topic 1, 2, 3… without holes, so a number that stays missing while later ones arrived is a
 * message this consumer never got (or one that ended FAILED, on purpose). A hole still open after
 * `windowMs` is reported once; a late arrival before then closes it without a report.
 */
export class GapTracker {
  private readonly sequences = new Map<string, Sequence>();

  constructor(private readonly windowMs: number) {}

  /**
   * Where a (producer, topic) resumes: its persisted watermark, what was received above it, and
   * the holes already reported. Without any, tracking starts at the first number received.
   */
  restore(producerId: string, topic: string, state: RestoredSequence): void {
    const s = new Sequence(state.watermark);
    for (const g of state.reported) s.skip(g.fromSeq, g.toSeq);
    const now = Date.now();
    for (const seq of [...state.received].sort((a, b) => a - b)) s.observe(seq, now);
    this.sequences.set(key(producerId, topic), s);
  }

  observe(producerId: string, topic: string, seq: number, now = Date.now()): void {
    const k = key(producerId, topic);
    let s = this.sequences.get(k);
    if (!s) {
      s = new Sequence(seq - 1);
      this.sequences.set(k, s);
    }
    s.observe(seq, now);
  }

  /** The holes that are due now, left open (to be checked before `due` reports them). */
  dueSoon(now = Date.now()): Gap[] {
    return this.collect((s) => s.peekDue(now, this.windowMs));
  }

  /** The holes to report now (each once). */
  due(now = Date.now()): Gap[] {
    return this.collect((s) => s.takeDue(now, this.windowMs));
  }

  private collect(holes: (s: Sequence) => { from: number; to: number }[]): Gap[] {
    const gaps: Gap[] = [];
    for (const [k, s] of this.sequences) {
      const [producerId, topic] = k.split('\u0000');
      for (const h of holes(s)) gaps.push({ producerId, topic, fromSeq: h.from, toSeq: h.to });
    }
    return gaps;
  }

  /** Each (producer, topic)'s contiguous watermark, for persisting. */
  watermarks(): { producerId: string; topic: string; watermark: number }[] {
    return [...this.sequences].map(([k, s]) => {
      const [producerId, topic] = k.split('\u0000');
      return { producerId, topic, watermark: s.watermark };
    });
  }
}

export interface RestoredSequence {
  watermark: number;
  received: number[];
  reported: { fromSeq: number; toSeq: number }[];
}

const key = (producerId: string, topic: string) => `${producerId}\u0000${topic}`;
