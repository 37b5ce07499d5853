import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ClaimedMessage } from '../state/delivery-claims';
import { ClaimedBatches } from './claimed-batches';
import { DELIVERY_BATCH_SIZE, DeliveryService } from './delivery.service';

/** Batches delivered at once by one instance. */
export const MAX_CONCURRENT_BATCHES = 2;
/**
 * Confirms arriving within this window share one claim and one completion transaction: under
 * load that divides the delivery's database work by the batch size, for a few ms of latency.
 */
const GATHER_MS = 2;
/**
 * Due messages claimed at once from MySQL (a sweep, or ids that overflowed): a backlog after an
 * outage drains in big batches, claimed one after another, sent and completed side by side.
 */
export const DRAIN_BATCH_SIZE = 500;
/** Drained batches being sent and completed while the next is claimed. */
export const DRAIN_IN_FLIGHT = 3;
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
export class DeliveryDispatcher implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeliveryDispatcher');
  private readonly pending = new Set<string>();
  /** Messages claimed by the write that confirmed them, on their way to their first attempt. */
  private readonly claimed = new ClaimedBatches((batch) =>
    this.track(this.delivery.attempt(batch), batch.length, this.claimedInFlight),
  );
  /** Batches of ids and drained batches in flight (their limits count these only). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Batches of messages claimed on write in flight (`ClaimedBatches` limits them). */
  private readonly claimedInFlight = new Set<Promise<void>>();
  private closed = false;
  /** Set at the first hook of the stop: a drain claims no more (ids are still delivered). */
  private stopping = false;
  private gathering?: NodeJS.Timeout;
  private dropped = 0;
  private droppedLogged = false;
  /** Ids were left to MySQL since a claim of due messages last found fewer than it asked for. */
  private overflowed = false;
  private draining?: Promise<number>;

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

  /**
   * How many more messages claimed on write this dispatcher takes now (see `ClaimedBatches`),
   * within MAX_PENDING_HAND_OFFS with the ids waiting; beyond it a write claims nothing and hands
   * its messages off by id, which the sweep backs.
   */
  room(): number {
    return Math.min(
      this.claimed.room(),
      Math.max(0, MAX_PENDING_HAND_OFFS - this.pending.size - this.claimed.length),
    );
  }

  /**
   * Queues messages already claimed (by the write that confirmed them) for their first attempt,
   * without a claim of their own. Never dropped: a write claims only what `room` allows, and a
   * message claimed while closing is sent at once.
   */
  deliverClaimed(messages: ClaimedMessage[]): void {
    this.claimed.push(messages);
  }

  /**
   * Delivers every due message (the sweep): claims them batch by batch until a claim finds fewer
   * than it asks for or takes none, while earlier batches are sent; returns how many were
   * claimed. A sweep while a drain is under way joins it.
   */
  sweep(): Promise<number> {
    this.overflowed = true;
    return this.drainOverflow();
  }

  /**
   * A drain under way (a sweep's) claims no more batches: what it leaves stays due in MySQL. On
   * the first hook of the stop, since the job workers wait for a running sweep in theirs
   * (`beforeApplicationShutdown`), which Nest calls before this module's. Ids handed off
   * meanwhile (confirmed by a check-back, next in their group) are still delivered.
   */
  onModuleDestroy(): void {
    this.stopping = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.closed = true;
    clearTimeout(this.gathering);
    // Claimed messages are sent: left here they would wait out their lease.
    this.claimed.close();
    // Until nothing is in flight (a write that committed meanwhile, a drain's last claim included).
    while (this.inFlight.size + this.claimedInFlight.size > 0 || this.draining) {
      await Promise.allSettled([...this.inFlight, ...this.claimedInFlight, this.draining]);
    }
  }

  /** Ids and claimed messages waiting for a batch right now. */
  get waiting(): number {
    return this.pending.size + this.claimed.length;
  }

  private pump(): void {
    if (this.pending.size < MAX_PENDING_HAND_OFFS / 2) this.droppedLogged = false;
    void this.drainOverflow();
    // Once shutting down, only batches already in flight finish; the rest stays due in MySQL.
    while (!this.closed && this.pending.size > 0 && this.inFlight.size < MAX_CONCURRENT_BATCHES) {
      const batch: string[] = [];
      for (const id of this.pending) {
        batch.push(id);
        this.pending.delete(id);
        if (batch.length === DELIVERY_BATCH_SIZE) break;
      }
      void this.track(this.delivery.deliverIds(batch), batch.length);
    }
  }

  /**
   * Claims due messages from MySQL (the ids left to it, and whatever else is due, oldest first)
   * in batches of DRAIN_BATCH_SIZE, without waiting for the next sweep. Claims go one after
   * another, since two at once would pick the same candidates; their sends and completions run
   * side by side with the batches in memory. Stops once a claim found fewer due messages than it
   * asked for, or could take none of them (other claims hold them: theirs to send), unless more
   * ids overflowed meanwhile. A claim that took fewer than it found (rows held by a claim of ids
   * under way) does not stop it: the due messages past its candidates would wait for the sweep.
   */
  private drainOverflow(): Promise<number> {
    if (this.draining) return this.draining;
    if (!this.overflowed || this.stopping) return Promise.resolve(0);
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      this.pump();
    });
    return this.draining;
  }

  private async drain(): Promise<number> {
    let total = 0;
    while (this.overflowed && !this.stopping) {
      while (this.inFlight.size >= DRAIN_IN_FLIGHT) await Promise.race(this.inFlight);
      if (this.stopping) break;
      const droppedBefore = this.dropped;
      let claimed: ClaimedMessage[];
      let more: boolean;
      try {
        ({ messages: claimed, more } = await this.delivery.claimDue(DRAIN_BATCH_SIZE));
      } catch (error) {
        this.overflowed = false; // the next sweep tries again
        this.logger.warn(`claim of due messages failed: ${(error as Error).message}`);
        break;
      }
      if ((!more || claimed.length === 0) && this.dropped === droppedBefore) {
        this.overflowed = false;
      }
      if (claimed.length === 0) break;
      total += claimed.length;
      void this.track(this.delivery.attempt(claimed), claimed.length);
    }
    return total;
  }

  /**
   * Keeps a batch's delivery in flight until it is done; a failure leaves it to the sweep.
   * The promise returned settles with it and never rejects.
   */
  private track(delivery: Promise<unknown>, size: number, inFlight = this.inFlight): Promise<void> {
    const run: Promise<void> = delivery
      .then(() => undefined)
      .catch((error: unknown) => {
        // The ids stay CONFIRMED and due in MySQL: the sweep picks them up.
        this.logger.warn(
          `delivery of ${size} message(s) deferred to the sweep: ${(error as Error).message}`,
        );
      })
      .finally(() => {
        inFlight.delete(run);
        this.pump();
      });
    inFlight.add(run);
    return run;
  }
}
