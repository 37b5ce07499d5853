import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessageView } from '../../contracts/src/message-view';
import { BarrierState, BarrierTable, DEFAULT_BARRIER_TABLE, isDuplicateKey } from './barrier';
import { MsgLogIdInUseError, NotCommittedError, RolledBackByCheckBackError } from './errors';
import { PrepareRequest, RmsClient } from './rms-client';

/** Where the publisher reports what it leaves to check-back (a failed confirm or cancel). */
export interface PublisherLogger {
  warn(message: string): void;
}

export interface TransactionalPublisherOptions {
  client: RmsClient;
  /** The business's own TypeORM DataSource (MySQL, MariaDB or PostgreSQL). */
  dataSource: DataSource;
  /** The barrier table; default `rms_msg_log`. */
  table?: string;
  /** Default: `console`. */
  logger?: PublisherLogger;
  /** How long barrier rows are kept (`cleanup`'s default); default 7 days. */
  barrierRetentionMs?: number;
}

/** A message to publish; `msgLogId` defaults to a fresh UUID. */
export type PublishRequest = Omit<PrepareRequest, 'msgLogId' | 'confirmed'> & { msgLogId?: string };

export interface Published<T> {
  /** What `work` returned. */
  result: T;
  /** The message as prepared (PENDING; it is confirmed right after the commit). */
  message: MessageView;
}

/**
 * Publishes a message if and only if the business transaction commits:
 * prepare → begin → barrier row (COMMITTED) → `work` → commit → read the barrier → confirm or
 * cancel. The barrier row, read after the transaction, decides: present means committed (even if
 * the commit's answer was lost), absent means rolled back (even if `work` returned). A confirm or
 * cancel that fails is not the caller's problem: the service checks back, and the barrier row
 * answers. `work` must write through `tx` only: writes through another connection are not part of
 * the transaction.
 */
export class TransactionalPublisher {
  readonly barrier: BarrierTable;
  private readonly logger: PublisherLogger;

  constructor(private readonly options: TransactionalPublisherOptions) {
    this.barrier = new BarrierTable(
      options.dataSource,
      options.table ?? DEFAULT_BARRIER_TABLE,
      options.barrierRetentionMs,
    );
    this.logger = options.logger ?? console;
  }

  /** Creates the barrier table when it does not exist (or use `createBarrierMigration`). */
  ensureSchema(): Promise<void> {
    return this.barrier.ensure();
  }

  /**
   * Runs `work` in a transaction that also writes the message's barrier row, and publishes the
   * message when it commits. Throws what `work` threw (after rolling back and cancelling); the
   * prepare's `RmsError` (nothing was written; a PENDING message may exist and is cancelled by
   * the check-back); `RolledBackByCheckBackError`; `MsgLogIdInUseError`; or `NotCommittedError`.
   */
  async publish<T>(
    request: PublishRequest,
    work: (tx: EntityManager) => Promise<T>,
  ): Promise<Published<T>> {
    const msgLogId = request.msgLogId ?? randomUUID();
    const message = await this.options.client.prepare({ ...request, msgLogId, confirmed: false });
    let result: T | undefined;
    let failure: unknown;
    let barrierTaken = false;
    try {
      result = await this.options.dataSource.transaction(async (tx) => {
        try {
          await this.barrier.insertCommitted(tx, msgLogId, message.id);
        } catch (error) {
          barrierTaken = isDuplicateKey(error);
          throw error;
        }
        return work(tx);
      });
    } catch (error) {
      failure = error;
    }
    // What the database holds decides, not which way the code ran: a commit whose answer was
    // lost committed, and a transaction that `work` broke without throwing did not.
    let state: BarrierState;
    try {
      state = await this.barrier.decide(msgLogId, message.id);
    } catch (error) {
      this.warn('cannot read the barrier row', message, error);
      if (failure !== undefined) throw failure as Error;
      return { result: result as T, message };
    }
    if (state === 'COMMITTED') {
      if (barrierTaken) throw new MsgLogIdInUseError(msgLogId, message.id);
      await this.settle('confirm', message);
      if (failure !== undefined) throw failure as Error;
      return { result: result as T, message };
    }
    await this.settle('cancel', message);
    if (barrierTaken) throw new RolledBackByCheckBackError(msgLogId, message.id);
    throw (failure as Error | undefined) ?? new NotCommittedError(msgLogId, message.id);
  }

  /**
   * Deletes barrier rows older than the barrier retention (default 7 days), `batchSize` at a
   * time; returns how many. A check-back of a message older than the retention that finds no row
   * answers 500 (the service retries and alerts) rather than guess.
   */
  async cleanup(options: { batchSize?: number } = {}): Promise<number> {
    const olderThanMs = this.barrier.retentionMs;
    const batchSize = options.batchSize ?? 1000;
    let total = 0;
    for (;;) {
      const n = await this.barrier.deleteOlderThan(olderThanMs, batchSize);
      total += n;
      if (n < batchSize) return total;
    }
  }

  private async settle(action: 'confirm' | 'cancel', message: MessageView): Promise<void> {
    try {
      await this.options.client[action](message.id);
    } catch (error) {
      this.warn(`${action} failed`, message, error);
    }
  }

  private warn(what: string, message: MessageView, error: unknown): void {
    this.logger.warn(
      `@rms/client: ${what} for message ${message.id} (msgLogId ${message.msgLogId}); the ` +
        `service will check back: ${(error as Error).message}`,
    );
  }
}
