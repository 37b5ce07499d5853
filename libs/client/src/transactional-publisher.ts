import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessageView } from '../../contracts/src/message-view';
import { BarrierTable, DEFAULT_BARRIER_TABLE, isDuplicateKey } from './barrier';
import { RolledBackByCheckBackError } from './errors';
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
 * prepare → begin → barrier row (COMMITTED) → `work` → commit → confirm. When `work` throws, the
 * transaction rolls back and the message is cancelled. A confirm or cancel that fails is not the
 * caller's problem: the service checks back, and the barrier row (or its absence) answers.
 */
export class TransactionalPublisher {
  readonly barrier: BarrierTable;
  private readonly logger: PublisherLogger;

  constructor(private readonly options: TransactionalPublisherOptions) {
    this.barrier = new BarrierTable(options.dataSource, options.table ?? DEFAULT_BARRIER_TABLE);
    this.logger = options.logger ?? console;
  }

  /** Creates the barrier table when it does not exist (or use `createBarrierMigration`). */
  ensureSchema(): Promise<void> {
    return this.barrier.ensure();
  }

  /**
   * Runs `work` in a transaction that also writes the message's barrier row, and publishes the
   * message when it commits. Throws what `work` threw (after rolling back and cancelling), the
   * prepare's `RmsError` (nothing was done), or `RolledBackByCheckBackError`.
   */
  async publish<T>(
    request: PublishRequest,
    work: (tx: EntityManager) => Promise<T>,
  ): Promise<Published<T>> {
    const msgLogId = request.msgLogId ?? randomUUID();
    const message = await this.options.client.prepare({ ...request, msgLogId });
    let result: T;
    try {
      result = await this.options.dataSource.transaction(async (tx) => {
        try {
          await this.barrier.insertCommitted(tx, msgLogId, message.id);
        } catch (error) {
          if (isDuplicateKey(error)) throw new RolledBackByCheckBackError(msgLogId, message.id);
          throw error;
        }
        return work(tx);
      });
    } catch (error) {
      await this.settle('cancel', message);
      throw error;
    }
    await this.settle('confirm', message);
    return { result, message };
  }

  /**
   * Deletes barrier rows older than `olderThanMs` (default 7 days), `batchSize` at a time; returns
   * how many. Keep rows longer than the service may still check back: a check-back that finds no
   * row answers ROLLED_BACK.
   */
  async cleanup(options: { olderThanMs?: number; batchSize?: number } = {}): Promise<number> {
    const olderThanMs = options.olderThanMs ?? 7 * 24 * 3600 * 1000;
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
      this.logger.warn(
        `@rms/client: ${action} of message ${message.id} (msgLogId ${message.msgLogId}) failed; ` +
          `the service will check back: ${(error as Error).message}`,
      );
    }
  }
}
