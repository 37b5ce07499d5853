/** Where and how a consumer reports what it handled to the service (`POST /v1/receipts`). */
export interface ReceiptOptions {
  /** The service, e.g. `http://rms:3000`. */
  baseUrl: string;
  /** The consumer group's API key (`rmsc_…`), from `POST /v1/admin/consumer-groups`. */
  apiKey: string;
  /** How often handled numbers are sent; default 1,000 ms. */
  flushMs?: number;
}

type Range = [number, number];

/** Where the numbers a group handled are kept (its inbox), for catching up after a crash. */
export interface HandledSeqs {
  pairs(): Promise<{ producerId: string; topic: string }[]>;
  seqs(
    producerId: string,
    topic: string,
    holes: [number, number | null][],
    after: number,
    limit: number,
  ): Promise<number[]>;
}

/** Ranges per request, as the service accepts them. */
const MAX_RANGES = 1000;
const TIMEOUT_MS = 5_000;
/** How often the inbox is compared with what the service holds; and numbers read per page. */
const CATCH_UP_EVERY_MS = 60_000;
const CATCH_UP_PAGE = 10_000;

/** The runs above the watermark that the ranges do not hold; the last one has no end. */
function holesAbove(state: { watermark: number; ranges: Range[] }): [number, number | null][] {
  const holes: [number, number | null][] = [];
  let next = state.watermark + 1;
  for (const [from, to] of state.ranges) {
    if (from > next) holes.push([next, from - 1]);
    next = to + 1;
  }
  holes.push([next, null]);
  return holes;
}

/** Sorted, merged ranges of a set of numbers. */
function toRanges(seqs: Iterable<number>): Range[] {
  const ranges: Range[] = [];
  for (const n of [...seqs].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && n <= last[1] + 1) last[1] = Math.max(last[1], n);
    else ranges.push([n, n]);
  }
  return ranges;
}

/** A receipt the service refused for good (400 or 413): retrying cannot help. */
export class ReceiptRefusedError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ReceiptRefusedError';
  }
}

/**
 * Collects the `rms-seq` numbers of handled messages per (producer, topic) and sends them to the
 * service as ranges, batched every `flushMs`. At least once: what was not acknowledged (network
 * error, 5xx, 429) is sent again with the next batch; the service keeps the union, so a repeat
 * is harmless. A refused report (400, 413) is dropped and passed to `onError`. With the inbox, it also
 * catches up at start and every minute: what the inbox holds and the service does not (numbers
 * of a process that died before it sent them) is sent again.
 */
export class ReceiptReporter {
  private readonly pending = new Map<string, Set<number>>();
  private timer?: NodeJS.Timeout;
  private catchUpTimer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private catchingUp?: Promise<void>;

  constructor(
    private readonly options: ReceiptOptions,
    private readonly onError: (error: unknown) => void,
    private readonly handled?: HandledSeqs,
  ) {}

  add(producerId: string, topic: string, seq: number): void {
    const key = `${producerId}\u0000${topic}`;
    let seqs = this.pending.get(key);
    if (!seqs) this.pending.set(key, (seqs = new Set()));
    seqs.add(seq);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? 1000);
    if (this.handled) {
      void this.catchUp();
      this.catchUpTimer = setInterval(() => void this.catchUp(), CATCH_UP_EVERY_MS);
    }
  }

  /** Sends what the inbox holds above what the service has; one run at a time. */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.replay()
      .catch((error: unknown) => this.onError(error))
      .finally(() => (this.catchingUp = undefined));
    return this.catchingUp;
  }

  /** Sends what is pending; waits for a flush already under way first. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = this.send().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** Stops the timer and sends what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.catchUpTimer);
    await this.catchingUp;
    await this.flush();
  }

  private async replay(): Promise<void> {
    for (const { producerId, topic } of await this.handled!.pairs()) {
      const holes = holesAbove(await this.reported(producerId, topic));
      for (let after = 0; ;) {
        const seqs = await this.handled!.seqs(producerId, topic, holes, after, CATCH_UP_PAGE);
        for (const n of seqs) this.add(producerId, topic, n);
        await this.flush();
        if (seqs.length < CATCH_UP_PAGE) break;
        after = seqs[seqs.length - 1];
      }
    }
  }

  /** What the service holds of one (producer, topic) for this group. */
  private async reported(
    producerId: string,
    topic: string,
  ): Promise<{ watermark: number; ranges: Range[] }> {
    const url = new URL('/v1/receipts', this.options.baseUrl);
    url.search = new URLSearchParams({ producerId, topic }).toString();
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${this.options.apiKey}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) {
      throw new Error(
        `receipts of ${producerId}/${topic}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`,
      );
    }
    return (await response.json()) as { watermark: number; ranges: Range[] };
  }

  private async send(): Promise<void> {
    for (const [key, seqs] of [...this.pending]) {
      const [producerId, topic] = key.split('\u0000');
      const ranges = toRanges(seqs);
      for (let i = 0; i < ranges.length; i += MAX_RANGES) {
        const chunk = ranges.slice(i, i + MAX_RANGES);
        try {
          await this.post(producerId, topic, chunk);
        } catch (error) {
          this.onError(error);
          // Kept, and sent again next time, unless the service refused these numbers for good.
          if (!(error instanceof ReceiptRefusedError)) continue;
        }
        for (const [from, to] of chunk) for (let n = from; n <= to; n++) seqs.delete(n);
      }
      if (seqs.size === 0) this.pending.delete(key);
    }
  }

  private async post(producerId: string, topic: string, ranges: Range[]): Promise<void> {
    const response = await fetch(new URL('/v1/receipts', this.options.baseUrl), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.options.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ topic, producerId, ranges }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const text = await response.text().catch(() => '');
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    const message = `receipts for ${producerId}/${topic}: HTTP ${response.status} ${text.slice(0, 200)}`;
    // 400 and 413: these numbers will never be accepted. Anything else (a key being rotated, a
    // group re-enabled, 429, 5xx) may pass later.
    if (response.status === 400 || response.status === 413) {
      throw new ReceiptRefusedError(response.status, code, message);
    }
    throw new Error(message);
  }
}
