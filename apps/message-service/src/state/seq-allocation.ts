import { Statement } from '../database/transaction';

/** What the allocation needs of a claimed row. */
export interface SeqRow {
  id: string;
  producer_id: string;
  topic: string;
  seq: number | string | null;
}

/**
 * Gives every row without a `seq` the next numbers of its (producer, topic): one counter update
 * per pair per batch, in a fixed order so that concurrent claims cannot deadlock. Each pair's
 * first number lands in a user variable that the claim's UPDATE uses and `reads` return after
 * the commit. The numbers are used in this transaction or not at all (a rollback returns them),
 * so there are no holes.
 */
export function seqAllocation(rows: SeqRow[]): {
  /** The counter updates, to run before the claim's UPDATE. */
  statements: Statement[];
  /** `WHEN ? THEN …` arms of the claim's `seq = CASE id … END`, and their parameters. */
  cases: string;
  params: unknown[];
  /** Each numbered row's `seq` as an SQL expression valid after `statements` (for an INSERT). */
  expressions: Map<string, string>;
  /** The read (after COMMIT) of each pair's first number; none when nothing needs a number. */
  reads: Statement[];
  /** Each numbered row's `seq`, from the result of `reads`. */
  numbers: (read: unknown) => Map<string, number>;
} {
  const groups = new Map<string, SeqRow[]>();
  for (const row of rows) {
    if (row.seq !== null) continue;
    const key = `${row.producer_id}\u0000${row.topic}`;
    const members = groups.get(key);
    if (members) members.push(row);
    else groups.set(key, [row]);
  }
  const statements: Statement[] = [];
  const cases: string[] = [];
  const params: unknown[] = [];
  const order: SeqRow[][] = [];
  const expressions = new Map<string, string>();
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!.sort((a, b) => (a.id < b.id ? -1 : 1));
    const g = order.length;
    order.push(members);
    const [producerId, topic] = key.split('\u0000');
    const n = members.length;
    statements.push(
      {
        sql: `INSERT INTO topic_sequences (producer_id, topic, next_seq) VALUES (?, ?, ?)
              ON DUPLICATE KEY UPDATE next_seq = next_seq + ?`,
        params: [producerId, topic, n + 1, n],
      },
      {
        sql: `SELECT next_seq - ? INTO @rms_seq_${g} FROM topic_sequences WHERE producer_id = ? AND topic = ?`,
        params: [n, producerId, topic],
      },
    );
    members.forEach((m, i) => {
      expressions.set(m.id, `@rms_seq_${g} + ${i}`);
      cases.push(`WHEN ? THEN @rms_seq_${g} + ${i}`);
      params.push(m.id);
    });
  }
  return {
    statements,
    cases: cases.join(' '),
    params,
    expressions,
    reads:
      order.length > 0
        ? [{ sql: `SELECT ${order.map((_, g) => `@rms_seq_${g} AS s${g}`).join(', ')}` }]
        : [],
    numbers: (read) => {
      const seqs = new Map<string, number>();
      if (order.length === 0) return seqs;
      const firsts = (read as Record<string, string | number>[])[0];
      order.forEach((members, g) =>
        members.forEach((m, i) => seqs.set(m.id, Number(firsts[`s${g}`]) + i)),
      );
      return seqs;
    },
  };
}
