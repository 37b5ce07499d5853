import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';
import { sleep } from '../support/wait';

describe('Retention (integration)', () => {
  let h: StateHarness;

  beforeAll(async () => {
    h = await startState('retention');
  });

  afterAll(() => h.close());

  /** Makes messages look `days` old, by both their creation and their last change. */
  const age = (ids: string[], days: number) =>
    h.db.query(
      `UPDATE messages SET created_at = created_at - INTERVAL ? DAY,
              updated_at = updated_at - INTERVAL ? DAY WHERE id IN (?)`,
      [days, days, ids],
    );

  it('should delete old SENT and CANCELLED messages with their events, and keep FAILED, young and unfinished ones', async () => {
    const [sent, failed, cancelled, young, pending] = await h.producer.prepare([
      aNewMessage(),
      aNewMessage(),
      aNewMessage({ status: MessageStatus.PENDING }),
      aNewMessage(),
      aNewMessage({ status: MessageStatus.PENDING }),
    ]);
    const claimed = await h.deliveryClaims.claimIds([sent.id, failed.id, young.id], 60_000);
    const byId = new Map(claimed.map((m) => [m.id, m]));
    await h.completions.complete([
      { kind: 'sent', message: byId.get(sent.id)!, mqMessageId: 'mq-1', latencyMs: 1 },
      { kind: 'sent', message: byId.get(young.id)!, mqMessageId: 'mq-2', latencyMs: 1 },
      {
        kind: 'failed',
        message: byId.get(failed.id)!,
        error: 'topic not found',
        permanent: true,
        latencyMs: 1,
      },
    ]);
    await h.producer.cancel(cancelled.id, cancelled.producerId);
    await age([sent.id, failed.id, cancelled.id, pending.id], 2);

    expect(await h.retention.deleteFinished(1, 100)).toBe(2);
    expect(await h.reads.findById(sent.id)).toBeUndefined();
    expect(await h.reads.findById(cancelled.id)).toBeUndefined();
    expect(await h.reads.timeline(sent.id)).toEqual([]);
    for (const kept of [failed, young, pending]) {
      expect(await h.reads.findById(kept.id)).toBeDefined();
      expect((await h.reads.timeline(kept.id)).length).toBeGreaterThan(0);
    }
    expect(await h.retention.deleteFinished(1, 100)).toBe(0);
  });

  it('should leave a message and its whole timeline alone while a resend of it is under way', async () => {
    const [m] = await h.producer.prepare([aNewMessage()]);
    const [claim] = await h.deliveryClaims.claimIds([m.id], 60_000);
    await h.completions.complete([
      { kind: 'sent', message: claim, mqMessageId: 'mq', latencyMs: 1 },
    ]);
    await age([m.id], 2);
    const before = (await h.reads.timeline(m.id)).map((e) => e.type);

    // An operator's resend holds the row while retention runs.
    const resend = h.db.createQueryRunner();
    await resend.startTransaction('READ COMMITTED');
    await resend.query('SELECT id FROM messages WHERE id = ? FOR UPDATE', [m.id]);
    const purge = h.retention.deleteFinished(1, 100);
    await sleep(300);
    // As OperatorTransitions.resend does it: the RESENT event keeps what the resend overwrites.
    await resend.query(
      `INSERT INTO message_events (message_id, type, at, detail)
       SELECT id, 'RESENT', UTC_TIMESTAMP(3), JSON_OBJECT('overwritten', JSON_OBJECT(
                'sentAt', DATE_FORMAT(sent_at, '%Y-%m-%dT%H:%i:%s.%fZ'), 'mqMessageId', mq_message_id))
         FROM messages WHERE id = ?`,
      [m.id],
    );
    await resend.query(
      `UPDATE messages SET status = ${MessageStatus.CONFIRMED}, sent_at = NULL, mq_message_id = NULL,
         updated_at = UTC_TIMESTAMP(3) WHERE id = ?`,
      [m.id],
    );
    await resend.commitTransaction();
    await resend.release();
    await purge;

    expect((await h.reads.findById(m.id))!.status).toBe(MessageStatus.CONFIRMED);
    expect((await h.reads.timeline(m.id)).map((e) => e.type)).toEqual([...before, 'RESENT']);
  });
});
