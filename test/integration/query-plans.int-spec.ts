import { MessageStatus } from '../../libs/contracts/src';
import { QueryRunner } from 'typeorm';
import { SequenceReads } from '../../apps/message-service/src/state/sequence-reads';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

interface Plan {
  table: string | null;
  type: string | null;
  key: string | null;
  select_type: string;
  Extra: string | null;
}

/** Splits a multi-statement trip into its statements, each with its own parameters. */
function statementsOf(sql: string, params: unknown[] = []): { sql: string; params: unknown[] }[] {
  let next = 0;
  return sql.split(';\n').map((text) => {
    const n = (text.match(/\?/g) ?? []).length;
    const own = params.slice(next, next + n);
    next += n;
    return { sql: text.trim(), params: own };
  });
}

/**
 * Every statement the sweeps, claims and claiming writes send that reads or writes `messages` or
 * `message_events` (the tables that grow) finds its rows through an index: EXPLAIN of each, on a
 * table with rows of every status, shows no full scan of them.
 */
describe('Query plans of the sweeps and claims (integration)', () => {
  let h: StateHarness;
  const sent: { sql: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    h = await startState('plans');
    // 3,000 messages: CONFIRMED (some grouped), PENDING, and SENT, FAILED, CANCELLED history.
    for (let i = 0; i < 30; i++) {
      await h.producer.prepare(
        Array.from({ length: 100 }, (_, j) =>
          aNewMessage({
            producerId: `p-${j % 3}`,
            topic: `t-${j % 5}`,
            messageGroup: j % 4 === 0 ? `g-${j % 7}` : null,
            status: j % 3 === 0 ? MessageStatus.PENDING : MessageStatus.CONFIRMED,
            checkBackDelayMs: 0,
          }),
        ),
      );
    }
    await h.db.query(
      `UPDATE messages SET status = CASE MOD(CONV(SUBSTR(id, -2), 32, 10), 5)
          WHEN 0 THEN ${MessageStatus.SENT} WHEN 1 THEN ${MessageStatus.SENT}
          WHEN 2 THEN ${MessageStatus.CANCELLED} WHEN 3 THEN ${MessageStatus.FAILED} ELSE status END,
         sent_at = UTC_TIMESTAMP(3), seq = CONV(SUBSTR(id, -4), 32, 10), next_attempt_at = NULL,
         created_at = UTC_TIMESTAMP(3) - INTERVAL 30 DAY, updated_at = UTC_TIMESTAMP(3) - INTERVAL 30 DAY
       WHERE MOD(CONV(SUBSTR(id, -2), 32, 10), 5) < 4 AND CONV(SUBSTR(id, -3, 1), 32, 10) < 24`,
    );
    // Timelines: three event rows per message (retries, check-backs), as after a bad day.
    await h.db.query(
      `INSERT INTO message_events (message_id, type, at, detail)
       SELECT m.id, 'DELIVERY_ATTEMPT', UTC_TIMESTAMP(3), '{"ok":false}'
         FROM messages m, (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) n`,
    );
    await h.db.query('ANALYZE TABLE messages, message_events');

    // Record every statement the state module sends from here on.
    const query = h.db.query.bind(h.db);
    jest.spyOn(h.db, 'query').mockImplementation((sql: string, params?: unknown[]) => {
      sent.push(...statementsOf(sql, params));
      return query(sql, params);
    });
    const createQueryRunner = h.db.createQueryRunner.bind(h.db);
    jest.spyOn(h.db, 'createQueryRunner').mockImplementation((...args) => {
      const runner: QueryRunner = createQueryRunner(...args);
      const run = runner.query.bind(runner);
      runner.query = ((sql: string, params?: unknown[]) => {
        sent.push(...statementsOf(sql, params));
        return run(sql, params);
      }) as QueryRunner['query'];
      return runner;
    });

    // Writes that claim what they confirm (an instance that delivers).
    h.afterCommit.onClaimOnWrite({ leaseMs: 60_000, room: () => 1_000, deliver: () => undefined });
    await h.producer.prepare([aNewMessage({ producerId: 'p-0', topic: 't-0' })]);
    const pending = aNewMessage({ producerId: 'p-1', topic: 't-1', status: MessageStatus.PENDING });
    await h.producer.prepare([pending]);
    await h.producer.confirm([{ id: pending.id, producerId: 'p-1' }]);
    // A grouped write: is it its group's head?
    await h.producer.prepare([
      aNewMessage({ producerId: 'p-0', topic: 't-0', messageGroup: 'g-0' }),
    ]);

    // What the sweeps, claims and the reconciliation job do.
    const { messages: claimed } = await h.deliveryClaims.claimDue(100, 60_000);
    await h.completions.complete(
      claimed.map((m) => ({ kind: 'sent', message: m, mqMessageId: 'mq', latencyMs: 1 })),
    );
    await h.checkBackClaims.claim(100, 60_000);
    await h.retention.deleteFinished(7, 100);
    await new SequenceReads(h.db).sentInHoles(
      { producerId: 'p-0', topic: 't-0' },
      [
        [1, 50],
        [80, 2000],
      ],
      new Date(0),
      0,
      100,
    );
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await h.close();
  });

  it('should find every row of messages and message_events through an index', async () => {
    const growing = /\b(FROM|UPDATE|JOIN|INTO)\s+(messages|message_events)\b/i;
    const explained: { sql: string; plans: Plan[] }[] = [];
    for (const s of sent) {
      if (!/^(SELECT|UPDATE|DELETE|INSERT)\b/i.test(s.sql) || !growing.test(s.sql)) continue;
      const sql = s.sql.replace(/^SELECT (.*?) INTO @\w+/is, 'SELECT $1');
      explained.push({ sql, plans: await h.db.query<Plan[]>(`EXPLAIN ${sql}`, s.params) });
    }
    expect(explained.length).toBeGreaterThanOrEqual(14);
    // The claims on write are among them.
    expect(explained.some((e) => /^INSERT INTO messages\b/.test(e.sql))).toBe(true);
    const claimingConfirm = new RegExp(`SET status = ${MessageStatus.CONFIRMED},\\s+confirmed_at`);
    expect(explained.some((e) => claimingConfirm.test(e.sql))).toBe(true);
    const scans = explained.flatMap(({ sql, plans }) =>
      plans
        // A derived table (`<derived2>`) or JSON_TABLE holds the statement's own rows only, and
        // the table an INSERT writes is not read.
        .filter(
          (p) =>
            p.type === 'ALL' &&
            p.table !== null &&
            !p.table.startsWith('<') &&
            p.select_type !== 'INSERT' &&
            !(p.Extra ?? '').includes('Table function'),
        )
        .map((p) => ({ table: p.table, sql: sql.replace(/\s+/g, ' ').slice(0, 200) })),
    );
    expect(scans).toEqual([]);
  });

  it('should pick due deliveries by (status, next_attempt_at) and check group heads by the group index', async () => {
    const candidates = sent.find((s) =>
      /^SELECT id FROM messages\s+WHERE status = 3 AND next_attempt_at/.test(s.sql),
    );
    expect(candidates).toBeDefined();
    const plans = await h.db.query<Plan[]>(`EXPLAIN ${candidates!.sql}`, candidates!.params);
    expect(plans.map((p) => p.key)).toEqual(
      expect.arrayContaining(['ix_messages_status_next_attempt', 'ix_messages_group_order']),
    );
  });

  it('should check group heads by the group index wherever it is checked', async () => {
    // The claim's check of the rows it locked, and the read of which confirms wait behind their
    // group's head: the earlier messages of a group are found by the group index, never by a
    // scan of every message of the producer's topic.
    const checks = sent.filter(
      (s) => /^SELECT id FROM messages WHERE id IN/.test(s.sql) && /NOT EXISTS/.test(s.sql),
    );
    expect(checks.length).toBeGreaterThanOrEqual(2);
    for (const check of checks) {
      const plans = await h.db.query<Plan[]>(`EXPLAIN ${check.sql}`, check.params);
      const earlier = plans.filter((p) => p.table === 'e');
      expect(earlier.map((p) => p.key)).toEqual(['ix_messages_group_order']);
    }
  });
});
