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
