import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { StatusChange } from './message';

/** Where committed CONFIRMED messages are handed for delivery. */
export type DeliveryHandOff = (ids: string[]) => void;

/**
 * The one place for what follows a committed status change: the transition metrics, and the
 * hand-off of newly CONFIRMED messages to delivery. The delivery module registers the hand-off
 * (in process, or through the job queue); without one, the sweep finds the messages in MySQL.
 * Nothing here is durable, nor needs to be: MySQL already holds the change.
 */
@Injectable()
export class AfterCommit {
  private readonly logger = new Logger('AfterCommit');
  private handOff?: DeliveryHandOff;

  constructor(private readonly metrics: MetricsService) {}

  /** Registers where confirmed messages go; the last registration wins. */
  onConfirmed(handOff: DeliveryHandOff): void {
    this.handOff = handOff;
  }

  /** Records committed changes: counts each and hands the newly CONFIRMED to delivery. */
  committed(changes: StatusChange[]): void {
    if (changes.length === 0) return;
    const confirmed: string[] = [];
    for (const c of changes) {
      this.metrics.transition(c.to, c.producerId, c.topic);
      if (c.to === 'CONFIRMED') confirmed.push(c.messageId);
    }
    this.due(confirmed);
  }

  /**
   * Hands CONFIRMED messages that have just become deliverable to delivery without a status
   * change of their own (the next message of a group, once the one before it is SENT).
   */
  due(ids: string[]): void {
    if (ids.length === 0 || !this.handOff) return;
    try {
      this.handOff(ids);
    } catch (error) {
      // The messages are CONFIRMED and due in MySQL: the sweep delivers them.
      this.logger.warn(`hand-off deferred to the sweep: ${(error as Error).message}`);
    }
  }
}
