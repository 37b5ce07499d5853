import { Connection } from 'mysql2/promise';
import { BODY, HISTORY, round2, WARMUP_MS } from './harness';
import { Scenarios } from './scenarios';

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

/** One pair of the side-by-side growth figure: prepare + confirm on each table. */
export interface GrowthPair {
  /** Msgs/s on the grown table and on the empty one, and the first over the second. */
  grown: number;
  empty: number;
  ratio: number;
  /** Each service's CPU seconds per 1,000 messages in its run. */
  grownCpuSecondsPer1000: number;
  emptyCpuSecondsPer1000: number;
}

/**
 * The grown table beside an empty one, seconds apart: prepare + confirm through `grown` (the
 * service over the grown table) and through `empty` (a second service, the same build, over a
 * database of its own that starts empty) in turn, `count` times, each run for `ms` after a
 * warm-up, the order swapped from one pair to the next so that what comes of going first or
 * second (the machine's drift within a pair, the write-back of the run before) favours neither
 * side over an even count. The runs of one pair see the same machine; runs minutes apart do not
 * (its speed drifts by a quarter within minutes here). Returns each pair and the median ratio.
 */
export async function growthPairs(
  grown: Scenarios,
  empty: Scenarios,
  count: number,
  ms: number,
): Promise<{ runs: GrowthPair[]; ratioMedian: number | null }> {
  const run = async (s: Scenarios, name: string) => {
    await s.twoCalls(`${name}-warmup`, WARMUP_MS);
    return s.twoCalls(name, ms);
  };
  // The second service's code is cold: one run's worth of warm-up more.
  await empty.twoCalls('pair-warmup', ms);
  const runs: GrowthPair[] = [];
  for (let i = 0; i < count; i++) {
    const grownFirst = i % 2 === 0;
    const first = await run(grownFirst ? grown : empty, `pair-${i}-a`);
    const second = await run(grownFirst ? empty : grown, `pair-${i}-b`);
    const [g, e] = grownFirst ? [first, second] : [second, first];
    runs.push({
      grown: g.msgsPerSec,
      empty: e.msgsPerSec,
      ratio: round2(g.msgsPerSec / e.msgsPerSec),
      grownCpuSecondsPer1000: g.cpuSecondsPer1000,
      emptyCpuSecondsPer1000: e.cpuSecondsPer1000,
    });
  }
  const ratios = runs.map((r) => r.ratio).sort((x, y) => x - y);
  const mid = Math.floor(ratios.length / 2);
  const ratioMedian =
    ratios.length === 0
      ? null
      : ratios.length % 2
        ? ratios[mid]
        : round2((ratios[mid - 1] + ratios[mid]) / 2);
  return { runs, ratioMedian };
}
