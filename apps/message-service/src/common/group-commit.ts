/** Writes together in one transaction at most. */
export const MAX_BATCH = 64;
/** Transactions in flight at once per batcher. */
export const MAX_IN_FLIGHT = 1;

interface Waiter<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: concurrent writes of the same kind share one transaction and one commit, so the
 * database does a fraction of the work per message. Nobody is answered before the commit that
 * holds their write. When a shared write fails, `single` (if given) writes each one alone so
 * that every caller gets its own outcome.
 */
export class GroupCommit<I, O> {
  private readonly queue: Waiter<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private readonly many: (inputs: I[]) => Promise<O[]>,
    private readonly single?: {
      retryWhen: (error: unknown) => boolean;
      write: (input: I) => Promise<O>;
    },
  ) {}

  write(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Waiter<I, O>[]): Promise<void> {
    try {
      const outputs = await this.many(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(outputs[i]));
    } catch (error) {
      if (batch.length === 1 || !this.single?.retryWhen(error)) {
        batch.forEach((w) => w.reject(error));
        return;
      }
      for (const w of batch)
        await this.single.write(w.input).then(
          (output) => w.resolve(output),
          (error: unknown) => w.reject(error),
        );
    }
  }
}
