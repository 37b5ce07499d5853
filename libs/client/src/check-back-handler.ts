import type { DataSource } from 'typeorm';
import {
  CHECK_BACK_HEADERS,
  DEFAULT_REPLAY_WINDOW_MS,
  verifyCheckBack,
} from '../../contracts/src/check-back-signature';
import { BarrierTable, DEFAULT_BARRIER_TABLE } from './barrier';
import type { TransactionalPublisher } from './transactional-publisher';

/** A request as any framework sees it. `target` is the path and query exactly as received. */
export interface CheckBackRequest {
  method: string;
  target: string;
  headers: Record<string, string | string[] | undefined>;
}

/** The answer to send: status and JSON body. */
export interface CheckBackResponse {
  status: number;
  body: { status: 'COMMITTED' | 'ROLLED_BACK' } | { error: string };
}

export type CheckBackHandler = (request: CheckBackRequest) => Promise<CheckBackResponse>;

export interface CheckBackHandlerOptions {
  /** The publisher whose barrier table answers; or give `dataSource` (and `table`). */
  publisher?: TransactionalPublisher;
  dataSource?: DataSource;
  table?: string;
  /** With `dataSource`: the barrier retention (default 7 days), as the publisher's. */
  barrierRetentionMs?: number;
  /** Producer id → signing secret (shown once at registration): who may ask. */
  producers?: Record<string, string>;
  /** A secret for any producer id not in `producers` (when the service knows you by one id). */
  signingSecret?: string;
  /** Accepted clock difference of `X-RMS-Timestamp`; default 5 minutes. */
  replayWindowMs?: number;
}

const header = (headers: CheckBackRequest['headers'], name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The business's check-back endpoint, framework-neutral. A request must carry a valid signature
 * of a known producer with a fresh timestamp, or it is refused with 401 before any database work.
 * Then the barrier row decides: `INSERT IGNORE … ROLLED_BACK` (waiting while the business
 * transaction is still open), read back, and answered as `{"status":"COMMITTED"}` or
 * `{"status":"ROLLED_BACK"}`. A database error is a 500, which the service retries: it never
 * guesses.
 */
export function createCheckBackHandler(options: CheckBackHandlerOptions): CheckBackHandler {
  const barrier =
    options.publisher?.barrier ??
    (options.dataSource
      ? new BarrierTable(
          options.dataSource,
          options.table ?? DEFAULT_BARRIER_TABLE,
          options.barrierRetentionMs,
        )
      : undefined);
  if (!barrier)
    throw new Error('@rms/client: createCheckBackHandler needs a publisher or a dataSource');
  const refuse = (error: string): CheckBackResponse => ({ status: 401, body: { error } });

  return async (request) => {
    const producer = header(request.headers, CHECK_BACK_HEADERS.producer);
    const known =
      producer !== undefined && options.producers && Object.hasOwn(options.producers, producer);
    const secret = known
      ? options.producers![producer]
      : producer !== undefined
        ? options.signingSecret
        : undefined;
    if (secret === undefined) return refuse('unknown producer');
    const verdict = verifyCheckBack({
      secret,
      method: request.method,
      target: request.target,
      timestamp: header(request.headers, CHECK_BACK_HEADERS.timestamp),
      signature: header(request.headers, CHECK_BACK_HEADERS.signature),
      replayWindowMs: options.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS,
    });
    if (!verdict.ok) return refuse(verdict.reason);
    if (request.method.toUpperCase() !== 'GET') return { status: 405, body: { error: 'GET only' } };

    const query = new URL(request.target, 'http://check-back.invalid').searchParams;
    const msgLogId = query.get('msgLogId');
    if (!msgLogId) return { status: 400, body: { error: 'msgLogId is missing' } };
    try {
      const status = await barrier.decide(msgLogId, query.get('messageId'));
      return { status: 200, body: { status } };
    } catch (error) {
      return { status: 500, body: { error: (error as Error).message } };
    }
  };
}
