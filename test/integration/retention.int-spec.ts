import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

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
});
