import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { JobQueue } from '../queue/job-queue';
import { AfterCommit } from '../state/after-commit';
import { DeliveryDispatcher } from './delivery-dispatcher';

/**
 * Hand-offs to the job queue not yet acknowledged by Redis, at most: while Redis is down each
 * would wait in memory; past this the ids are left to the sweep.
 */
export const MAX_QUEUED_HAND_OFFS = 1_000;

/**
 * Starts delivery right after a confirm commits: registered with `AfterCommit` as the hand-off of
 * confirmed messages. An instance that runs workers delivers in process; an API-only instance
 * hands the ids to the workers through a BullMQ job. Either way a failure here is only logged:
 * the message is CONFIRMED and due in MySQL, so the sweep sends it.
 */
@Injectable()
export class DeliveryTrigger implements OnModuleInit {
  private readonly logger = new Logger('DeliveryTrigger');
  private queued = 0;

  constructor(
    private readonly afterCommit: AfterCommit,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.afterCommit.onConfirmed((ids) => this.confirmed(ids));
    if (this.config.role !== 'api') {
      // Delivery runs here: a confirming write may claim its messages for the first attempt.
      this.afterCommit.onClaimOnWrite({
        leaseMs: this.config.claimTimeoutMs,
        room: () => this.dispatcher.room(),
        deliver: (messages) => this.dispatcher.deliverClaimed(messages),
      });
    }
  }

  confirmed(ids: string[]): void {
    if (this.config.role !== 'api') {
      this.dispatcher.schedule(ids);
      return;
    }
    if (this.queued >= MAX_QUEUED_HAND_OFFS) return; // the sweep delivers them
    this.queued++;
    this.queue
      .handOff(ids)
      .catch((error: unknown) => {
        this.logger.warn(
          `hand-off of ${ids.length} message(s) deferred to the sweep: ${(error as Error).message}`,
        );
      })
      .finally(() => this.queued--);
  }
}
