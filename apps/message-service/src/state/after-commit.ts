import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { ClaimedMessage } from './delivery-claims';
import { StatusChange } from './message';

/** Where committed CONFIRMED messages are handed for delivery. */
export type DeliveryHandOff = (ids: string[]) => void;

/**
 * Claim on write: an instance that delivers in process lets the transaction that confirms a
 * message (a `confirmed: true` prepare) also claim it for the first send attempt, as a claim
 * would (token, lease, attempt count, `seq`), and hands the claimed message, body and all, to
 * delivery: the happy path then needs no claim of its own. A claimed message that delivery never
 * sends (a crash) is due again when the lease runs out, like any claim.
 */
export interface ClaimOnWrite {
  /** The lease the claims take. */
  leaseMs: number;
  /** How many claimed messages delivery takes now; beyond that, writes claim nothing. */
  room(): number;
  /** Takes messages claimed by a committed write, for their first attempt. */
  deliver(messages: ClaimedMessage[]): void;
}

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
  private claimOnWrite?: ClaimOnWrite;

  constructor(private readonly metrics: MetricsService) {}

  /** Registers where confirmed messages go; the last registration wins. */
  onConfirmed(handOff: DeliveryHandOff): void {
    this.handOff = handOff;
  }

  /** Lets writes claim what they confirm (see `ClaimOnWrite`); the last registration wins. */
  onClaimOnWrite(receiver: ClaimOnWrite): void {
    this.claimOnWrite = receiver;
  }

  /** The receiver of claims made on write, when there is one with room for `count` messages. */
  claimsOnWrite(count: number): ClaimOnWrite | undefined {
    const receiver = this.claimOnWrite;
    return receiver && count > 0 && receiver.room() >= count ? receiver : undefined;
  }

  /**
   * Records committed changes: counts each and hands the newly CONFIRMED to delivery, those the
   * write claimed (`claimed`) as they are, the others by id but for those found `behind` their
   * group's head (the send of the one before them hands them off; see `behindTheirHeads`).
   */
  committed(
    changes: StatusChange[],
    claimed: ClaimedMessage[] = [],
    behind: ReadonlySet<string> = new Set(),
  ): void {
    if (changes.length === 0) return;
    const confirmed: string[] = [];
    const taken = new Set(claimed.map((m) => m.id));
    this.metrics.transitionsOf(changes);
    for (const c of changes) {
      if (c.to === 'CONFIRMED' && !taken.has(c.messageId) && !behind.has(c.messageId)) {
        confirmed.push(c.messageId);
      }
    }
    if (claimed.length > 0) {
      try {
        this.claimOnWrite!.deliver(claimed);
      } catch (error) {
        // Claimed in MySQL: due again when the lease runs out, and the sweep delivers them.
        this.logger.warn(`delivery of claimed messages deferred: ${(error as Error).message}`);
      }
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
