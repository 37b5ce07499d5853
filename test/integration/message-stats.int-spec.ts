import { MessageStatus } from '@app/contracts';
import { aNewMessage } from '../factories/new-message.factory';
import { startState, StateHarness } from '../support/state-db';

describe('Message stats (integration)', () => {
  let h: StateHarness;

  beforeAll(async () => {
    h = await startState('message_stats');
  });

  afterAll(() => h.close());

  it('should age CONFIRMED messages from when they became due, and leave out those not due yet', async () => {
    const hour = 3_600_000;
    await h.producer.prepare([
      aNewMessage({ deliverAt: new Date(Date.now() + hour) }),
      aNewMessage({ status: MessageStatus.PENDING }),
    ]);
    let backlog = await h.stats.backlog();
    expect(backlog.byStatus[MessageStatus.CONFIRMED]).toBe(1);
    expect(backlog.oldestConfirmedAgeMs).toBeNull();
    expect(backlog.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);

    const [due] = await h.producer.prepare([aNewMessage()]);
    await h.db.query(
      'UPDATE messages SET confirmed_at = confirmed_at - INTERVAL 10 MINUTE WHERE id = ?',
      [due.id],
    );
    backlog = await h.stats.backlog();
    expect(backlog.oldestConfirmedAgeMs).toBeGreaterThanOrEqual(600_000);
    expect(backlog.oldestConfirmedAgeMs).toBeLessThan(660_000);
  });

  it('should name the producers whose PENDING messages last failed a check-back, not those answered UNKNOWN', async () => {
    const [failing, unknown] = await h.producer.prepare([
      aNewMessage({ producerId: 'p-failing', status: MessageStatus.PENDING }),
      aNewMessage({ producerId: 'p-unknown', status: MessageStatus.PENDING }),
    ]);
    await h.db.query('UPDATE messages SET fail_msg = ? WHERE id = ?', [
      'check-back failed: connect ECONNREFUSED 127.0.0.1:9',
      failing.id,
    ]);
    await h.db.query('UPDATE messages SET fail_msg = ? WHERE id = ?', [
      'not found yet: the business answered UNKNOWN',
      unknown.id,
    ]);
    expect(await h.stats.failingProducers()).toEqual([
      {
        producerId: 'p-failing',
        messages: 1,
        error: 'check-back failed: connect ECONNREFUSED 127.0.0.1:9',
      },
    ]);
  });
});
