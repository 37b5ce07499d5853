import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DELIVERY_BATCH_SIZE, DeliveryService } from './delivery.service';

/** Batches delivered at once by one instance. */
const MAX_CONCURRENT_BATCHES = 4;
/**
 * Confirms arriving within this window share one claim and one completion transaction: under
 * load that divides the delivery's database work by the batch size, for a few ms of latency.
 */
const GATHER_MS = 2;
/** A sweep stops after this many batches so that one run cannot hog a worker. */
const MAX_BATCHES_PER_SWEEP = 50;

/**
 * The in-process hand-off from confirm to send: confirmed ids are queued in memory and delivered
 * in batches, several batches at a time, so a burst of confirms becomes a few claims and a few
 * completion transactions. Nothing here is durable, nor needs to be: a lost id is still
 * CONFIRMED and due in MySQL, and the next sweep delivers it.
 */
@Injectable()
export class DeliveryDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger('DeliveryDispatcher');
  private readonly pending = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private gathering?: NodeJS.Timeout;

  constructor(private readonly delivery: DeliveryService) {}

  /** Queues ids for delivery now (they are claimed only if due). */
  schedule(ids: string[]): void {
    if (this.closed) return;
    for (const id of ids) this.pending.add(id);
    if (this.pending.size >= DELIVERY_BATCH_SIZE) {
      this.pump();
      return;
    }
    this.gathering ??= setTimeout(() => {
      this.gathering = undefined;
      this.pump();
    }, GATHER_MS);
  }

  /** Delivers every due message, batch by batch; returns how many were attempted. */
  async sweep(): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES_PER_SWEEP && !this.closed; i++) {
      const n = await this.delivery.deliverDue(DELIVERY_BATCH_SIZE);
      total += n;
      if (n < DELIVERY_BATCH_SIZE) break;
    }
    return total;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.gathering);
    await Promise.allSettled([...this.inFlight]);
  }

  private pump(): void {
    while (this.pending.size > 0 && this.inFlight.size < MAX_CONCURRENT_BATCHES) {
      const batch: string[] = [];
      for (const id of this.pending) {
        batch.push(id);
        this.pending.delete(id);
        if (batch.length === DELIVERY_BATCH_SIZE) break;
      }
      const run: Promise<void> = this.delivery
        .deliverIds(batch)
        .then(() => undefined)
        .catch((error: unknown) => {
          // The ids stay CONFIRMED and due in MySQL: the sweep picks them up.
          this.logger.warn(
            `delivery of ${batch.length} message(s) deferred to the sweep: ${(error as Error).message}`,
          );
        })
        .finally(() => {
          this.inFlight.delete(run);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }
}
