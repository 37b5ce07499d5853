import { Connection } from 'mysql2/promise';
import { BODY, HISTORY } from './harness';

/**
 * Puts HISTORY SENT messages (a day old, their happy path in their own columns, as the service
 * records it) into the table, 100,000 per statement, for the table-growth figure.
 */
export async function addHistory(db: Connection, producerId: string): Promise<number> {
  await db.query('CREATE TEMPORARY TABLE bench_digits (d INT PRIMARY KEY)');
  await db.query('INSERT INTO bench_digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
  // Temporary tables cannot be opened twice in one query: one copy per digit position.
  for (const t of ['b', 'c', 'd', 'e']) {
    await db.query(`CREATE TEMPORARY TABLE bench_digits_${t} AS SELECT d FROM bench_digits`);
  }
  const started = Date.now();
  for (let base = 0; base < HISTORY; base += 100_000) {
    await db.query(
      `INSERT INTO messages (id, producer_id, msg_log_id, topic, \`keys\`, properties, body,
         content_hash, status, delivery_attempts, mq_message_id, seq, confirmed_at, sent_at,
         created_at, updated_at)
       SELECT CONCAT('00HIST', LPAD(t.n, 20, '0')), ?, CONCAT('history-', t.n), 'history', '[]', '{}', ?,
              REPEAT('0', 64), 1, 1, CONCAT(t.n, '-0'), t.n, t.at, t.at, t.at, t.at
         FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d
                      + 100000 * f.d + ? + 1 AS n,
                      UTC_TIMESTAMP(3) - INTERVAL 1 DAY AS at
                 FROM bench_digits a, bench_digits_b b, bench_digits_c c, bench_digits_d d,
                      bench_digits_e e, (SELECT 0 AS d) f) t`,
      [producerId, Buffer.from(BODY), base],
    );
  }
  await db.query(
    `INSERT INTO topic_sequences (producer_id, topic, next_seq) VALUES (?, 'history', ?)`,
    [producerId, HISTORY + 1],
  );
  return Date.now() - started;
}

/** How far InnoDB's checkpoint lags behind its redo log, and the most it may lag. */
async function checkpointAge(db: Connection): Promise<{ age: number; max: number }> {
  const [rows] = await db.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_checkpoint_age', 'Innodb_checkpoint_max_age')`,
  );
  const value = (name: string) =>
    Number(
      (rows as { Variable_name: string; Value: string }[]).find((r) => r.Variable_name === name)
        ?.Value ?? 0,
    );
  return { age: value('Innodb_checkpoint_age'), max: value('Innodb_checkpoint_max_age') };
}

/**
 * Waits (at most `maxMs`) until InnoDB has written back what the history insert left in the
 * buffer pool, as far as it writes back on its own (it flushes ahead of the checkpoint until the
 * checkpoint lags less than `innodb_adaptive_flushing_lwm`, 10 % of the redo log, and then stops),
 * so that the grown-table figure measures a table of that size rather than the write-back of a
 * bulk load that a table growing over days never sees. Returns how long it waited, and whether
 * the checkpoint caught up (false on MySQL, which does not report its age, or after `maxMs`).
 */
export async function settle(
  db: Connection,
  maxMs = 120_000,
): Promise<{ waitedMs: number; settled: boolean }> {
  const started = Date.now();
  const [rows] = await db.query('SELECT @@innodb_adaptive_flushing_lwm AS pct');
  const lwm = Number((rows as { pct: number | string }[])[0].pct);
  for (;;) {
    const { age, max } = await checkpointAge(db);
    // MySQL 8 reports no checkpoint age: nothing to wait for that it tells.
    const settled = max > 0 && age <= (max * (lwm + 2)) / 100;
    if (settled || max === 0 || Date.now() - started >= maxMs) {
      return { waitedMs: Date.now() - started, settled };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
