import { MessageStatus } from '@app/contracts';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { placeholders } from '../database/sql';
import { inTransaction, Statement } from '../database/transaction';

/** More work for the claim's second trip: statements before its UPDATE, and assignments in it. */
export interface ClaimExtra {
  statements: Statement[];
  /** `column = …` assignments of the claim's UPDATE ('' for none), and their parameters. */
  set: string;
  params: unknown[];
  /** Reads after the commit. */
  reads: Statement[];
}

export interface ClaimSpec<R> {
  /** The status the claimed rows are in, and stay in. */
  status: MessageStatus;
  /** Only these ids; otherwise the due rows, oldest due first. */
  ids?: string[];
  /**
   * Only rows whose `next_attempt_at` has passed (default true); with false, also rows not yet
   * due, but never one that another claim's lease still holds.
   */
  dueOnly?: boolean;
  limit: number;
  /**
   * A condition on `messages` (unaliased) a row must meet to be claimed, read without locks: in
   * the choice of candidates, and again, by a plain read, once the rows are locked (a locking
   * read would skip rows other claims hold, and so see them as absent).
   */
  eligible?: string;
  /** The lease: how long the rows stay claimed (`next_attempt_at` pushed ahead). */
  leaseMs: number;
  /** The columns read of each claimed row (its `id` among them). */
  columns: string;
  extra?: (rows: R[]) => ClaimExtra;
}

export interface Claim<R> {
  /** Stamped on the claimed rows; an outcome applies only where it still holds. */
  token: string;
  /**
   * The candidates: the ids given, or the due rows read (at most `limit`). Fewer rows than that
   * were claimed when some were not due or eligible any more, or another claim held them.
   */
  candidates: number;
  rows: R[];
  /** The results of the extra reads. */
  reads: unknown[];
}

/** A fresh claim token: 128 random bits as hex. */
export const newClaimToken = (): string => randomBytes(16).toString('hex');

/**
 * Claims rows for one attempt: locks them with `FOR UPDATE SKIP LOCKED` (rows another claim
 * holds are passed over), stamps a fresh claim token and pushes `next_attempt_at` ahead by the
 * lease. If the claimer dies, the rows are due again when the lease runs out, and whoever claims
 * them then stamps a new token, so the first claimer's late outcome can no longer apply.
 *
 * Rows are locked by primary key only, the same lock order as every other writer of `messages`
 * (primary key, then the secondary indexes, then `topic_sequences`): a locking scan of the
 * (status, next_attempt_at) index would lock index records first and deadlock with claims and
 * confirms that come through the primary key. Candidates are therefore picked by a plain read,
 * then locked, and due-ness is checked again under the lock. Two round trips: lock and read the
 * rows; then the extra statements, the lease and the commit.
 */
export async function claimRows<R extends { id: string }>(
  db: DataSource,
  spec: ClaimSpec<R>,
): Promise<Claim<R>> {
  const due =
    spec.dueOnly === false
      ? 'AND (claim_token IS NULL OR next_attempt_at <= UTC_TIMESTAMP(3))'
      : 'AND next_attempt_at <= UTC_TIMESTAMP(3)';
  const eligible = spec.eligible ? `AND ${spec.eligible}` : '';
  const ids =
    spec.ids ??
    (
      await db.query<{ id: string }[]>(
        `SELECT id FROM messages
          WHERE status = ${spec.status} AND next_attempt_at <= UTC_TIMESTAMP(3) ${eligible}
          ORDER BY next_attempt_at LIMIT ?`,
        [spec.limit],
      )
    ).map((r) => r.id);
  const token = newClaimToken();
  const candidates = ids.length;
  if (ids.length === 0) return { token, candidates, rows: [], reads: [] };
  return inTransaction(db, async (trips) => {
    const lock: Statement = {
      sql: `SELECT ${spec.columns} FROM messages FORCE INDEX (PRIMARY)
             WHERE id IN (${placeholders(ids.length)}) AND status = ${spec.status} ${due}
             FOR UPDATE SKIP LOCKED`,
      params: ids,
    };
    const check: Statement[] = spec.eligible
      ? [
          {
            sql: `SELECT id FROM messages WHERE id IN (${placeholders(ids.length)})
                   AND NOT (${spec.eligible})`,
            params: ids,
          },
        ]
      : [];
    const [locked, ineligible = []] = (await trips.send([lock, ...check])) as [
      R[],
      { id: string }[]?,
    ];
    const excluded = new Set(ineligible.map((r) => r.id));
    const rows = locked.filter((r) => !excluded.has(r.id));
    if (rows.length === 0) {
      await trips.commit([]);
      return { token, candidates, rows: [], reads: [] };
    }
    const extra = spec.extra?.(rows) ?? { statements: [], set: '', params: [], reads: [] };
    const claimed = rows.map((r) => r.id);
    const results = await trips.commit(
      [
        ...extra.statements,
        {
          sql: `UPDATE messages
                   SET claim_token = ?, next_attempt_at = TIMESTAMPADD(MICROSECOND, ? * 1000, UTC_TIMESTAMP(3)),
                       ${extra.set ? `${extra.set},` : ''} updated_at = UTC_TIMESTAMP(3)
                 WHERE id IN (${placeholders(claimed.length)})`,
          params: [token, spec.leaseMs, ...extra.params, ...claimed],
        },
      ],
      extra.reads,
    );
    return { token, candidates, rows, reads: results.slice(extra.statements.length + 1) };
  });
}
