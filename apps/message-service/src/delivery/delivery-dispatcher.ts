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
 * Ids waiting for a batch, at most. While the MQ or MySQL is slow, confirms can outpace delivery;
 * past this the ids are left to the sweep (they are CONFIRMED and due in MySQL), so memory stays
 * bounded however long the outage.
 */
export const MAX_PENDING_HAND_OFFS = 10_000;

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
  private dropped = 0;
  private droppedLogged = false;
  /** Ids were left to MySQL since the last claim of due messages came back short. */
  private overflowed = false;
  private draining = false;

  constructor(private readonly delivery: DeliveryService) {}

  /** Queues ids for delivery now (they are claimed only if due). */
  schedule(ids: string[]): void {
    if (this.closed) return;
    for (const id of ids) {
      if (this.pending.size >= MAX_PENDING_HAND_OFFS) {
        this.dropped += 1;
        this.overflowed = true;
        continue;
      }
      this.pending.add(id);
    }
    if (this.dropped > 0 && !this.droppedLogged) {
      this.droppedLogged = true;
      this.logger.warn(
        `over ${MAX_PENDING_HAND_OFFS} confirms waiting: the sweep delivers the rest`,
      );
    }
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

  /** Ids waiting for a batch right now. */
  get waiting(): number {
    return this.pending.size;
  }

  private pump(): void {
    if (this.pending.size < MAX_PENDING_HAND_OFFS / 2) this.droppedLogged = false;
    this.drainOverflow();
    // Once shutting down, only batches already in flight finish; the rest stays due in MySQL.
    while (!this.closed && this.pending.size > 0 && this.inFlight.size < MAX_CONCURRENT_BATCHES) {
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

  /**
   * Claims the ids left to MySQL (they are CONFIRMED and due, oldest first) batch by batch beside
   * the ids in memory, without waiting for the next sweep; one such claim at a time, since two
   * would pick the same candidates. Stops at a short claim unless more ids overflowed meanwhile.
   */
  private drainOverflow(): void {
    if (!this.overflowed || this.draining || this.closed) return;
    if (this.inFlight.size >= MAX_CONCURRENT_BATCHES) return;
    this.draining = true;
    const droppedBefore = this.dropped;
    const run: Promise<void> = this.delivery
      .deliverDue(DELIVERY_BATCH_SIZE)
      .then((n) => {
        if (n < DELIVERY_BATCH_SIZE && this.dropped === droppedBefore) this.overflowed = false;
      })
      .catch((error: unknown) => {
        this.overflowed = false; // the sweep retries
        this.logger.warn(`claim of overflowed messages failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.draining = false;
        this.inFlight.delete(run);
        this.pump();
      });
    this.inFlight.add(run);
  }
}
