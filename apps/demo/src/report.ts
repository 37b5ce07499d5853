import type Redis from 'ioredis';
import { Connection } from 'mysql2/promise';

/** The demo's outcome, counted in the business databases themselves. */
export interface Outcome {
  ordersCommitted: number;
  pointsCredited: number;
  /** Committed orders without points. */
  lost: number;
  /** Orders credited more than once. */
  appliedTwice: number;
  /** Points for orders that never committed (rolled back, or died before the commit). */
  pointsForRolledBack: number;
}

/** Counts the outcome across `demo_orders` and `demo_points` (one MariaDB server). */
export async function countOutcome(db: Connection): Promise<Outcome> {
  const one = async (sql: string) => Number(((await db.query(sql))[0] as { n: number }[])[0].n);
  return {
    ordersCommitted: await one('SELECT COUNT(*) AS n FROM demo_orders.orders'),
    pointsCredited: await one(
      'SELECT COUNT(DISTINCT order_id) AS n FROM demo_points.points_ledger',
    ),
    lost: await one(
      `SELECT COUNT(*) AS n FROM demo_orders.orders o
        WHERE NOT EXISTS (SELECT 1 FROM demo_points.points_ledger p WHERE p.order_id = o.id)`,
    ),
    appliedTwice: await one(
      `SELECT COUNT(*) AS n FROM (SELECT order_id FROM demo_points.points_ledger
        GROUP BY order_id HAVING COUNT(*) > 1) t`,
    ),
    pointsForRolledBack: await one(
      `SELECT COUNT(*) AS n FROM demo_points.points_ledger p
        WHERE NOT EXISTS (SELECT 1 FROM demo_orders.orders o WHERE o.id = p.order_id)`,
    ),
  };
}

export const converged = (o: Outcome): boolean =>
  o.lost === 0 && o.appliedTwice === 0 && o.pointsForRolledBack === 0;

/** Prints rows as an aligned table. */
export function printTable(title: string, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

export interface ReconciliationRow {
  consumerGroup: string;
  producerId: string;
  topic: string;
  sent: number;
  consumed: number;
  consumedWatermark: number;
  failed: number;
  missing: { total: number };
}

export function printReconciliation(rows: ReconciliationRow[]): void {
  const header = [
    'group',
    'producer',
    'topic',
    'sent',
    'consumed',
    'watermark',
    'failed',
    'missing',
  ];
  const lines = rows.map((r) =>
    [
      r.consumerGroup,
      r.producerId,
      r.topic,
      r.sent,
      r.consumed,
      r.consumedWatermark,
      r.failed,
      r.missing.total,
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`;
  console.log('\nreconciliation (GET /v1/admin/reconciliation)');
  console.log(format(header));
  for (const l of lines) console.log(format(l));
}

/** Everything the demo checks at the end, read from the databases, the stream and the service. */
export interface Settled {
  outcome: Outcome;
  rows: ReconciliationRow[];
  /** Messages still PENDING or CONFIRMED in the message service. */
  unsettled: number;
  /** Stream entries the points service has not read, or read and not acknowledged. */
  unread: number;
  byStatus: (status: number) => number;
  decidedByCheckBack: (status: number) => number;
  /** Send attempts the MQ refused (during the outage). */
  failedSends: number;
}

export async function readSettled(
  db: Connection,
  streams: Redis,
  reconciliation: () => Promise<ReconciliationRow[]>,
): Promise<Settled> {
  const rows = async <T>(sql: string) => (await db.query(sql))[0] as T[];
  const count = (list: { status: number; n: number }[]) => (status: number) =>
    Number(list.find((r) => Number(r.status) === status)?.n ?? 0);
  const statuses = await rows<{ status: number; n: number }>(
    'SELECT status, COUNT(*) AS n FROM demo_rms.messages GROUP BY status',
  );
  const checkedBack = await rows<{ status: number; n: number }>(
    'SELECT status, COUNT(*) AS n FROM demo_rms.messages WHERE check_back_count > 0 GROUP BY status',
  );
  const [failed] = await rows<{ n: number }>(
    `SELECT COUNT(*) AS n FROM demo_rms.message_events
      WHERE type = 'DELIVERY_ATTEMPT' AND detail LIKE '%"ok":false%'`,
  );
  // XINFO GROUPS: [name, …, pending, n, …, lag, n] per group.
  const groups = (await streams.xinfo('GROUPS', 'rms:order-paid')) as (string | number | null)[][];
  const info = groups
    .map((g) => {
      const fields = new Map<string | number | null, string | number | null>();
      for (let i = 0; i + 1 < g.length; i += 2) fields.set(g[i], g[i + 1]);
      return fields;
    })
    .find((g) => g.get('name') === 'points-service');
  const byStatus = count(statuses);
  return {
    outcome: await countOutcome(db),
    rows: await reconciliation(),
    unsettled: byStatus(0) + byStatus(3),
    unread: info ? Number(info.get('pending') ?? 0) + Number(info.get('lag') ?? 1) : 1,
    byStatus,
    decidedByCheckBack: count(checkedBack),
    failedSends: Number(failed.n),
  };
}

/** Every check of the demo: the business databases agree, the service settled and reconciled. */
export const allGood = (s: Settled): boolean =>
  converged(s.outcome) &&
  s.outcome.ordersCommitted === s.outcome.pointsCredited &&
  s.unsettled === 0 &&
  s.unread === 0 &&
  s.rows.length > 0 &&
  s.rows.every((r) => r.missing.total === 0 && r.consumed >= r.sent);
